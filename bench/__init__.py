"""The benchmark (`python -m bench`, `make bench`): our wheel against stock
pysam 0.24.1 from PyPI, side by side on this machine, in one run.

Both pysams are measured in their own venv (the test venvs of
recipe.testenv), each measurement in a fresh subprocess, ours and stock
alternating within every round; the report gives medians and the ratio
stock/ours (> 1: ours is faster) against the targets of issue 6.

The orchestrator (this package, minus the scripts below) is standard library
only and never imports pysam. Scripts run *inside* a venv, with `python -I`:
  generate.py  writes the data set (ours venv)
  measure.py   one timed operation per run (ours or stock venv)
  chart.py     draws chart.png with matplotlib (ours venv: requirements/bench.txt)
"""
