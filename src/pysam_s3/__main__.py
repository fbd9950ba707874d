"""python -m pysam_s3 [--version | --json]: report what this pysam wheel is made of.
python -m pysam_s3 doctor [--json] s3://bucket/key ...: how htslib reaches each object, and what is wrong."""

from __future__ import annotations

import argparse
import json
import os
import sys

from . import build_info, buildinfo, credentials, doctor, htslib_runtime


def report() -> dict:
    import pysam

    info = build_info()
    return {
        "version": info["version"],
        "pysam": {"version": pysam.__version__, "location": pysam.__file__},
        "htslib": htslib_runtime(),
        "s3": {"credential_chain": credentials.chain_description()},
        "bundled": buildinfo.bundled_libraries(),
        "build": info,
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["doctor"]:
        parser = argparse.ArgumentParser(prog="python -m pysam_s3 doctor", description=doctor.__doc__,
                                         formatter_class=argparse.RawDescriptionHelpFormatter)
        parser.add_argument("urls", nargs="+", metavar="URL", help="s3://bucket/key (s3+http://, s3+https://)")
        parser.add_argument("--json", action="store_true", help="one JSON report per URL, for scripts")
        args = parser.parse_args(argv[1:])
        import pysam  # noqa: F401  (registers the credential chain, as a program using pysam has it)
        return doctor.main(args.urls, args.json)
    parser = argparse.ArgumentParser(prog="python -m pysam_s3", description=__doc__)
    parser.add_argument("--version", action="store_true", help="print the wheel's version line and exit")
    parser.add_argument("--json", action="store_true", help="print the whole report as JSON")
    args = parser.parse_args(argv)
    data = report()
    if args.json:
        json.dump(data, sys.stdout, indent=2, sort_keys=True)
        print()
        return 0
    b, h = data["build"], data["htslib"]
    print(f"pysam {data['version']} (pysam-s3 build revision {b['build_revision']}, {b['python_tag']})")
    print(f"htslib {h['version']}: {h['features']}")
    print(f"S3 credentials: {data['s3']['credential_chain']}")
    if args.version:
        return 0
    print(f"htslib library: {h['library']}")
    print(f"htslib source: {b['htslib_source']}; configure: {' '.join(b['htslib_configure_options'])}")
    c = b["compiler"]
    print(f"compiler: {c['version']}, targeting glibc {c['glibc']}")
    print(f"  CFLAGS {c['cflags']} (dependencies also {c['dependency_cflags']}; "
          f"pysam's extensions also {c['extension_cflags']})")
    tools = b.get("build_tools", {})
    if tools:
        print(f"build tools ({tools['lock']}): "
              + ", ".join(f"{name} {version}" for name, version in sorted(tools["installed"].items())))
    print("bundled libraries (version, license, license texts):")
    installed = [p for lib in data["bundled"] for p in lib["license_files"].values() if p != "missing"]
    base = os.path.commonpath(installed) if installed else ""
    for lib in data["bundled"]:
        texts = [os.path.relpath(p, base) if p != "missing" else f"{f} (missing)"
                 for f, p in lib["license_files"].items()]
        print(f"  {lib['name']:<16} {lib['version']:<10} {lib['license']:<22} {', '.join(texts)}")
    if base:
        print(f"  license texts in {base}")
    print("pins:")
    for pin in b["pins"]:
        where = f"sha256 {pin['sha256']}" if "sha256" in pin else f"inside {pin['inside']}/{pin['subdir']}"
        print(f"  {pin['name']:<16} {pin['version']:<10} {where}")
        print(f"  {'':<16} {'':<10} tree sha256 {pin.get('tree_sha256', '-')}"
              + (" (edited by hand before the build)" if pin.get("tree_edited") else ""))
    print("patches:")
    for p in b["patches"] or []:
        print(f"  {p['source']}/{p['file']}: {p['purpose']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
