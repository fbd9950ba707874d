"""The PEP 517 backend: scikit-build-core, with our options as config settings.

`pip wheel . -C pysam-s3.htslib-source=htslib-release`, `python -m build
-Cpysam-s3.build-revision=4` and cibuildwheel's `config-settings` override
[tool.pysam-s3] for one build. Each hook takes the `pysam-s3.*` settings out
(scikit-build-core would refuse keys it does not know), has recipe/options.py
check and apply them in this process (the version provider, recipe/version.py,
runs here) and passes them on to CMake, which gives them to `recipe stage`.
Everything else goes to scikit-build-core untouched.
"""

from __future__ import annotations

import json
import os

from scikit_build_core import build as _skbuild

from . import cross, options, toolchain

OPTIONS_DEFINE = "cmake.define.PYSAM_S3_OPTIONS"  # read by CMakeLists.txt


def _split(config_settings: dict | None) -> dict:
    settings = dict(config_settings or {})
    ours = options.parse_config_settings(settings)
    options.set_overrides(ours)
    # a cross build (arch = "aarch64" here): scikit-build-core tags the wheel with this platform
    arch = toolchain.target_arch(options.load())
    if cross.is_cross(arch):
        os.environ["_PYTHON_HOST_PLATFORM"] = cross.host_platform(arch)
    settings = {k: v for k, v in settings.items() if not k.startswith(options.CONFIG_SETTING_PREFIX)}
    # always set, "{}" included: CMake keeps a cache variable from the previous build otherwise
    settings[OPTIONS_DEFINE] = json.dumps(options.overrides(), sort_keys=True)
    return settings


def get_requires_for_build_wheel(config_settings=None):
    return _skbuild.get_requires_for_build_wheel(_split(config_settings))


def get_requires_for_build_sdist(config_settings=None):
    return _skbuild.get_requires_for_build_sdist(_split(config_settings))


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    return _skbuild.prepare_metadata_for_build_wheel(metadata_directory, _split(config_settings))


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _skbuild.build_wheel(wheel_directory, _split(config_settings), metadata_directory)


def build_sdist(sdist_directory, config_settings=None):
    return _skbuild.build_sdist(sdist_directory, _split(config_settings))
