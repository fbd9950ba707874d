"""S3 settings for this process, for programs that cannot rely on the environment.

    import pysam_s3
    pysam_s3.configure(endpoint_url="https://ceph.lab.example", profile="lab", region="eu-west-1")

They are handed to htslib (hts_s3_set_config) and win over the AWS_* and
HTS_S3_* variables and the AWS files, but not over what a URL itself says
(s3+http://, PROFILE@, ID:SECRET@). A profile given here is explicit: as with
boto3.Session(profile_name=...), the environment's keys are not used. Nothing
changes os.environ. A forked child process inherits them; a spawned one
(multiprocessing's "spawn" and "forkserver", Dask workers) starts without:
call configure() there too, e.g. in the pool's initializer.
"""

from __future__ import annotations

import threading

from . import libhts

SETTINGS = ("endpoint_url", "profile", "region", "addressing_style")
ADDRESSING_STYLES = ("auto", "virtual", "path")

_lock = threading.Lock()
_current: dict[str, str] = {}


def configure(*, endpoint_url: str | None = None, profile: str | None = None, region: str | None = None,
              addressing_style: str | None = None) -> dict[str, str]:
    """Make these the process's S3 settings (None: not set, the environment and
    files decide), replacing earlier ones; `configure()` removes them all.
    Returns the previous settings."""
    given = {"endpoint_url": endpoint_url, "profile": profile, "region": region,
             "addressing_style": addressing_style}
    for name, value in given.items():
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ValueError(f"{name} must be a non-empty string, not {value!r}")
    if endpoint_url is not None and not endpoint_url.lower().startswith(("http://", "https://")):
        raise ValueError(f"endpoint_url must be an http:// or https:// URL, not {endpoint_url!r}")
    if addressing_style is not None and addressing_style not in ADDRESSING_STYLES:
        raise ValueError(f"addressing_style must be one of {', '.join(ADDRESSING_STYLES)}, "
                         f"not {addressing_style!r}")
    global _current
    lib = libhts.lib()
    with _lock:
        previous = dict(_current)
        for name in SETTINGS:
            value = given[name]
            if lib.hts_s3_set_config(name.encode(), value.encode() if value else None) != 0:
                raise OSError(f"htslib refused the S3 setting {name}")
        _current = {k: v for k, v in given.items() if v is not None}
    return previous


def settings() -> dict[str, str]:
    """The process's S3 settings given with configure()."""
    with _lock:
        return dict(_current)
