"""The AWS SDK's credential chain for htslib, from botocore (optional).

htslib reads static keys by itself: the environment, ~/.aws/credentials and
~/.aws/config. The providers that need code (assume-role, web identity for
EKS, IAM Identity Center/SSO, credential_process, container credentials for
ECS, AWS Batch and EKS Pod Identity, EC2 instance metadata) come from
botocore, the AWS SDK for Python, when it is installed (`pip install botocore`,
or the wheel's `aws` extra): `import pysam` registers it with htslib, which
then asks it for the keys whenever an s3:// URL is opened. botocore resolves
the whole chain, in the SDK's order, so pysam uses exactly the keys boto3
would; keys in an s3:// URL still come first, htslib's s3cfg and
~/.awssecret last.

Threads: htslib calls the provider only on the thread that opened a file,
never on its own worker threads (a BGZF reader signs requests while the
thread that waits for it may hold the GIL: calling into Python there would
deadlock). So that requests signed by those threads have fresh keys too, a
thread of our own (`Renewal`) asks botocore again 15 minutes before
temporary keys expire and pushes the new ones into htslib
(hts_s3_credentials_update); requests take them from there without waiting
for Python.

Nothing here changes os.environ or writes keys anywhere: they go from
botocore to htslib in memory. `import pysam` imports nothing of this module:
pysam's libchtslib registers the provider and imports this module on the
first call.
"""

from __future__ import annotations

import ctypes
import errno
import importlib.util
import os
import threading
import time
from datetime import datetime

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
RENEWAL_MARGIN = 15 * 60  # s before expiry: botocore's advisory refresh window
RENEWAL_PAUSE = (1.0, 60.0)  # s: bounds of the pause between renewals of keys already inside it


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


def _profile_arg(profile: bytes, flags: int) -> str | None:
    """The profile botocore is asked for: the one htslib names if it was given
    explicitly, else None (botocore picks it from the environment, as boto3 does)."""
    return profile.decode() if flags & libhts.PROFILE_EXPLICIT and profile else None


class Renewal:
    """Renews the keys of open files before they expire, on a thread of its own.

    htslib asks the provider only when a file is opened; every (profile,
    flags) it was given keys for is remembered here with their expiry, and
    RENEWAL_MARGIN before it this thread asks the chain again (botocore
    refreshes) and pushes the keys with hts_s3_credentials_update(). Keys
    that are already inside the margin when given (a provider handing out
    short-lived keys) are renewed every few seconds to a minute, a tenth of
    the time they have left. Once htslib says no open file holds a
    profile's keys, it is forgotten until the next open."""

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        """Forget everything (after fork: the thread does not exist in the child)."""
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._due: dict[tuple[bytes, int], float] = {}  # (profile, explicit flag) -> when to renew
        self._thread: threading.Thread | None = None

    @staticmethod
    def due(expiry: int, now: float) -> float | None:
        """When keys expiring at *expiry* (0: never) are to be renewed."""
        if not expiry:
            return None
        if expiry - RENEWAL_MARGIN > now:
            return expiry - RENEWAL_MARGIN
        low, high = RENEWAL_PAUSE
        return now + min(high, max(low, (expiry - now) / 10))

    def given(self, profile: bytes, flags: int, expiry: int) -> None:
        """htslib took keys expiring at *expiry* for (profile, flags)."""
        when = self.due(expiry, time.time())
        if when is None:
            return
        with self._lock:
            self._due[(profile, flags & libhts.PROFILE_EXPLICIT)] = when
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="pysam-s3-credentials", daemon=True)
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            with self._lock:
                now = time.time()
                ready = [key for key, when in self._due.items() if when <= now]
                later = [when for when in self._due.values() if when > now]
            for key in ready:
                self._renew(*key)
            if not ready:
                self._wake.wait(min(later) - now if later else None)
                self._wake.clear()

    def _renew(self, profile: bytes, explicit: int) -> None:
        when = None
        try:
            found = _chain(_profile_arg(profile, explicit))
        except Exception:  # noqa: BLE001 - keep the keys htslib has; try again later
            found = None
        if found is not None:
            key, secret, token, expiry, source = found
            pushed = libhts.lib().hts_s3_credentials_update(profile, explicit, key.encode(), secret.encode(),
                                                           (token or "").encode(), expiry, source.encode())
            if pushed == 1:  # no open file holds keys for it any more
                with self._lock:
                    self._due.pop((profile, explicit), None)
                return
            when = self.due(expiry, time.time())
        with self._lock:
            if when is None:  # no keys now, or keys that never expire: look again in a while
                when = time.time() + RENEWAL_PAUSE[1]
            self._due[(profile, explicit)] = when


_chain = BotocoreChain()
_renewal = Renewal()


def provide(profile: bytes, flags: int, creds: int) -> int:
    """htslib's hts_s3_credentials_func (pysam's libchtslib calls it, with the
    address of htslib's hts_s3_credentials), on the thread that opens a file.
    Never lets an exception through."""
    lib = libhts.lib()
    out = ctypes.c_void_p(creds)
    try:
        found = _chain(_profile_arg(profile, flags))
        if found is None:
            return 1
        key, secret, token, expiry, source = found
        if lib.hts_s3_credentials_set(out, key.encode(), secret.encode(), (token or "").encode(), expiry,
                                      source.encode()) < 0:
            lib.hts_s3_credentials_error(out, b"botocore gave an empty key id or secret")
            return -errno.EACCES
        _renewal.given(profile or b"", flags, expiry)
        return 0
    except BaseException as e:  # noqa: BLE001 - see the docstring
        lib.hts_s3_credentials_error(out, f"botocore: {type(e).__name__}: {e}".encode(errors="replace"))
        if flags & libhts.NOTHING_ELSE_FOUND:
            # htslib found no keys and asks for the rest of the chain (instance
            # credentials): not reaching a metadata service means none; the
            # reason goes into the message of a refused request
            _chain.remember_none(_profile_arg(profile, flags))
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
    registered. `import pysam` does this by itself."""
    import pysam.libchtslib

    return pysam.libchtslib._s3_credentials_provider(available())


def chain_description() -> str:
    """What htslib asks for S3 credentials, in a sentence."""
    if installed():
        from importlib.metadata import version
        return f"the AWS SDK's credential chain (botocore {version('botocore')})"
    return ("htslib's own reading of the environment and the AWS files (install botocore for "
            "assume-role, web identity, SSO, credential_process, container and instance credentials)")


def installed() -> bool:
    """Whether botocore's chain is what htslib asks for credentials."""
    import pysam.libchtslib

    return pysam.libchtslib._s3_credentials_provider()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=lambda: (_chain.reset(), _renewal.reset()))

