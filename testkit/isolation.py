"""Network settings under which only loopback answers: every proxy variable
points at a closed port on 127.0.0.1, so a request to any other host fails at
once. Shared by the tests (isolated_env: every test's environment), the
benchmark (bench.proc.environment) and the downstream corpus; standard
library only."""

from __future__ import annotations

import os
from pathlib import Path

# A closed port on loopback: a request that goes through the proxy is refused at once.
DEAD_PROXY = "http://127.0.0.1:9"
LOOPBACK = "127.0.0.1,localhost,.localhost,::1"
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")


def loopback_only(env: dict[str, str], home: Path) -> dict[str, str]:
    """*env* with a fresh HOME and the dead proxy for every host but loopback."""
    env = dict(env, HOME=str(home), no_proxy=LOOPBACK, NO_PROXY=LOOPBACK)
    for name in PROXY_VARIABLES:
        env[name] = env[name.upper()] = DEAD_PROXY
    return env


def isolated_env(home: Path) -> dict[str, str]:
    """The environment a test (or a subprocess it starts) runs with: this process's,
    without AWS_*, HTS_S3_*, CURL_*, SSL_CERT_* or proxy settings, then loopback_only()."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "HTS_S3_", "CURL_", "SSL_CERT_"))
           and k.lower() not in (*PROXY_VARIABLES, "no_proxy")}
    return loopback_only(env, home)
