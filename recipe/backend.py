"""The PEP 517 backend: scikit-build-core, with our options as config settings.

`pip wheel . -C pysam-s3.htslib-source=htslib-release`, `python -m build
-Cpysam-s3.build-revision=4` and cibuildwheel's `config-settings` override
[tool.pysam-s3] for one build. Each hook takes the `pysam-s3.*` settings out
(scikit-build-core would refuse keys it does not know), resolves the options
once (recipe/options.py), lends them to the version provider
(recipe/version.py, which scikit-build-core calls inside the hook) and passes
the overrides on to CMake, which gives them to `recipe stage`. For another
machine it sets the platform tag through scikit-build-core's own `env` table.
Everything else goes to scikit-build-core untouched.
"""

from __future__ import annotations

from scikit_build_core import build as _skbuild

from . import options as options_mod

OPTIONS_DEFINE = "cmake.define.PYSAM_S3_OPTIONS"  # read by CMakeLists.txt
# scikit-build-core's build environment table: the wheel tag it writes follows it
HOST_PLATFORM_ENV = "env._PYTHON_HOST_PLATFORM"


def _split(config_settings: dict | None) -> tuple[dict, options_mod.Options]:
    settings = dict(config_settings or {})
    overrides = options_mod.parse_config_settings(settings)
    options = options_mod.load(overrides=overrides)
    settings = {k: v for k, v in settings.items() if not k.startswith(options_mod.CONFIG_SETTING_PREFIX)}
    # always set, "{}" included: CMake keeps a cache variable from the previous build otherwise
    settings[OPTIONS_DEFINE] = options_mod.overrides_json(overrides)
    if options.target.other_machine:  # tagged for that machine (auditwheel then checks it)
        settings[HOST_PLATFORM_ENV] = options.target.sysconfig_platform
    return settings, options


def _hook(hook, *args, config_settings=None, **kwargs):
    settings, options = _split(config_settings)
    with options_mod.lent_to_hook(options):
        return hook(*args, settings, **kwargs)


def get_requires_for_build_wheel(config_settings=None):
    return _hook(_skbuild.get_requires_for_build_wheel, config_settings=config_settings)


def get_requires_for_build_sdist(config_settings=None):
    return _hook(_skbuild.get_requires_for_build_sdist, config_settings=config_settings)


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    return _hook(_skbuild.prepare_metadata_for_build_wheel, metadata_directory, config_settings=config_settings)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _hook(_skbuild.build_wheel, wheel_directory, config_settings=config_settings,
                 metadata_directory=metadata_directory)


def build_sdist(sdist_directory, config_settings=None):
    return _hook(_skbuild.build_sdist, sdist_directory, config_settings=config_settings)
