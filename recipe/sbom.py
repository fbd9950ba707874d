"""A CycloneDX 1.6 SBOM for a built wheel, made from the build info inside it.

    python -m recipe sbom dist/*.whl [--out DIR]   ->  <wheel name>.cdx.json

It lists the wheel and every third-party source compiled into it (pysam,
htslib, the bundled C libraries) with its version, license, the sha256 of
the exact source archive, where that archive comes from, the patches
applied, the sha256 of the tree as built (unpacked and patched), and where its
license texts sit in the wheel with their sha256. Only the wheel is read, so an SBOM can be made for any of our wheels
anywhere. Deterministic: the serial number derives from the wheel's sha256
and the timestamp is SOURCE_DATE_EPOCH.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import urllib.parse
import uuid
import zipfile
from pathlib import Path

from . import deps, epoch
from .buildinfo import BUILD_INFO
from .digests import sha256_of
from .errors import RecipeError

SPEC = "1.6"


def read_build_info(wheel: Path) -> dict:
    try:
        with zipfile.ZipFile(wheel) as zf:
            return json.loads(zf.read(BUILD_INFO))
    except (OSError, KeyError, zipfile.BadZipFile, ValueError) as e:
        raise RecipeError(f"{wheel}: no readable {BUILD_INFO} (is it a pysam-s3 wheel?): {e}") from None


def read_licenses(wheel: Path) -> tuple[str, dict[str, str]]:
    """The wheel's License-Expression (PEP 639) and the sha256 of each license text in its
    .dist-info/licenses/, by path below that folder (as the build info names them)."""
    with zipfile.ZipFile(wheel) as zf:
        dist_info = next(n.split("/")[0] for n in zf.namelist() if n.split("/")[0].endswith(".dist-info"))
        metadata = zf.read(f"{dist_info}/METADATA").decode()
        expression = next((line.split(":", 1)[1].strip() for line in metadata.splitlines()
                           if line.startswith("License-Expression:")), "")
        prefix = f"{dist_info}/licenses/"
        texts = {n[len(prefix):]: hashlib.sha256(zf.read(n)).hexdigest()
                 for n in zf.namelist() if n.startswith(prefix) and not n.endswith("/")}
    if not expression:
        raise RecipeError(f"{wheel}: its METADATA has no License-Expression")
    return expression, texts


def _purl(pin: dict) -> str:
    if pin["name"] == "pysam":
        return f"pkg:pypi/pysam@{pin['version']}"
    qualifiers = {}
    if "sha256" in pin:
        qualifiers["checksum"] = f"sha256:{pin['sha256']}"
        qualifiers["download_url"] = pin["urls"][0]
    query = urllib.parse.urlencode(sorted(qualifiers.items()), quote_via=urllib.parse.quote)
    return f"pkg:generic/{pin['name']}@{urllib.parse.quote(pin['version'])}" + (f"?{query}" if query else "")


def _component(pin: dict, patches: list[dict], license_texts: dict[str, str], wheel: Path) -> dict:
    component = {
        "type": "library",
        "bom-ref": f"source:{pin['name']}",
        "name": pin["name"],
        "version": pin["version"],
        "purl": _purl(pin),
    }
    if pin.get("license"):
        component["licenses"] = [{"expression": pin["license"]}]
    if "sha256" in pin:
        component["hashes"] = [{"alg": "SHA-256", "content": pin["sha256"]}]
    references = [{"type": "distribution", "url": url} for url in pin.get("urls", [])]
    if pin.get("homepage"):
        references.append({"type": "website", "url": pin["homepage"]})
    if references:
        component["externalReferences"] = references
    properties = [{"name": "pysam-s3:source-file", "value": pin["file"]}] if "file" in pin else []
    if "inside" in pin:  # e.g. htslib: the copy inside the pysam sdist
        properties.append({"name": "pysam-s3:inside", "value": f"{pin['inside']}:{pin['subdir']}/"})
    properties += [{"name": "pysam-s3:patch", "value": f"{p['file']} sha256:{p['sha256']} {p['purpose']}"}
                   for p in patches]
    if "tree_sha256" in pin:
        properties.append({"name": "pysam-s3:tree-sha256", "value": pin["tree_sha256"]
                           + (" (edited by hand before the build)" if pin.get("tree_edited") else "")})
    for text in pin.get("license_files", []):
        if text not in license_texts:
            raise RecipeError(f"{wheel}: the build info names license text {text}, which its "
                              f".dist-info/licenses/ lacks")
        properties.append({"name": "pysam-s3:license-file", "value": f"{text} sha256:{license_texts[text]}"})
    if properties:
        component["properties"] = properties
    if patches:
        component["pedigree"] = {"patches": [
            {"type": "unofficial", "diff": {"url": f"patches/{p['source']}/{p['file']}"}} for p in patches]}
    return component


def make(wheel: Path) -> dict:
    info = read_build_info(wheel)
    expression, license_texts = read_licenses(wheel)
    digest = sha256_of(wheel)
    stamp = datetime.datetime.fromtimestamp(int(epoch.source_date_epoch()), tz=datetime.timezone.utc)
    components = [_component(pin, [p for p in info["patches"] if p["source"] == pin["name"]], license_texts, wheel)
                  for pin in info["pins"]]
    names = {pin["name"] for pin in info["pins"]}
    bundled = [f"source:{n}" for n in deps.ORDER if n in names]
    htslib = f"source:{info['htslib_source']}"  # the lock entry that provided htslib
    compiler = info["compiler"]
    return {
        "bomFormat": "CycloneDX",
        "specVersion": SPEC,
        "serialNumber": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'sha256:' + digest)}",
        "version": 1,
        "metadata": {
            "timestamp": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tools": {"components": [{"type": "application", "name": "pysam-s3 recipe",
                                      "version": f"s3r{info['build_revision']}"}]},
            "component": {
                "type": "library",
                "bom-ref": "wheel",
                "name": "pysam",
                "version": info["version"],
                "purl": f"pkg:pypi/pysam@{urllib.parse.quote(info['version'])}?file_name={wheel.name}",
                "hashes": [{"alg": "SHA-256", "content": digest}],
                "licenses": [{"expression": expression}],
                "properties": [
                    {"name": "pysam-s3:htslib-features", "value": info["htslib_features"]},
                    {"name": "pysam-s3:compiler", "value": f"{compiler['version']} {compiler['cflags']}"},
                    {"name": "pysam-s3:glibc", "value": compiler["glibc"]},
                ],
            },
        },
        "components": components,
        "dependencies": [
            {"ref": "wheel", "dependsOn": ["source:pysam", htslib]},
            {"ref": htslib, "dependsOn": bundled},
        ],
    }


def write(wheel: Path, out_dir: Path | None = None) -> Path:
    out = (out_dir or wheel.parent) / f"{wheel.name}.cdx.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(make(wheel), indent=2, sort_keys=True) + "\n")
    return out
