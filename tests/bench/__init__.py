"""The benchmark (bench/, `make bench`) run end to end on tiny data."""
