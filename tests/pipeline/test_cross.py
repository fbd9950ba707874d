"""Cross builds (arch = "aarch64" on x86_64): the option, the toolchain they
select, what they ask of the machine, and the checks on the wheel they give.
The aarch64 wheel itself is built and tested by `make wheel/test ARCH=aarch64`
(docs/building.md)."""

from __future__ import annotations

import platform
import sys
from pathlib import Path

import pytest

from recipe import cross, options, repair, toolchain, wheelnames
from recipe.errors import RecipeError
from recipe.target import Target, host_libc

OTHER = "aarch64" if platform.machine() == "x86_64" else "x86_64"


@pytest.mark.unit
def test_arch_is_an_option_with_known_values():
    assert options.parse_config_settings({"pysam-s3.arch": "aarch64"}) == {"arch": "aarch64"}
    assert options.load(overrides={"arch": "aarch64"}).target == Target("aarch64", host_libc())
    with pytest.raises(RecipeError, match="arch must be auto, x86_64 or aarch64, got 'sparc'"):
        options.load(overrides={"arch": "sparc"})
    with pytest.raises(RecipeError, match="arch must be auto, x86_64 or aarch64, got 'sparc'"):
        options.parse_config_settings({"pysam-s3.arch": "sparc"})


@pytest.mark.unit
def test_the_target_answers_what_a_cross_build_is():
    here = Target.host()
    assert Target.of("auto", "auto") == here and not here.cross and not here.other_machine
    other = Target.of(OTHER, "auto")
    assert other.cross and other.other_machine
    assert (other.triple, other.sysconfig_platform) == (f"{OTHER}-linux-gnu", f"linux-{OTHER}")
    musl = Target.of("auto", "musl")
    assert musl.cross and not musl.other_machine and musl.triple == f"{here.arch}-linux-musl"
    assert cross.strip(here) == "strip" and cross.interpreter(musl, sys.executable) == sys.executable


@pytest.mark.unit
def test_a_cross_build_needs_zig():
    with pytest.raises(RecipeError, match=f"arch = '{OTHER}', libc = 'glibc' .* is a cross build, which needs zig"):
        toolchain.select(options.load(overrides={"arch": OTHER, "compiler": "cc"}))


@pytest.mark.timeout(120)
def test_the_zig_toolchain_targets_the_other_machine(tmp_path):
    zig = toolchain.zig("2.28", home=tmp_path, target=Target(OTHER, "glibc"))
    assert zig.name == f"zig-{OTHER}-linux-gnu.2.28"
    assert zig.target.cross and zig.host_args == (f"--host={OTHER}-linux-gnu",)
    assert f"-target {OTHER}-linux-gnu.2.28 " in Path(zig.cc).read_text()
    native = toolchain.zig("2.28", home=tmp_path)
    assert not native.target.cross and native.host_args == ()


@pytest.mark.unit
def test_the_machine_comes_from_the_platform_tag():
    assert wheelnames.machine(Path("pysam-0.24.1+htslib1.24.s3r3-cp311-cp311-linux_x86_64.whl")) == "x86_64"
    assert wheelnames.machine(Path("pysam-0.24.1-cp311-cp311-manylinux_2_26_x86_64.whl")) == "x86_64"
    assert wheelnames.machine(Path("pysam-0.24.1-cp311-cp311-manylinux_2_28_aarch64.whl")) == "aarch64"
    assert wheelnames.machine(Path("pysam-0.24.1-cp311-cp311-musllinux_1_2_aarch64.whl")) == "aarch64"
    with pytest.raises(RecipeError, match="no Linux platform tag"):
        wheelnames.machine(Path("pysam-0.24.1-cp311-cp311-macosx_11_0_arm64.whl"))


@pytest.mark.unit
def test_a_wheel_tagged_for_a_newer_glibc_than_promised_is_refused():
    repair.check_tag(Path("p-1-cp311-cp311-manylinux_2_26_x86_64.whl"), "glibc", "2.28")
    repair.check_tag(Path("p-1-cp311-cp311-manylinux_2_28_aarch64.whl"), "glibc", "2.28")
    with pytest.raises(RecipeError, match=r"needs glibc 2\.34, newer than the 2\.28 that \[tool.pysam-s3\] glibc"):
        repair.check_tag(Path("p-1-cp311-cp311-manylinux_2_34_aarch64.whl"), "glibc", "2.28")
    with pytest.raises(RecipeError, match="no manylinux_X_Y tag"):
        repair.check_tag(Path("p-1-cp311-cp311-linux_aarch64.whl"), "glibc", "2.28")


@pytest.mark.unit
def test_a_musl_wheel_must_be_tagged_musllinux():
    repair.check_tag(Path("p-1-cp311-cp311-musllinux_1_2_x86_64.whl"), "musl", "2.28")
    with pytest.raises(RecipeError, match="the musl wheel p-1-cp311-cp311-manylinux_2_28_x86_64.whl no musllinux"):
        repair.check_tag(Path("p-1-cp311-cp311-manylinux_2_28_x86_64.whl"), "musl", "2.28")


