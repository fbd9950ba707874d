"""The fuzzing run's length: `make fuzz FUZZ_SECONDS=N` passes --fuzz-seconds."""

from __future__ import annotations


def pytest_addoption(parser):
    parser.getgroup("fuzz").addoption(
        "--fuzz-seconds", type=int, default=20, metavar="N",
        help="how long each fuzz target runs after its seed corpus (default 20; make fuzz: 300)")
