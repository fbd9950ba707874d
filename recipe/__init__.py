"""The pysam-s3 recipe: how the wheel is made, one module per step.

    lock        sources.lock.toml: every pinned source
    options     the recipe's typed options: defaults, [tool.pysam-s3], -C pysam-s3.* settings
    target      the machine and C library a wheel is for: the one "is it a cross build?"
    fetch       download by a pinned route, verify sha256, unpack into vendor/
    patches     apply patches/<source>/series to the unpacked trees
    htslib      configure and build htslib into a staging prefix (libhts.a for libchtslib)
    features    the feature gate: hts_feature_string() must list what we need
    pysam_build build pysam's extensions, htslib linked into libchtslib (stock's layout)
    stage       assemble the wheel's contents: pysam, headers, build info; gate libchtslib
    wheel       the PEP 517 build for one interpreter, then repair and verify
    repair      auditwheel repair into dist/
    verify      install the wheel into a fresh venv and check what it reports

What every step uses: steps (progress lines, logs, fresh folders), process
(running commands), stamps (skipping unchanged steps), buildlock (one recipe
run at a time); cross (what a build for another machine or C library needs).

`python -m recipe --help` lists the commands; `make wheel` runs them all.
"""
