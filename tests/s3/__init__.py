"""S3 smoke tests: pysam against real S3 servers on loopback (or your own endpoint)."""
