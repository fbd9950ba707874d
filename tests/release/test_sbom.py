"""The SBOM of our wheel is valid CycloneDX 1.6 and names every bundled C
library with the version and the sha256 of the archive it was built from."""

from __future__ import annotations

import json

import pytest

from recipe import lock, process, sbom, testenv

from .conftest import tool

pytestmark = [pytest.mark.ours, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def wheel():
    return testenv.our_wheel(process.python_tag())


@pytest.fixture(scope="module")
def document(wheel, tmp_path_factory):
    return json.loads(sbom.write(wheel, tmp_path_factory.mktemp("sbom")).read_text())


def test_valid_cyclonedx_1_6(document):
    tool("check-jsonschema")  # the same Python floor as the rest of the release tooling
    from cyclonedx.schema import OutputFormat, SchemaVersion
    from cyclonedx.validation import make_schemabased_validator

    validator = make_schemabased_validator(OutputFormat.JSON, SchemaVersion.V1_6)
    errors = validator.validate_str(json.dumps(document))
    assert errors is None, errors


def test_lists_every_bundled_library_with_version_and_hash(document):
    lk = lock.load()
    components = {c["name"]: c for c in document["components"]}
    for name in ("pysam", "zlib", "bzip2", "xz", "libdeflate", "openssl", "curl"):
        c = components[name]
        assert c["version"] == lk[name].version
        assert c["hashes"] == [{"alg": "SHA-256", "content": lk[name].sha256}]
        assert c["licenses"] == [{"expression": lk[name].license}]
        assert any(r["type"] == "distribution" for r in c["externalReferences"])
    htslib = components["htslib"]
    assert htslib["version"] == "1.24"
    assert [p["diff"]["url"] for p in htslib["pedigree"]["patches"]][0].startswith("patches/htslib/0001-")
    deps = {d["ref"]: d["dependsOn"] for d in document["dependencies"]}
    assert set(deps["source:htslib"]) == {f"source:{n}" for n in ("zlib", "bzip2", "xz", "libdeflate", "openssl", "curl")}


def test_carries_license_texts_and_tree_hashes(document, wheel):
    """Each bundled library names its license texts in the wheel, with the sha256 of
    the bytes there, and the sha256 of its unpacked-and-patched tree."""
    import hashlib
    import zipfile

    lk = lock.load()
    components = {c["name"]: c for c in document["components"]}
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        for name in ("pysam", "htslib", "zlib", "bzip2", "xz", "libdeflate", "openssl", "curl"):
            props = components[name]["properties"]
            texts = [p["value"] for p in props if p["name"] == "pysam-s3:license-file"]
            assert [t.split(" ")[0] for t in texts] == [f"licenses/{name}/{f}" for f in lk[name].license_files]
            for t in texts:
                path, digest = t.split(" ")
                member = next(n for n in names if n.endswith(f".dist-info/licenses/{path}"))
                assert digest == "sha256:" + hashlib.sha256(zf.read(member)).hexdigest()
            trees = [p["value"] for p in props if p["name"] == "pysam-s3:tree-sha256"]
            assert len(trees) == 1 and len(trees[0]) == 64, trees
    expression = document["metadata"]["component"]["licenses"][0]["expression"]
    assert expression.split(" AND ")[:2] == ["MIT", "BSD-3-Clause"] and "Apache-2.0" in expression


def test_describes_this_very_wheel(document, wheel):
    import hashlib
    meta = document["metadata"]["component"]
    assert meta["hashes"][0]["content"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert meta["version"] in wheel.name and wheel.name in meta["purl"]
    assert "libcurl=yes S3=yes GCS=yes libdeflate=yes" in json.dumps(meta["properties"])


def test_deterministic(wheel, document, tmp_path):
    """Another process, another hash seed: the same bytes; the serial number and the time
    derive from the wheel and SOURCE_DATE_EPOCH, nothing random."""
    import hashlib
    import os
    import subprocess
    import sys
    import uuid

    from tests.conftest import ROOT

    first, second = tmp_path / "a", tmp_path / "b"
    for out, seed in ((first, "1"), (second, "2")):
        subprocess.run([sys.executable, "-m", "recipe", "sbom", str(wheel), "--out", str(out)], check=True,
                       cwd=ROOT, env=dict(os.environ, PYTHONHASHSEED=seed, SOURCE_DATE_EPOCH="1700000000"),
                       capture_output=True, timeout=60)
    [a], [b] = first.glob("*.cdx.json"), second.glob("*.cdx.json")
    assert a.read_bytes() == b.read_bytes()
    made = json.loads(a.read_text())
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert made["serialNumber"] == f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'sha256:' + digest)}"
    assert made["metadata"]["timestamp"] == "2023-11-14T22:13:20Z"
    assert made["components"] == document["components"]
