"""S3Proxy: a reverse proxy on 127.0.0.1 in front of an S3 server, run as
threads of the test (or benchmark) process. It forwards every request
unchanged (Host header included, so SigV4 still holds) except those a rule
picks, which get a fault (testkit/proxies/faults.py); it records each request:
the benchmark counts requests, bytes and connections with it, tests see which
host, path style and region pysam used. With a Shaping it behaves like a
distant server: a delay before each answer's first byte and a bandwidth per
connection. Standard library only.
"""

from __future__ import annotations

import collections
import http.client
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from testkit.proxies.faults import CorruptBody, CutShort, Reset, Rule, Stall, error_document


@dataclass(frozen=True)
class Shaping:
    """A network farther away than loopback: *latency* seconds before each
    answer's first byte, at most *bandwidth* bytes/s on each connection."""
    latency: float = 0.0
    bandwidth: float | None = None

    def __str__(self) -> str:
        if not self.latency and not self.bandwidth:
            return "no shaping"
        rate = f" + {self.bandwidth / 1e6:g} MB/s per connection" if self.bandwidth else ""
        return f"{self.latency * 1000:g} ms{rate}"


# Hop-by-hop headers (RFC 9110 7.6.1) are the proxy's own business on each side.
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer",
               "transfer-encoding", "upgrade", "expect"}
_CHUNK = 1 << 16


class S3Proxy:
    """A reverse proxy on 127.0.0.1 in front of the S3 server at *upstream_port*.

    Every request is forwarded unchanged, Host header included (so a SigV4
    signature still matches), and the answer streamed back; a request *rule*
    picks gets an S3 error document instead. Each request is recorded: method,
    path, Host, Range, the region it was signed for, the status (0: none), the
    fault given (or None), and the body bytes written to the client (for a transfer the client abandons halfway,
    what went out before it hung up, as on a real network). One thread per
    client connection (htslib keeps connections alive), a new upstream
    connection per request. Running from construction until stop() (or the
    end of a with block)."""

    def __init__(self, upstream_port: int, rule: Rule | None = None, shaping: Shaping | None = None,
                 idle_timeout: float | None = None):
        self.upstream_port = upstream_port
        self.rule = rule
        self.shaping = shaping or Shaping()
        # as S3 does (RequestTimeout, after about 20 s): a request whose body
        # stops coming for this long is answered 400 and its connection closed
        self.idle_timeout = idle_timeout
        self.connections = 0  # accepted from clients since the last take()
        self._open = 0  # client connections not yet finished
        self._in_flight = 0  # requests being answered
        self._most_at_once = 0  # the most in flight since the last take()
        self._arrivals = 0  # requests whose head has come in: each one's place in the order of arrival
        self._seen: list[tuple[int, tuple[str, str, int]]] = []  # (arrival, (method, path, status)), never reset
        self._lock = threading.Lock()
        self._log: list[tuple[int, dict]] = []  # (arrival, entry) since the last take()
        self.server = _ProxyServer(("127.0.0.1", 0), _S3ProxyHandler)
        self.server.daemon_threads = True
        self.server.proxy = self
        self.port = self.server.server_address[1]
        self.hostport = f"127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="s3-proxy", daemon=True)
        self._thread.start()

    def __enter__(self) -> S3Proxy:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=2)

    # --- what the handler threads report ---
    def _connection_opened(self) -> None:
        with self._lock:
            self.connections += 1
            self._open += 1

    def _connection_closed(self) -> None:
        with self._lock:
            self._open -= 1

    def _request_started(self) -> int:
        """The request's place in the order of arrival: requests are recorded once
        answered, and an injected answer can finish before a forwarded one that
        came in first, so both lists are kept in the order requests came."""
        with self._lock:
            self._in_flight += 1
            self._most_at_once = max(self._most_at_once, self._in_flight)
            self._arrivals += 1
            return self._arrivals

    def _request_ended(self) -> None:
        with self._lock:
            self._in_flight -= 1

    @property
    def seen(self) -> list[tuple[str, str, int]]:
        """(method, path, status answered) of every request so far, in order of arrival."""
        with self._lock:
            return [request for _, request in sorted(self._seen, key=lambda entry: entry[0])]

    def record(self, arrival: int, method: str, path: str, headers, status: int, served: int, fault=None) -> None:
        with self._lock:
            self._seen.append((arrival, (method, path, status)))
            self._log.append((arrival, {"method": method, "path": path, "host": headers.get("Host"),
                                        "range": headers.get("Range"), "region": signing_region(headers),
                                        "key_id": signing_key_id(headers),
                                        "status": status, "bytes": served, "fault": fault}))

    def wait_idle(self, limit: float = 10.0) -> None:
        """Wait (at most *limit* s) until every client connection has ended: a
        request its client abandoned (a read-ahead, an answer still in its
        delay) is recorded only once the proxy's write to it has failed."""
        deadline = time.monotonic() + limit
        while self._open and time.monotonic() < deadline:
            time.sleep(0.005)

    def take(self) -> dict:
        """Requests by method, body bytes served and the log since the last take()."""
        with self._lock:
            log = [entry for _, entry in sorted(self._log, key=lambda entry: entry[0])]
            self._log = []
            connections, self.connections = self.connections, 0
            most, self._most_at_once = self._most_at_once, self._in_flight
        return {"requests": dict(collections.Counter(r["method"] for r in log)),
                "bytes": sum(r["bytes"] for r in log), "connections": connections, "most_at_once": most,
                "log": log}


