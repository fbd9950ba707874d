"""What S3Proxy (testkit/proxies/s3.py) does to a request a rule picks instead
of forwarding it: an S3 error document (also inside 200 OK), a reset, an answer
cut short, a stall, a request body damaged on the way. Standard library only."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable


# A rule looks at (method, path with query, request headers) and returns None to
# forward the request, (HTTP status, S3 error code[, {element: text}]) to answer
# with that error document (the elements after <Code>; default: a <Message>), or
# one of the faults below.
Rule = Callable[[str, str, dict], "tuple | Reset | CutShort | Stall | CorruptBody | None"]


@dataclass(frozen=True)
class Reset:
    """Read the request, then reset the connection (RST) without an answer."""


@dataclass(frozen=True)
class CutShort:
    """Forward, then send the answer's headers and only its first *keep* body
    bytes, and close: a body cut short (Content-Length promises more)."""
    keep: int = 1000


@dataclass(frozen=True)
class Stall:
    """Say nothing for *seconds*, then forward (a server that stops answering)."""
    seconds: float


@dataclass(frozen=True)
class CorruptBody:
    """Forward the request with one byte of its body changed (bit rot on the way)."""


def first_attempts(fault, methods: tuple[str, ...] = ("GET",), path_has: str = "") -> Rule:
    """A rule that gives *fault* to the first attempt of every request of one of
    *methods* whose path contains *path_has* (requests told apart by method, path
    and Range), and forwards every further attempt of the same request."""
    seen = set()
    lock = threading.Lock()

    def rule(m: str, path: str, headers) -> object:
        if m not in methods or path_has not in path:
            return None
        with lock:
            key = (m, path, headers.get("Range"))
            if key in seen:
                return None
            seen.add(key)
        return fault
    return rule


def error_document(code: str, fields: dict[str, str]) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            + "".join(f"<{k}>{v}</{k}>" for k, v in fields.items()) + "</Error>").encode()
