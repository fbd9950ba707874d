"""Real network faults on loopback, run as threads of the test process.

* BlackHole:   accepts TCP connections and never sends a byte.
* FaultyProxy: a reverse proxy in front of a real S3 server that forwards every
               request unchanged (Host header included, so SigV4 still holds)
               except those a rule picks, which get an S3 error answer instead.
* closed_port(): a port on 127.0.0.1 where nothing listens.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

from tests.s3.servers import free_port


def closed_port() -> int:
    return free_port()


class BlackHole:
    def __init__(self):
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.hostport = f"127.0.0.1:{self._sock.getsockname()[1]}"
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True, name="black-hole")
        self._thread.start()

    @property
    def accepted(self) -> int:
        return len(self._held)

    def _accept(self):
        with contextlib.suppress(OSError):  # the socket is closed by stop()
            while True:
                self._held.append(self._sock.accept()[0])  # held open: no data, no EOF

    def stop(self):
        for s in [self._sock, *self._held]:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
        self._thread.join(timeout=2)


# A rule looks at (method, path with query) and returns None to forward the
# request, or (HTTP status, S3 error code[, {element: text}]) to answer with that
# error document (the elements after <Code>; default: a <Message>).
Rule = Callable[[str, str], "tuple | None"]

_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "expect", "te"}


class FaultyProxy:
    def __init__(self, upstream: str, rule: Rule):
        self.upstream = upstream  # host:port
        self.rule = rule
        self.seen: list[tuple[str, str, int]] = []  # (method, path, status answered)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _ProxyHandler)
        self._httpd.daemon_threads = True
        self._httpd.proxy = self
        self.hostport = f"127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True, name="faulty-proxy")
        self._thread.start()

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=2)


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, and "100 Continue" for curl's uploads

    def log_message(self, *args):  # keep the test output quiet
        pass

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0], 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _handle(self):
        proxy: FaultyProxy = self.server.proxy
        body = self._body()
        fault = proxy.rule(self.command, self.path)
        if fault:
            status, code, *more = fault
            fields = more[0] if more else {"Message": "injected by the tests' faulty proxy"}
            payload = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
                       + "".join(f"<{k}>{v}</{k}>" for k, v in fields.items()) + "</Error>").encode()
            headers = [("Content-Type", "application/xml")]
        else:
            status, headers, payload = self._forward(proxy.upstream, body)
        proxy.seen.append((self.command, self.path, status))
        self.send_response_only(status)
        for name, value in headers:
            self.send_header(name, value)
        if not any(name.lower() == "content-length" for name, _ in headers):  # HEAD keeps upstream's
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _forward(self, upstream: str, body: bytes):
        host, port = upstream.rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        try:
            conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in _HOP_BY_HOP | {"content-length"}:
                    conn.putheader(name, value)
            if body or self.command in ("PUT", "POST"):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body or None)
            response = conn.getresponse()
            payload = response.read()
            headers = [(n, v) for n, v in response.getheaders() if n.lower() not in _HOP_BY_HOP
                       and (self.command == "HEAD" or n.lower() != "content-length")]
            return response.status, headers, payload
        finally:
            conn.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle
