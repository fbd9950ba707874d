"""python -m downstream [--python PY] [--only NAME ...] [--git-mirror TEMPLATE]:
each package of downstream/corpus.toml built from its pinned sdist beside our
wheel (dist/) and beside stock pysam, its own tests run with each, and the
table of per-test outcomes written to build/downstream/table.md."""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
from pathlib import Path

from recipe import lock as lock_mod, paths, process, steps, testenv, venvs
from recipe.errors import RecipeError
from testkit import compare
from testkit.isolation import loopback_only

from . import corpus, sources

FLAVOURS = ("ours", "stock")
LOCK = paths.REQUIREMENTS / "downstream.lock"
OUT = paths.BUILD / "downstream"
INSTALL_TIMEOUT = 1800
TEST_TIMEOUT = 3600

IDENTITY = ("import hashlib, importlib.util, json, pathlib, pysam; from importlib import metadata; "
            "chtslib = next(pathlib.Path(pysam.__file__).parent.glob('libchtslib.*.so')); "
            "print(json.dumps({'pysam': metadata.version('pysam'), 'file': pysam.__file__, "
            "'pysam_s3': importlib.util.find_spec('pysam_s3') is not None, "
            "'libchtslib': hashlib.sha256(chtslib.read_bytes()).hexdigest()}))")


def pysam_wheel(python: str, flavour: str) -> Path:
    if flavour == "ours":
        return testenv.our_wheel(process.python_tag(python))
    return testenv.stock_wheel(python, lock_mod.load()["pysam"].version)


def make_venv(python: str, flavour: str, sdists: dict[str, Path]) -> Path:
    """A fresh venv: the lock by hash, the pysam wheel, then each sdist built against that
    pysam with --no-deps (so none can replace it; checked)."""
    venv = OUT / "venvs" / flavour
    log = steps.new_log(f"downstream-{flavour}")
    wheel = pysam_wheel(python, flavour)
    with steps.step(f"the {flavour} venv {venv.relative_to(paths.ROOT)}: {wheel.name}, "
                    f"{', '.join(p.name for p in sdists.values())} (log: {log})"):
        exe = venvs.fresh(python, venv, log)
        pip = [exe, "-m", "pip", "install", "--disable-pip-version-check"]
        process.run([*pip, "--require-hashes", "-r", LOCK], log=log, what=f"installing {LOCK.name}",
                    timeout=INSTALL_TIMEOUT)
        process.run([*pip, "--no-deps", wheel], log=log, what=f"installing {wheel.name}", timeout=INSTALL_TIMEOUT)
        before = json.loads(process.output([exe, "-c", IDENTITY], cwd=OUT, timeout=120))
        if before["pysam_s3"] != (flavour == "ours"):
            raise RecipeError(f"{venv}: {wheel.name} gave a pysam {'without' if flavour == 'ours' else 'with'} "
                              "pysam_s3")
        for name, sdist in sdists.items():
            process.run([*pip, "--no-deps", "--no-build-isolation", sdist], log=log,
                        what=f"building and installing {sdist.name}", timeout=INSTALL_TIMEOUT)
        after = json.loads(process.output([exe, "-c", IDENTITY], cwd=OUT, timeout=120))
        if after != before:
            raise RecipeError(f"{venv}: installing the corpus changed pysam: {before} -> {after}")
    return exe


def run_tests(exe: Path, package: corpus.Package, tree: Path, flavour: str) -> Path:
    """The package's tests in a fresh copy of its test tree, in the same folder for both
    pysams (some tests name it in their ids); returns the JUnit XML."""
    work, home = OUT / "run" / package.name, OUT / "run" / f"{package.name}-home"
    for folder in (work, home):
        shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(tree, work, symlinks=True)
    # pytest's defaults, not the configuration of this project, in which the folder lies
    (work / "pytest.ini").write_text("[pytest]\n")
    home.mkdir()
    report, log = OUT / f"{package.name}-{flavour}.xml", steps.new_log(f"downstream-{package.name}-{flavour}")
    env = loopback_only(process.clean_env({"PATH": f"{exe.parent}:/usr/bin:/bin"}), home)
    # a module that fails to import is one error in the table, not the end of the run
    argv = [str(exe), "-m", "pytest", "-p", "no:cacheprovider", "--continue-on-collection-errors",
            f"--junitxml={report}", *package.tests.pytest]
    with steps.step(f"{package.name} {package.sdist.version}'s tests with {flavour} pysam (log: {log})"):
        with open(log, "w") as out:
            try:
                subprocess.run(argv, cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, timeout=TEST_TIMEOUT)
            except subprocess.TimeoutExpired:
                raise RecipeError(f"{package.name}'s tests with {flavour} pysam still ran after "
                                  f"{TEST_TIMEOUT} s: killed (log: {log})") from None
        if not report.exists():
            raise RecipeError(f"{package.name}'s tests with {flavour} pysam wrote no report (log: {log})")
    return report


