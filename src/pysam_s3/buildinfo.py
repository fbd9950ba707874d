"""What this wheel is made of: the build record written into it, and what the
htslib pysam actually loaded says about itself."""

from __future__ import annotations

import json
from importlib import resources

from . import libhts


def build_info() -> dict:
    """The build record written into the wheel: versions, pins, patches, compiler (no network)."""
    return json.loads(resources.files(__package__).joinpath("_build_info.json").read_text())


def htslib_runtime() -> dict:
    """What the htslib that pysam actually loaded says about itself."""
    lib = libhts.lib()
    return {"version": lib.hts_version().decode(), "features": lib.hts_feature_string().decode(),
            "library": libhts.path()}


def version() -> str:
    try:
        return build_info()["version"]
    except (OSError, KeyError, ValueError):  # source checkout without a build
        return "0+unknown"
