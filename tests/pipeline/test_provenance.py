"""Provenance: what the build info records is what was built. Patch state follows
the patch files a series resolves to, a hand edit under vendor/*/src shows in
the tree hash, and the license texts shipped are the pinned sources' own."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from recipe import fetch

from .conftest import recipe


def tree_state(project, name: str) -> tuple[dict, str]:
    """recipe.buildinfo.tree_state(name) as the project copy computes it, and what it printed."""
    code = f"import json; from recipe import buildinfo; print(json.dumps(buildinfo.tree_state({name!r})))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    return json.loads(lines[-1]), proc.stdout + proc.stderr


@pytest.mark.unit
def test_tree_hash_covers_contents_names_and_the_executable_bit(tmp_path):
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "a.c").write_text("int a;\n")
    (tree / "configure").write_text("#!/bin/sh\n")
    seen = {fetch.tree_sha256(tree)}
    (tree / "sub" / "a.c").write_text("int a = 1;\n")
    seen.add(fetch.tree_sha256(tree))
    os.chmod(tree / "configure", 0o755)
    seen.add(fetch.tree_sha256(tree))
    (tree / "sub" / "a.c").rename(tree / "sub" / "b.c")
    seen.add(fetch.tree_sha256(tree))
    (tree / "empty").mkdir()
    seen.add(fetch.tree_sha256(tree))
    assert len(seen) == 5
    # the same tree made elsewhere, in another order and at another time, has the same hash
    again = tmp_path / "again"
    (again / "empty").mkdir(parents=True)
    (again / "configure").write_text("#!/bin/sh\n")
    os.chmod(again / "configure", 0o755)
    (again / "sub").mkdir()
    (again / "sub" / "b.c").write_text("int a = 1;\n")
    assert fetch.tree_sha256(again) == fetch.tree_sha256(tree)


def test_a_hand_edit_under_vendor_shows_in_the_build_info(project):
    proc = recipe(project, "fetch", "zlib", timeout=120)
    assert proc.returncode == 0, proc.stderr
    recorded = (project / "build" / "stamps" / "source-zlib.tree").read_text().strip()  # at unpack time
    pristine, said = tree_state(project, "zlib")
    assert pristine == {"tree_sha256": recorded}
    assert "warning" not in said

    with open(project / "vendor" / "zlib" / "src" / "zlib.h", "a") as f:
        f.write("/* a local experiment */\n")
    edited, said = tree_state(project, "zlib")
    assert edited["tree_edited"] is True and edited["tree_sha256"] != recorded
    assert "vendor/zlib/src is not as the recipe unpacked and patched it" in said


def test_editing_a_patch_another_series_lists_re_patches_the_tree(project):
    """htslib-release's series lists ../htslib/*.patch: the patches, not the series
    folder, decide whether a tree is current. Here patches/htslib/series lists its
    patches from a shared folder, the same shape."""
    own, shared = project / "patches" / "htslib", project / "patches" / "shared"
    shared.mkdir()
    names = [line for line in (own / "series").read_text().splitlines() if line.endswith(".patch")]
    for name in names:
        (own / name).rename(shared / name)
    (own / "series").write_text("".join(f"../shared/{name}\n" for name in names))
    first = recipe(project, "fetch", "htslib", timeout=240)
    assert first.returncode == 0, first.stderr
    assert f"applied {names[-1]}" in first.stdout

    target = shared / names[-1]
    text = target.read_text()
    purpose = next(line for line in text.splitlines() if line.startswith("Subject:") or line.strip())
    target.write_text(text.replace(purpose, purpose + " (reworded)", 1))
    again = recipe(project, "fetch", "htslib", timeout=240)
    assert again.returncode == 0, again.stderr
    assert f"applied {names[-1]}" in again.stdout
    assert "(reworded)" in again.stdout


def test_license_texts_are_checked_against_the_pinned_trees(project):
    ok = recipe(project, "licenses", timeout=240)
    assert ok.returncode == 0, ok.stderr
    assert "match their pinned trees" in ok.stdout
    committed = project / "licenses" / "curl" / "COPYING"
    committed.write_text(committed.read_text().replace("Daniel Stenberg", "Someone Else"))
    stale = recipe(project, "licenses", timeout=120)
    assert stale.returncode == 1
    assert "licenses/curl/COPYING (from vendor/curl/src/COPYING)" in stale.stderr
    assert "python -m recipe licenses --update" in stale.stderr
