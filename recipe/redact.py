"""Keep credentials out of everything the recipe prints or records.

Index URLs may carry `user:password@` (pip allows it, and PIP_INDEX_URL is
passed through to the build), and so may a route someone writes into the
lock. Every URL the recipe shows goes through url(); every error text from a
library that may quote a URL goes through text().
"""

from __future__ import annotations

import os
import re
import urllib.parse

MASK = "***"
_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s'\"]*@")
# the environment variables through which pip and the recipe take index URLs
INDEX_VARIABLES = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL")


def url(address: str) -> str:
    """`address` with any user:password@ replaced by ***@."""
    return _USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", address)


def _known_secrets() -> list[str]:
    found = []
    for name in INDEX_VARIABLES:
        for address in os.environ.get(name, "").split():
            parts = urllib.parse.urlsplit(address)
            for secret in (parts.password, parts.username):
                if secret and len(secret) >= 4:
                    found += [secret, urllib.parse.unquote(secret)]
    return sorted(set(found), key=len, reverse=True)


def text(message: str) -> str:
    """`message` with URL credentials masked, and any password from the index
    URLs in the environment masked wherever it appears (an exception may quote
    it without the URL around it)."""
    message = url(message)
    for secret in _known_secrets():
        message = message.replace(secret, MASK)
    return message
