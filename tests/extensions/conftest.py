"""Extensions built on pysam, as its users build them: pysam's documented
recipe and pysam's own linker tests and Cython examples (its git tree has
them, its sdist does not), written here to the same effect in projects/.
Each is built with Cython and setuptools in a fresh venv beside one pysam
wheel, compiled by this machine's C compiler (CPython's sysconfig CC: gcc on
Debian), once with our wheel (dist/) and once with PyPI's stock pysam, side
by side: ours must pass whatever stock passes.

The venvs get Cython and setuptools from the build toolchain's verified files
(build/downloads/build-tools, requirements/build.lock), offline; stock pysam's
wheel is downloaded once into build/stock-wheels (recipe/testenv.py).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from recipe import lock, paths, process, testenv
from testkit.isolation import isolated_env
from tests import data

FLAVOURS = ("ours", "stock")
PROJECTS = Path(__file__).resolve().parent / "projects"
# a Cython module against pysam's headers: cythonize and gcc take some seconds each
BUILD_TIMEOUT = 240
RUN_TIMEOUT = 60


@dataclasses.dataclass(frozen=True)
class Venv:
    flavour: str
    root: Path
    home: Path  # a fresh HOME for whatever runs in it

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    def env(self, **extra: str) -> dict[str, str]:
        return {**isolated_env(self.home), **extra}

    def run(self, args: list[str | os.PathLike], cwd: Path, timeout: float = RUN_TIMEOUT,
            **extra_env: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.python), *map(str, args)], cwd=cwd, env=self.env(**extra_env),
                              capture_output=True, text=True, timeout=timeout)

    def check(self, args: list[str | os.PathLike], cwd: Path, timeout: float = RUN_TIMEOUT, **extra_env: str) -> str:
        done = self.run(args, cwd, timeout, **extra_env)
        assert done.returncode == 0, (f"{self.flavour}: `python {' '.join(map(str, args))}` in {cwd} exited "
                                      f"{done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
        return done.stdout

    def json(self, code: str, cwd: Path) -> object:
        return json.loads(self.check(["-c", code], cwd))

    def install(self, *args: str | os.PathLike) -> None:
        """pip install, offline: the build toolchain's verified files and the wheels named."""
        self.check(["-m", "pip", "install", "--disable-pip-version-check", "--no-index", "--find-links",
                    paths.BUILD_TOOLS, *args], self.root, timeout=BUILD_TIMEOUT)

    def pysam_dir(self) -> Path:
        return Path(self.json("import json, os, pysam; print(json.dumps(os.path.dirname(pysam.__file__)))",
                              self.root))


def wheel(flavour: str) -> Path:
    tag = process.python_tag(sys.executable)
    return testenv.our_wheel(tag) if flavour == "ours" else testenv.stock_wheel(sys.executable,
                                                                               lock.load()["pysam"].version)


def make_venv(where: Path, flavour: str) -> Venv:
    """A fresh venv with one pysam (`flavour`), Cython and setuptools."""
    (where / "home").mkdir(parents=True)
    subprocess.run([sys.executable, "-m", "venv", str(where / "venv")], check=True, timeout=120)
    venv = Venv(flavour, where / "venv", where / "home")
    venv.install(wheel(flavour), "cython", "setuptools")
    return venv


@pytest.fixture(scope="session")
def venvs(tmp_path_factory) -> dict[str, Venv]:
    """One venv per flavour, shared by the tests that only build into folders of their own.
    Set up before the tests' isolation, so pip reaches PyPI for stock pysam with the
    machine's own network settings."""
    return {flavour: make_venv(tmp_path_factory.mktemp(f"venv-{flavour}"), flavour) for flavour in FLAVOURS}


@pytest.fixture(scope="session")
def files(tmp_path_factory) -> dict[str, Path]:
    """A BAM (+.bai) and a tabix-indexed BED, written by the pysam under test."""
    folder = tmp_path_factory.mktemp("files")
    return {"bam": data.alignments(folder / "reads.bam", 1_000, fasta=data.reference(folder / "ref.fa")),
            "bed": data.bed(folder / "regions.bed.gz", 200)}


def copy_project(name: str, dest: Path) -> Path:
    shutil.copytree(PROJECTS / name, dest / name)
    return dest / name


# What stock's libchtslib exports and ours does not: pysam's dlopen shim for libcurl and
# libcrypto (we link them), and what GNU ld defines in every output (lld does not export it).
STOCK_ONLY = {"dynamic_crypto_cleanup", "dynamic_crypto_init", "dynamic_curl_global_cleanup",
              "dynamic_curl_global_init", "dynamic_set_libcrypto_soname", "dynamic_set_libcurl_soname",
              "libcrypto_table", "libcurl_table", "__bss_start", "_edata", "_end"}


def exported(venv: Venv) -> set[str]:
    """The symbols the venv's libchtslib defines in its dynamic symbol table."""
    chtslib = next(venv.pysam_dir().glob("libchtslib.*.so"))
    out = subprocess.run(["nm", "-D", "--defined-only", str(chtslib)], capture_output=True, text=True,
                         check=True, timeout=30).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}
