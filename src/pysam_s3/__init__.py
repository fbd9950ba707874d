"""pysam-s3: what this pysam wheel is made of.

    >>> import pysam_s3
    >>> pysam_s3.build_info()["htslib_features"]
    'build=configure libcurl=yes S3=yes GCS=yes libdeflate=yes ...'

`python -m pysam_s3` prints the same, plus what the loaded htslib reports.
"""

from __future__ import annotations

import json
from importlib import resources

__all__ = ["build_info", "htslib_runtime", "__version__"]


def build_info() -> dict:
    """The build record written into the wheel: versions, pins, patches, compiler (no network)."""
    return json.loads(resources.files(__name__).joinpath("_build_info.json").read_text())


def htslib_runtime() -> dict:
    """What the htslib that pysam actually loaded says about itself."""
    import ctypes
    import os

    import pysam.libchtslib  # noqa: F401  (loads libhts.so.3 through its RPATH)

    path = os.path.join(os.path.dirname(pysam.__file__), "libhts.so.3")
    lib = ctypes.CDLL(path)
    for name in ("hts_version", "hts_feature_string"):
        getattr(lib, name).restype = ctypes.c_char_p
    return {"version": lib.hts_version().decode(), "features": lib.hts_feature_string().decode(),
            "library": path}


def _version() -> str:
    try:
        return build_info()["version"]
    except (OSError, KeyError, ValueError):  # source checkout without a build
        return "0+unknown"


__version__ = _version()
