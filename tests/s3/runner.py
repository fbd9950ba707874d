"""Run a pysam snippet in a clean subprocess, under a hard timeout.

Why a subprocess: a pysam that hangs must not hang the suite (htslib's own
timeouts are what some tests check), htslib reads its configuration from the
environment and HOME, and it downloads remote indexes into the working
directory. So each snippet gets
the test's isolated environment (testkit.isolation.isolated_env) plus the
scenario's variables, runs in the test's working directory, and its process
group is killed when the time is up.

The snippet assigns `result = ...` (JSON-serialisable) to report a value; an
uncaught exception is reported as its type, errno and message. Everything
reported is redacted (credentials.redact), so no secret reaches test output.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from testkit import ROOT
from testkit.credentials import redact
from testkit.isolation import isolated_env
from testkit.processes import run_with_deadline

_WRAPPER = r"""
import json, sys
result_path, code_path = sys.argv[1:]
report = {"ok": False}
try:
    scope = {"__name__": "__snippet__"}
    exec(compile(open(code_path).read(), "<snippet>", "exec"), scope)
    report = {"ok": True, "result": scope.get("result")}
except BaseException as e:
    report = {"exc_type": type(e).__name__, "errno": getattr(e, "errno", None), "message": str(e)}
sys.stdout.flush(); sys.stderr.flush()
with open(result_path, "w") as f:
    json.dump(report, f, default=repr)
"""

# htslib would fetch CRAM references from these; scenarios set them explicitly.
_UNSET_BY_DEFAULT = ("REF_PATH", "REF_CACHE")


@dataclass
class Outcome:
    ok: bool = False
    result: object = None
    exc_type: str | None = None
    errno: int | None = None
    message: str = ""
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0
    timed_out: bool = False
    cwd_files: list[str] = field(default_factory=list)  # what the run left in its working dir

    @property
    def error(self) -> tuple[str | None, int | None, str]:
        return self.exc_type, self.errno, self.message

    def __repr__(self) -> str:
        """One line (pytest shows it in assertion explanations): what happened, and
        the last line of stderr."""
        last = self.stderr.strip().splitlines()[-1:] or [""]
        return f"<Outcome {str(self).splitlines()[0]:.300}{' | stderr: ' + last[0][:200] if last[0] else ''}>"

    def __str__(self) -> str:
        """For assertion messages: what happened, with the end of stderr."""
        if self.timed_out:
            what = f"still running after {self.seconds:.0f} s (killed)"
        elif self.ok:
            what = f"OK {self.result!r:.300}"
        else:
            what = f"{self.exc_type}(errno={self.errno}): {self.message}"
        tail = "\n".join(self.stderr.strip().splitlines()[-8:])
        return f"{what}\n--- stderr (end) ---\n{tail}" if tail else what


def run(code: str, env: dict[str, str | None] | None = None, *, cwd: Path | None = None,
        timeout: float = 30.0, wrap: Callable[[list[str]], list[str]] | None = None) -> Outcome:
    """Run *code* with sys.executable; *env* adds to (None: removes from) the
    isolated environment of the current test. *wrap* turns the command line into
    another that runs it (e.g. inside a private mount namespace: tests/namespaces.py)."""
    cwd = Path(cwd or os.getcwd())
    full_env = isolated_env(Path(os.environ["HOME"]))
    for name in _UNSET_BY_DEFAULT:
        full_env.pop(name, None)
    # snippets import tests.s3.probe; pysam comes from the venv, or from a PYTHONPATH the
    # suite itself was given (make sanitize's sanitized pysam: tests/s3/test_sanitized_pysam.py)
    full_env["PYTHONPATH"] = os.pathsep.join(p for p in (os.environ.get("PYTHONPATH"), str(ROOT)) if p)
    for name, value in (env or {}).items():
        if value is None:
            full_env.pop(name, None)
        else:
            full_env[name] = value
    with tempfile.TemporaryDirectory(prefix="pysam-s3-snippet-") as tmp:
        code_path, result_path = Path(tmp, "snippet.py"), Path(tmp, "result.json")
        code_path.write_text(textwrap.dedent(code))
        start = time.monotonic()
        argv = [sys.executable, "-c", _WRAPPER, str(result_path), str(code_path)]
        proc, stdout, stderr, timed_out = run_with_deadline(wrap(argv) if wrap else argv, cwd=cwd, env=full_env,
                                                            timeout=timeout)
        report = json.loads(result_path.read_text()) if result_path.exists() else {
            "exc_type": None if timed_out else f"<no report: exit status {proc.returncode}>"}
    return Outcome(
        ok=bool(report.get("ok")) and not timed_out,
        result=json.loads(redact(json.dumps(report.get("result")))),
        exc_type=report.get("exc_type"), errno=report.get("errno"),
        message=redact(report.get("message", "")),
        stdout=redact(stdout.decode(errors="replace")), stderr=redact(stderr.decode(errors="replace")),
        seconds=time.monotonic() - start, timed_out=timed_out,
        cwd_files=sorted(str(p.relative_to(cwd)) for p in cwd.rglob("*") if p.is_file()))


def probe_call(function: str, *args, verbosity: int | None = None, **kwargs) -> str:
    """A snippet calling tests.s3.probe.<function>(*args, **kwargs) (literals only);
    verbosity: pysam.set_verbosity() first (never >= 8: it prints Authorization headers)."""
    assert verbosity is None or verbosity < 8
    lines = ["import pysam", "from tests.s3 import probe"]
    if verbosity is not None:
        lines.append(f"pysam.set_verbosity({verbosity})")
    lines.append(f"result = probe.{function}(*{args!r}, **{kwargs!r})")
    return "\n".join(lines) + "\n"
