"""scikit-build-core dynamic-metadata provider: the wheel's version.

`<pysam version>+htslib<htslib version>.s3r<build revision>`, from the lock
and the options the backend's hook resolved (recipe/options.py); e.g.
0.24.1+htslib1.24.s3r1.
"""

from __future__ import annotations


def dynamic_metadata(settings, project):
    from . import buildinfo, lock, options

    return {"version": buildinfo.wheel_version(lock.load(), options.of_this_hook())}
