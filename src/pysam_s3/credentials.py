"""The AWS SDK's credential chain for htslib, from botocore (optional).

htslib reads static keys by itself: the environment, ~/.aws/credentials and
~/.aws/config. The providers that need code (assume-role, web identity for
EKS, IAM Identity Center/SSO, credential_process, container credentials for
ECS, AWS Batch and EKS Pod Identity, EC2 instance metadata) come from
botocore, the AWS SDK for Python, when it is installed (`pip install botocore`,
or the wheel's `aws` extra): `import pysam` registers it with htslib, which
then asks it for the keys at every open and again before temporary keys
expire. botocore then resolves the whole chain, in the SDK's order, so pysam
uses exactly the keys boto3 would; keys in an s3:// URL still come first,
htslib's s3cfg and ~/.awssecret last.

Nothing here changes os.environ or writes keys anywhere: they go from
botocore to htslib in memory.
"""

from __future__ import annotations

import errno
import importlib.util
import os
import threading
import time
from datetime import datetime, timezone

from . import libhts

# How botocore's credential methods read in a message, after "from".
METHODS = {
    "env": "the environment",
    "shared-credentials-file": "the shared credentials file",
    "config-file": "the config file",
    "explicit": "explicit keys",
    "assume-role": "STS AssumeRole for the profile's role_arn",
    "assume-role-with-web-identity": "STS AssumeRoleWithWebIdentity (a web identity token)",
    "sso": "IAM Identity Center (SSO)",
    "custom-process": "the profile's credential_process",
    "container-role": "container credentials (ECS, AWS Batch, EKS Pod Identity)",
    "iam-role": "the EC2 instance's role (instance metadata)",
    "boto-config": "a boto config file",
    "ec2-credentials-file": "an EC2 credentials file",
}
NO_CREDENTIALS_TTL = 30.0  # s: how long "none found" stands before the chain is asked again


def available() -> bool:
    return importlib.util.find_spec("botocore") is not None


class BotocoreChain:
    """botocore's default credential chain, per profile, cached while the
    configuration it depends on (AWS_* variables, the two files) is unchanged;
    botocore's own objects refresh temporary keys before they expire."""

    def __init__(self):
        self._lock = threading.Lock()
        self._cache: dict = {}

    def reset(self) -> None:
        """Forget everything (after fork: a lock held by another thread stays held)."""
        self._lock = threading.Lock()
        self._cache = {}

    @staticmethod
    def _fingerprint(profile: str | None) -> tuple:
        env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_")))
        files = []
        for variable, default in (("AWS_CONFIG_FILE", "~/.aws/config"),
                                  ("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials")):
            path = os.path.expanduser(os.environ.get(variable) or default)
            try:
                st = os.stat(path)
                files.append((path, st.st_mtime_ns, st.st_size))
            except OSError:
                files.append((path, None, None))
        return profile, env, tuple(files), os.environ.get("HOME")

    def credentials(self, profile: str | None):
        """botocore's credentials object for *profile* (None: the default
        profile, as botocore picks it), or None if the chain has none."""
        import botocore.session

        key = self._fingerprint(profile)
        with self._lock:
            found = self._cache.get(key)
            if found and (found[0] is not None or time.monotonic() - found[1] < NO_CREDENTIALS_TTL):
                return found[0]
        creds = botocore.session.Session(profile=profile).get_credentials()
        with self._lock:
            self._cache = {key: (creds, time.monotonic())}  # one configuration at a time
        return creds

    def remember_none(self, profile: str | None) -> None:
        """The chain failed where "none" is an answer: do not ask again for a while."""
        key = self._fingerprint(profile)
        with self._lock:
            self._cache = {key: (None, time.monotonic())}

    def __call__(self, profile: str | None) -> tuple[str, str, str | None, int, str] | None:
        """(key id, secret, token, expiry in s since the epoch or 0, source) or None."""
        creds = self.credentials(profile)
        if creds is None:
            return None
        frozen = creds.get_frozen_credentials()  # refreshes temporary keys when due
        expiry = getattr(creds, "_expiry_time", None)  # RefreshableCredentials only
        seconds = int(expiry.timestamp()) if isinstance(expiry, datetime) else 0
        method = METHODS.get(getattr(creds, "method", ""), f"botocore's {getattr(creds, 'method', '?')}")
        where = f"profile '{profile}'" if profile else "the default profile"
        return frozen.access_key, frozen.secret_key, frozen.token, seconds, f"{method} (botocore, {where})"


def _errno_for(exc: Exception) -> int:
    name = type(exc).__name__
    if name in ("ProfileNotFound", "PartialCredentialsError", "InvalidConfigError", "ConfigParseError",
                "InvalidS3AddressingStyleError", "UnknownCredentialError"):
        return errno.EINVAL
    return errno.EACCES


_chain = BotocoreChain()
_callback = None  # the ctypes function htslib holds: kept alive here
_registered = False


def _provide(_data, profile: bytes, flags: int, out) -> int:
    """htslib's hts_s3_credentials_func. Never lets an exception through: a
    ctypes callback that raises would return 0 with nothing set."""
    lib = libhts.lib()
    try:
        found = _chain(profile.decode() if flags & libhts.PROFILE_EXPLICIT and profile else None)
        if found is None:
            return 1
        key, secret, token, expiry, source = found
        if lib.hts_s3_credentials_set(out, key.encode(), secret.encode(), (token or "").encode(), expiry,
                                      source.encode()) < 0:
            lib.hts_s3_credentials_error(out, b"botocore gave an empty key id or secret")
            return -errno.EACCES
        return 0
    except BaseException as e:  # noqa: BLE001 - see the docstring
        lib.hts_s3_credentials_error(out, f"botocore: {type(e).__name__}: {e}".encode(errors="replace"))
        if flags & libhts.NOTHING_ELSE_FOUND:
            # htslib found no keys and asks for the rest of the chain (instance
            # credentials): not reaching a metadata service means none; the
            # reason goes into the message of a refused request
            _chain.remember_none(profile.decode() if flags & libhts.PROFILE_EXPLICIT and profile else None)
            return 1
        return -_errno_for(e)


def source(profile: str | None = None) -> str | None:
    """Where botocore's chain finds keys for *profile* (None: the default, as
    botocore picks it), as htslib will name it; None if it finds none. No secret."""
    found = _chain(profile)
    return found[4] if found else None


def install() -> bool:
    """Register botocore's chain with htslib, if botocore is installed (it is
    imported only when an s3:// URL is first opened). Returns whether it was
    registered. `import pysam` calls this."""
    global _callback, _registered
    if not available():
        return False
    if _callback is None:
        _callback = libhts.CREDENTIALS_FUNC(_provide)
    libhts.lib().hts_s3_set_credentials_provider(_callback, None)
    _registered = True
    return True


def uninstall() -> None:
    """Back to htslib's own reading of the static configuration."""
    global _registered
    libhts.lib().hts_s3_set_credentials_provider(libhts.CREDENTIALS_FUNC(), None)
    _registered = False


def chain_description() -> str:
    """What htslib asks for S3 credentials, in a sentence."""
    if installed():
        from importlib.metadata import version
        return f"the AWS SDK's credential chain (botocore {version('botocore')})"
    return ("htslib's own reading of the environment and the AWS files (install botocore for "
            "assume-role, web identity, SSO, credential_process, container and instance credentials)")


def installed() -> bool:
    """Whether botocore's chain is what htslib asks for credentials."""
    return _registered


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_chain.reset)


def describe_expiry(seconds: int) -> str:
    """For reports: when temporary keys expire."""
    if not seconds:
        return "no expiry"
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds")
