"""A counting reverse proxy on 127.0.0.1, between pysam and the S3 server.

htslib is pointed at it (HTS_S3_HOST=127.0.0.1:PORT); every request is
forwarded to the server unchanged, Host header included (so a SigV4
signature still matches), and the answer streamed back. It counts requests
by method and the response body bytes it wrote to pysam's connections: for a
transfer htslib abandons halfway (a seek far ahead), that is what went out
before the connection closed, in-flight bytes included, as on a real network.

Standard library only; one thread per connection (htslib keeps connections
alive), a new upstream connection per request.
"""

from __future__ import annotations

import collections
import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Hop-by-hop headers (RFC 9110 7.6.1) are the proxy's own business on each side.
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer",
               "transfer-encoding", "upgrade"}
_CHUNK = 1 << 16


class CountingProxy:
    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self._lock = threading.Lock()
        self._requests: collections.Counter = collections.Counter()
        self._bytes = 0
        self._log: list[dict] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.hostport = f"127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="counting-proxy", daemon=True)

    def __enter__(self) -> CountingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def record(self, method: str, path: str, headers, status: int, served: int) -> None:
        with self._lock:
            self._requests[method] += 1
            self._bytes += served
            self._log.append({"method": method, "path": path, "host": headers.get("Host"),
                              "range": headers.get("Range"), "region": signing_region(headers),
                              "status": status, "bytes": served})

    def take(self) -> dict:
        """What was counted since the last take(), and start again from zero."""
        with self._lock:
            counted = {"requests": dict(self._requests), "bytes": self._bytes, "log": self._log}
            self._requests, self._bytes, self._log = collections.Counter(), 0, []
        return counted


def signing_region(headers) -> str | None:
    """The region a SigV4 request was signed for (its credential scope: no secret)."""
    auth = headers.get("Authorization") or ""
    scope = auth.partition("Credential=")[2].split(",")[0].split("/")
    return scope[2] if len(scope) == 5 else None


def _handler(proxy: CountingProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # noqa: A002 - the base class's signature
            pass

        def forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            upstream = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=120)
            served, status = 0, 502
            try:
                upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for name, value in self.headers.items():
                    if name.lower() not in _HOP_BY_HOP:
                        upstream.putheader(name, value)
                upstream.endheaders(body)
                response = upstream.getresponse()
                status = response.status
                has_body = self.command != "HEAD" and status not in (204, 304) and status >= 200
                payload = None
                if has_body and response.getheader("Content-Length") is None:
                    payload = response.read()  # a chunked answer: re-framed with a length
                self.send_response_only(status, response.reason)
                for name, value in response.getheaders():
                    if name.lower() not in _HOP_BY_HOP:
                        self.send_header(name, value)
                if payload is not None:
                    self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if payload is not None:
                    self.wfile.write(payload)
                    served = len(payload)
                elif has_body:
                    while chunk := response.read(_CHUNK):
                        self.wfile.write(chunk)
                        served += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # pysam hung up: a transfer it no longer wants
            finally:
                upstream.close()
                proxy.record(self.command, self.path, self.headers, status, served)

        do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = forward

    return Handler
