"""tomllib on Python >= 3.11, tomli before (the build runs on 3.9 too)."""

import sys

if sys.version_info >= (3, 11):
    import tomllib as toml
else:  # pragma: no cover - exercised by the 3.9/3.10 builds
    import tomli as toml

load = toml.load
loads = toml.loads
TOMLDecodeError = toml.TOMLDecodeError