@pytest.mark.unit
def test_a_missing_target_python_configuration_names_the_package(tmp_path):
    """No Debian architecture ships riscv64 CPython 3.11 headers on this machine."""
    folder = tmp_path / "sysconfig"
    with pytest.raises(RecipeError) as raised:
        cross.python_env(sys.executable, Target("riscv64", "glibc"), folder)
    version = "%d.%d" % sys.version_info[:2]
    assert f"install libpython{version}-dev:riscv64" in str(raised.value)
    assert "make wheel ARCH=riscv64" in str(raised.value)
    assert not folder.exists()


@pytest.mark.unit
def test_the_target_python_configuration_is_copied_alone(tmp_path):
    version = "%d.%d" % sys.version_info[:2]
    source = Path(f"/usr/lib/python{version}/_sysconfigdata__{OTHER}-linux-gnu.py")
    if not source.exists():
        pytest.skip(f"no Debian CPython {version} configuration for {OTHER} here (requirements/apt-{OTHER}.txt)")
    folder = tmp_path / "sysconfig"
    env = cross.python_env(sys.executable, Target(OTHER, "glibc"), folder)
    assert env == {"_PYTHON_SYSCONFIGDATA_NAME": f"_sysconfigdata__{OTHER}-linux-gnu",
                   "PYTHONPATH": str(folder), "_PYTHON_HOST_PLATFORM": f"linux-{OTHER}",
                   "CPPFLAGS": f"-I{folder}/include"}
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) == [
        source.name, f"include/{OTHER}-linux-gnu/python{version}/pyconfig.h"]


@pytest.mark.unit
def test_libc_is_an_option_with_known_values():
    assert options.parse_config_settings({"pysam-s3.libc": "musl"}) == {"libc": "musl"}
    with pytest.raises(RecipeError, match="libc must be auto, glibc or musl, got 'uclibc'"):
        options.load(overrides={"libc": "uclibc"})


@pytest.mark.timeout(120)
def test_a_musl_toolchain_is_a_cross_build_on_glibc(tmp_path):
    musl = toolchain.zig("2.28", home=tmp_path, target=Target.of("auto", "musl"))
    assert musl.name == f"zig-{platform.machine()}-linux-musl"
    assert musl.glibc is None and musl.target.libc == "musl"
    assert musl.target.cross and musl.host_args == (f"--host={platform.machine()}-linux-musl",)
    assert musl.describe()["glibc"] == "none (musl)"
    assert f"-target {platform.machine()}-linux-musl " in Path(musl.cc).read_text()


@pytest.mark.timeout(120)
def test_pysam_for_musl_is_refused_on_glibc(tmp_path):
    """A musl CPython is needed for pysam's extensions: stop before building anything."""
    from recipe import lock, pysam_build
    musl = toolchain.zig("2.28", home=tmp_path, target=Target.of("auto", "musl"))
    with pytest.raises(RecipeError, match="pysam's extensions for musl need a musl CPython"):
        pysam_build.build(lock.load(), None, musl, sys.executable)


@pytest.mark.unit
def test_a_missing_loader_names_the_package(monkeypatch):
    here, debian = platform.machine(), cross.DEBIAN_ARCH
    monkeypatch.setitem(cross.LOADERS, (here, "musl"), (f"/nonexistent/ld-musl-{here}.so.1", "musl"))
    monkeypatch.setitem(cross.LOADERS, (OTHER, "glibc"), ("/nonexistent/ld-linux.so", "libc6"))
    with pytest.raises(RecipeError, match=rf"a musl build needs .*/nonexistent/ld-musl-{here}.so.1.*install "
                                          rf"musl:{debian[here]} \(`make test` installs it on Debian/Ubuntu: "
                                          r"requirements/apt-musl.txt\)"):
        cross.runner(Target(here, "musl"))
    with pytest.raises(RecipeError, match=rf"install libc6:{debian[OTHER]} \(`make wheel ARCH={OTHER}`"):
        cross.runner(Target(OTHER, "glibc"))


@pytest.mark.unit
def test_wheels_are_found_by_their_parsed_names(tmp_path):
    names = ["pysam-0.24.1+htslib1.24.s3r4-cp311-cp311-manylinux_2_26_x86_64.whl",
             "pysam-0.24.1+htslib1.24.s3r4-cp312-cp312-manylinux_2_26_x86_64.whl",
             "pysam-0.24.1+htslib1.24.s3r4-cp311-cp311-manylinux_2_28_aarch64.whl",
             "pysam-0.24.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
             "pysam_s3_tools-1-cp311-cp311-manylinux_2_26_x86_64.whl", "notes.whl"]
    for name in names:
        (tmp_path / name).touch()
    found = [w.name for w in wheelnames.find(tmp_path, "pysam", "cp311", "x86_64")]
    assert found == [names[0], names[3]]
    assert [w.name for w in wheelnames.find(tmp_path, "pysam", "cp311", version="0.24.1")] == [names[3]]
    assert wheelnames.interpreter(tmp_path / names[1]) == "cp312"
    assert wheelnames.platforms(tmp_path / names[3], "manylinux") == [(2, 17)]
