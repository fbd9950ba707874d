"""python -m recipe COMMAND: the steps of the pysam-s3 build, one at a time or all at once."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from .errors import RecipeError


CONFIG_SETTING_HELP = ("an option for this build, as a PEP 517 build takes it (repeatable), e.g. "
                       "-C pysam-s3.arch=aarch64")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m recipe", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("fetch", help="download, verify and unpack+patch sources (default: all in use)")
    p.add_argument("names", nargs="*")
    p = sub.add_parser("native", help="fetch, build htslib into build/native/, run the feature gate")
    p.add_argument("-C", dest="config_settings", action="append", default=[], metavar="pysam-s3.KEY=VALUE",
                   help=CONFIG_SETTING_HELP + " (make test's musl gate: -C pysam-s3.libc=musl)")
    p.add_argument("--build-env", action="store_true",
                   help="run in the hashed build environment (requirements/build.lock), as the PEP 517 build does")
    p = sub.add_parser("stage", help="build pysam for one interpreter and stage the wheel's contents")
    p.add_argument("--python", required=True)
    p.add_argument("--dest", required=True, type=Path)
    p.add_argument("--downloads", type=Path,
                   help="a folder holding pinned source archives (offline builds); verified like any download")
    p.add_argument("--options", default="{}",
                   help="the build's -C pysam-s3.* overrides as JSON (recipe/backend.py hands them on through CMake)")
    p = sub.add_parser("wheel", help="everything: build, pack, repair into dist/, verify")
    p.add_argument("--python", action="append", default=[],
                   help="interpreter(s) to build for (repeatable; default: this one)")
    p.add_argument("-C", dest="config_settings", action="append", default=[], metavar="pysam-s3.KEY=VALUE",
                   help=CONFIG_SETTING_HELP + " (another machine than this one: a cross build)")
    p = sub.add_parser("licenses", help="check the committed license texts (licenses/) against the pinned trees")
    p.add_argument("--update", action="store_true", help="copy the pinned trees' texts into licenses/ instead")
    p = sub.add_parser("check-pins", help="each pin beside the newest its routes offer and Debian's security "
                                          "suites; fails when a bundled library is behind a security release")
    p.add_argument("--lock", type=Path, help="another lock file (default: sources.lock.toml)")
    p.add_argument("--debian-mirror", help="Debian's archive (default: deb.debian.org/debian)")
    p.add_argument("--security-mirror", help="Debian's security archive (default: deb.debian.org/debian-security)")
    p = sub.add_parser("version", help="print the wheel version the current pins give")
    p = sub.add_parser("options", help="print the options as resolved (defaults, [tool.pysam-s3], -C)")
    p.add_argument("-C", dest="config_settings", action="append", default=[], metavar="pysam-s3.KEY=VALUE",
                   help=CONFIG_SETTING_HELP)
    p.add_argument("--markdown", action="store_true", help="the options table of docs/building.md instead")
    p = sub.add_parser("sbom", help="write a CycloneDX SBOM next to each wheel (<wheel>.cdx.json)")
    p.add_argument("wheels", nargs="+", type=Path)
    p.add_argument("--out", type=Path, help="folder for the SBOMs (default: next to each wheel)")
    p = sub.add_parser("sdist", help="build the project's sdist into dist/, check it, build a wheel from it offline")
    p.add_argument("--no-offline-build", action="store_true", help="skip the offline build from the sdist")
    p = sub.add_parser("reproducible",
                       help="build the wheel twice from clean clones of HEAD and compare them byte for byte")
    p = sub.add_parser("test", help="run pytest in a fresh venv holding the wheel (or stock pysam)")
    p.add_argument("--python", action="append", default=[], help="interpreter(s) (repeatable)")
    p.add_argument("--pysam", choices=["ours", "stock"], default="ours")
    p.add_argument("--arch", help="another machine's wheel, tested under qemu (make test ARCH=aarch64)")
    p.add_argument("pytest_args", nargs=argparse.REMAINDER, help="after --: passed to pytest")

    args = parser.parse_args(argv)
    try:
        if args.command == "fetch":
            from . import buildinfo, buildlock, fetch, lock, options
            lk, opts = lock.load(), options.load()
            with buildlock.exclusive():
                for name in args.names or buildinfo.sources_used(lk, opts):
                    fetch.prepare(lk, name)
        elif args.command == "native":
            from . import options, paths, process, stage, venvs
            opts = options.load(overrides=options.parse_command_line(args.config_settings))
            if args.build_env:
                build_python = venvs.build_env(sys.executable)
                settings = [arg for setting in args.config_settings for arg in ("-C", setting)]
                return subprocess.run([build_python, "-m", "recipe", "native", *settings],
                                      cwd=paths.ROOT, env=process.clean_env()).returncode
            stage.native(opts)
        elif args.command == "stage":
            import json

            from . import fetch, lock, options, stage
            opts = options.load(overrides=json.loads(args.options))
            if args.downloads:
                fetch.seed_downloads(lock.load(), args.downloads.resolve())
            stage.stage(args.dest, args.python, opts)
        elif args.command == "wheel":
            from . import interpreters, options, wheel
            settings = options.command_line_settings(args.config_settings)
            options.parse_config_settings(settings)  # checked before any interpreter is resolved
            for python in interpreters.resolve(args.python) if args.python else [sys.executable]:
                wheel.build(python, settings)
        elif args.command == "licenses":
            from . import buildinfo, buildlock, fetch, licenses, lock, options
            lk, opts = lock.load(), options.load()
            names = buildinfo.sources_used(lk, opts)
            with buildlock.exclusive():
                for name in names:
                    fetch.prepare(lk, name)
            if args.update:
                print("\n".join(licenses.update(lk, names)))
            else:
                licenses.check(lk, names)
                print(f"the license texts of {', '.join(names)} match their pinned trees")
        elif args.command == "check-pins":
            from . import freshness, lock
            archive = freshness.Archive(mirror=args.debian_mirror or lock.DEBIAN_MIRROR,
                                        security_mirror=args.security_mirror or lock.DEBIAN_SECURITY_MIRROR)
            return freshness.main(lock.load(args.lock) if args.lock else lock.load(), archive)
        elif args.command == "version":
            from . import buildinfo, lock, options
            print(buildinfo.wheel_version(lock.load(), options.load()))
        elif args.command == "options":
            from . import options
            if args.markdown:
                print(options.markdown_table())
            else:
                print(options.load(overrides=options.parse_command_line(args.config_settings)).summary())
        elif args.command == "sbom":
            from . import sbom
            for wheel in args.wheels:
                print(sbom.write(wheel, args.out))
        elif args.command == "sdist":
            from . import sdist
            built = sdist.build()
            if not args.no_offline_build:
                sdist.build_offline(built)
        elif args.command == "reproducible":
            from . import reproducible
            return reproducible.check()
        elif args.command == "test":
            from . import interpreters, lock, testenv
            extra = args.pytest_args[1:] if args.pytest_args[:1] == ["--"] else args.pytest_args
            worst = 0
            for python in interpreters.resolve(args.python) if args.python else [sys.executable]:
                worst = max(worst, testenv.run_pytest(python, args.pysam, lock.load(), extra, args.arch))
            return worst
    except RecipeError as e:
        print(f"\nerror: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
