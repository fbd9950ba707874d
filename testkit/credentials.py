"""Credentials, the configuration files htslib reads them from, and redaction.

Every secret key and session token the suite handles is registered here when
its `Creds` is made; `redact()` masks them (raw and percent-encoded) in
anything the suite reports: snippet output, exception messages, server logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

MASK = "<redacted>"
_SECRETS: set[str] = set()


def register_secret(secret: str | None) -> None:
    if secret and len(secret) >= 4:  # a 1-3 character "secret" would mask ordinary text
        _SECRETS.update({secret, quote(secret, safe="")})


def redact(text: str) -> str:
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


@dataclass(frozen=True)
class Creds:
    """An access key pair, with the session token of temporary credentials.
    The secret parts are left out of repr() and registered for redaction."""

    key_id: str
    secret: str = field(repr=False)
    token: str | None = field(default=None, repr=False)
    public: bool = field(default=False, repr=False)  # a published test key pair: nothing to hide

    def __post_init__(self):
        if not self.public:
            register_secret(self.secret)
            register_secret(self.token)

    def env(self) -> dict[str, str]:
        env = {"AWS_ACCESS_KEY_ID": self.key_id, "AWS_SECRET_ACCESS_KEY": self.secret}
        if self.token:
            env["AWS_SESSION_TOKEN"] = self.token
        return env

    def with_secret(self, secret: str) -> Creds:
        return Creds(self.key_id, secret, self.token)

    def with_token(self, token: str | None) -> Creds:
        return Creds(self.key_id, self.secret, token)

    def in_url(self) -> str:
        """The `ID:SECRET[:TOKEN]` part of an s3:// URL (AWS secrets may hold '/')."""
        parts = [self.key_id, self.secret] + ([self.token] if self.token else [])
        return ":".join(quote(p, safe="") for p in parts)


# An access key id no server knows (the format of a real one).
UNKNOWN = Creds("AKIAUNKNOWNKEY000000", "not-the-secret-of-anyone")


def ini(sections: dict[str, dict[str, str]]) -> str:
    return "".join(f"[{name}]\n" + "".join(f"{k} = {v}\n" for k, v in items.items()) + "\n"
                   for name, items in sections.items())


def aws_credentials(creds: Creds, **extra: str) -> dict[str, str]:
    """One profile section of an AWS shared credentials file."""
    items = {"aws_access_key_id": creds.key_id, "aws_secret_access_key": creds.secret}
    if creds.token:
        items["aws_session_token"] = creds.token
    return {**items, **extra}


def s3cfg(creds: Creds, host: str | None = None, style: str = "path", **extra: str) -> dict[str, str]:
    """One section of an s3cmd configuration file. htslib takes the host from
    host_base and path style from a host_bucket without %(bucket)s."""
    items = {"access_key": creds.key_id, "secret_key": creds.secret}
    if creds.token:
        items["access_token"] = creds.token
    if host:
        items["host_base"] = host
        items["host_bucket"] = host if style == "path" else f"%(bucket)s.{host}"
    return {**items, **extra}
