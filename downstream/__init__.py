"""The downstream corpus (`python -m downstream`, `make downstream`): packages
built on pysam (downstream/corpus.toml), each built from its pinned sdist into
a venv beside our wheel and into one beside stock pysam 0.24.1, and its own
tests run with each; the table of per-test outcomes goes to
build/downstream/table.md (and, read and explained, into docs/testing.md).

    corpus     corpus.toml: the sdists (recipe/lock.py's schema) and where each
               package's tests and their data come from (a git commit)
    sources    the sdists (recipe/fetch.py, by sha256) and the test trees (git)
    __main__   one venv per pysam (requirements/downstream.lock by hash, the
               pysam wheel, then every sdist built against it, pysam left as it
               was), the tests in each, and the table from both runs' JUnit XML
               (testkit/compare.py's)

Not part of `make test`: it installs a few hundred MB of scientific Python and
runs the three suites twice (6 min 38 s here).
"""
