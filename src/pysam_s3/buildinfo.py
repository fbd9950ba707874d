"""What this wheel is made of: the build record written into it, and what the
htslib pysam actually loaded says about itself."""

from __future__ import annotations

import json
from importlib import resources

from . import libhts


def build_info() -> dict:
    """The build record written into the wheel: versions, pins, patches, compiler (no network)."""
    return json.loads(resources.files(__package__).joinpath("_build_info.json").read_text())


def installed_license_files() -> dict[str, str]:
    """The license texts installed with the pysam distribution: their path relative
    to its .dist-info/licenses/ (as the build info names them) -> absolute path.
    Empty when pysam is not installed from a wheel (a source checkout)."""
    from importlib import metadata

    try:
        files = metadata.distribution("pysam").files or []
    except metadata.PackageNotFoundError:
        return {}
    return {"/".join(f.parts[2:]): str(f.locate()) for f in files
            if len(f.parts) > 2 and f.parts[0].endswith(".dist-info") and f.parts[1] == "licenses"}


def bundled_libraries() -> list[dict]:
    """Each source built into this wheel: name, version, license, the sha256 of its
    tree as built, and its license texts: where they are installed, or "missing"."""
    installed = installed_license_files()
    return [{"name": pin["name"], "version": pin["version"], "license": pin["license"],
             "tree_sha256": pin.get("tree_sha256"),
             "license_files": {f: installed.get(f, "missing") for f in pin.get("license_files", [])}}
            for pin in build_info()["pins"]]


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