def package_section(package: corpus.Package, sdist: Path, missing: list[str], reports: dict[str, Path]) -> str:
    (ours, _), (stock, _) = compare.load(str(reports["ours"])), compare.load(str(reports["stock"]))
    tests = package.tests
    lines = [f"## {package.name} {package.sdist.version}", "",
             f"sdist `{sdist.name}` (sha256 `{package.sdist.sha256[:16]}...`); tests and data from "
             f"{tests.repository} `{tests.tag}` (`{tests.commit[:12]}`): {', '.join(tests.take)}; "
             f"`pytest {' '.join(tests.pytest)}`.", ""]
    lines += [f"Left out: {reason}" for reason in tests.left_out]
    if missing:
        lines += [f"**Not obtainable from the git source used ({len(missing)} files; the tests that read them "
                  f"fail alike with both pysams):** {', '.join(f'`{m}`' for m in missing)}", ""]
    # a test id may name the folder it ran in (UMI-tools' do): the same for both, not this machine's
    ours, stock = ({k.replace(str(OUT / "run"), "<run>"): v for k, v in o.items()} for o in (ours, stock))
    return "\n".join(lines) + "\n" + compare.table(ours, stock, set()) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m downstream", description=__doc__)
    parser.add_argument("--python", default=sys.executable, help="the CPython the venvs are made of (3.11+)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these packages of the corpus only")
    parser.add_argument("--git-mirror", metavar="TEMPLATE",
                        help="a local copy of each package's repository, e.g. /srv/git/{owner}/{name}.git, "
                             "tried before the repository itself")
    args = parser.parse_args(argv)
    try:
        packages = [p for p in corpus.load() if not args.only or p.name in args.only]
        unknown = set(args.only or ()) - {p.name for p in packages}
        if unknown:
            raise RecipeError(f"not in downstream/corpus.toml: {', '.join(sorted(unknown))}")
        OUT.mkdir(parents=True, exist_ok=True)
        sdists = {p.name: sources.sdist(p) for p in packages}
        trees, missing = {}, {}
        for p in packages:
            trees[p.name] = OUT / "tests" / p.name
            shutil.rmtree(trees[p.name], ignore_errors=True)
            missing[p.name] = sources.test_tree(p, sources.git_source(p, OUT, args.git_mirror), trees[p.name])
            if missing[p.name]:
                steps.say(f"    WARNING: {len(missing[p.name])} files of {p.name}'s tests are not in the git "
                          f"source: {', '.join(missing[p.name])}")
        reports = {p.name: {} for p in packages}
        for flavour in FLAVOURS:
            exe = make_venv(args.python, flavour, sdists)
            for p in packages:
                reports[p.name][flavour] = run_tests(exe, p, trees[p.name], flavour)
        head = (f"# The downstream corpus: ours and stock pysam\n\n`make downstream` on {platform.machine()}, "
                f"CPython {process.output([args.python, '-c', 'import platform; print(platform.python_version())']).strip()}"
                f": {pysam_wheel(args.python, 'ours').name} against {pysam_wheel(args.python, 'stock').name}.\n\n")
        table = OUT / "table.md"
        table.write_text(head + "\n".join(package_section(p, sdists[p.name], missing[p.name], reports[p.name])
                                          for p in packages))
    except RecipeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    steps.say(f"==> per-test outcomes, ours and stock: {table.relative_to(paths.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