def _credential_scope(headers) -> list[str]:
    """KEYID/DATE/REGION/SERVICE/aws4_request of a SigV4 Authorization header (no secret)."""
    auth = headers.get("Authorization") or ""
    scope = auth.partition("Credential=")[2].split(",")[0].split("/")
    return scope if len(scope) == 5 else []


def signing_region(headers) -> str | None:
    """The region a SigV4 request was signed for."""
    scope = _credential_scope(headers)
    return scope[2] if scope else None


def signing_key_id(headers) -> str | None:
    """The access key id a SigV4 request was signed with (an id, not a secret)."""
    scope = _credential_scope(headers)
    return scope[0] if scope else None


class _ProxyServer(ThreadingHTTPServer):
    # As servers do: socketserver's backlog of 5 drops the connections of a
    # burst (8 worker processes opening theirs at once), and each dropped one
    # waits a second for its SYN to be sent again
    request_queue_size = socket.SOMAXCONN

    def handle_error(self, request, client_address):
        # A client that drops a connection (a read-ahead it no longer wants)
        # is no error of the proxy's: say nothing; anything else, as usual
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


class _S3ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, and "100 Continue" for curl's uploads
    # As S3 and other servers do: without it, an answer's last partial segment
    # waits for the client's delayed ACK (40 ms) on a reused connection
    disable_nagle_algorithm = True

    def log_message(self, *args):  # keep the output quiet
        pass

    def setup(self):
        super().setup()
        self.server.proxy._connection_opened()

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.proxy._connection_closed()

    def _first_byte(self) -> None:
        """Wait as a distant server would before answering; start the pace."""
        time.sleep(self.server.proxy.shaping.latency)
        self._paced_from, self._paced = time.monotonic(), 0

    def _write(self, data: bytes) -> None:
        """Send body bytes no faster than the shaping's bandwidth."""
        self.wfile.write(data)
        bandwidth = self.server.proxy.shaping.bandwidth
        if bandwidth:
            self._paced += len(data)
            ahead = self._paced_from + self._paced / bandwidth - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)

    def _request_body(self) -> bytes:
        """The request's body; TimeoutError if it stops coming for the proxy's idle_timeout."""
        idle = self.server.proxy.idle_timeout
        if not idle:
            return self._read_body()
        self.connection.settimeout(idle)
        try:
            return self._read_body()
        finally:
            self.connection.settimeout(None)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0], 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _head(self, status: int, headers: list, reason: str | None = None) -> None:
        """The answer's status line and headers, after the shaping's latency."""
        self._first_byte()
        self.send_response_only(status, reason)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()

    def _answer(self, status: int, headers: list, payload: bytes) -> int:
        self._head(status, [*headers, ("Content-Length", str(len(payload)))])
        if self.command != "HEAD":
            self.wfile.write(payload)
            return len(payload)
        return 0

    def _reset(self) -> None:
        """Abort the connection: SO_LINGER 0 makes close() send an RST."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _forward(self, body: bytes, cut_after: int | None = None) -> tuple[int, int]:
        """(status, body bytes served) of the upstream answer, streamed to the
        client; with *cut_after*, the connection is closed after that many body
        bytes."""
        proxy: S3Proxy = self.server.proxy
        upstream = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=120)
        served, status = 0, 502
        try:
            upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in _HOP_BY_HOP | {"content-length"}:
                    upstream.putheader(name, value)
            if body or self.command in ("PUT", "POST"):
                upstream.putheader("Content-Length", str(len(body)))
            upstream.endheaders(body or None)
            response = upstream.getresponse()
            status = response.status
            headers = [(n, v) for n, v in response.getheaders() if n.lower() not in _HOP_BY_HOP]
            has_body = self.command != "HEAD" and status not in (204, 304) and status >= 200
            if not has_body or response.getheader("Content-Length") is None:
                # no body, or a chunked one: answered whole, with a length (HEAD keeps upstream's)
                payload = response.read() if has_body else b""
                if self.command != "HEAD":
                    headers = [(n, v) for n, v in headers if n.lower() != "content-length"]
                    return status, self._answer(status, headers, payload)
                self._head(status, headers)
                return status, 0
            self._head(status, headers, response.reason)
            while chunk := response.read(_CHUNK):
                if cut_after is not None and served + len(chunk) >= cut_after:
                    self._write(chunk[:cut_after - served])
                    served = cut_after
                    self.wfile.flush()
                    self._reset()
                    break
                self._write(chunk)
                served += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client hung up: a transfer it no longer wants
        finally:
            upstream.close()
        return status, served

    def _handle(self):
        proxy: S3Proxy = self.server.proxy
        arrival = proxy._request_started()
        try:
            self._answer_request(proxy, arrival)
        finally:
            proxy._request_ended()

    def _answer_request(self, proxy: S3Proxy, arrival: int):
        try:
            body = self._request_body()
        except TimeoutError:
            served = self._answer(400, [("Content-Type", "application/xml")], error_document(
                "RequestTimeout", {"Message": "Your socket connection to the server was not read from or written "
                                              "to within the timeout period."}))
            self.close_connection = True
            proxy.record(arrival, self.command, self.path, self.headers, 400, served, "idle")
            return
        fault = proxy.rule(self.command, self.path, self.headers) if proxy.rule else None
        if isinstance(fault, Reset):
            status, served = 0, 0
            self._reset()
        elif isinstance(fault, CutShort):
            status, served = self._forward(body, cut_after=fault.keep)
        elif isinstance(fault, Stall):
            time.sleep(fault.seconds)
            status, served = self._forward(body)
        elif isinstance(fault, CorruptBody):
            damaged = bytearray(body)
            if damaged:
                damaged[len(damaged) // 2] ^= 0xFF
            status, served = self._forward(bytes(damaged))
        elif fault:
            status, code, *more = fault
            fields = more[0] if more else {"Message": "injected by the tests' faulty proxy"}
            served = self._answer(status, [("Content-Type", "application/xml")], error_document(code, fields))
        else:
            status, served = self._forward(body)
        proxy.record(arrival, self.command, self.path, self.headers, status, served, fault)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle
