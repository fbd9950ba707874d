"""TlsProxy: a TLS-terminating proxy on 127.0.0.1. Clients speak https to it
with a certificate from testkit/certificates.py; it passes the plain bytes on
to an http server (moto). Signatures still check out: the Host header the
client signed reaches moto unchanged. Standard library only."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from pathlib import Path


class TlsProxy:
    def __init__(self, upstream_port: int, cert: Path, key: Path):
        self.upstream_port = upstream_port
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.port = 0
        self.connections = 0   # TLS handshakes completed
        self.request_bytes = 0  # bytes clients sent through the tunnel (a client refusing our certificate sends none)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="tls-proxy", daemon=True)

    @property
    def hostport(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, upstream: bool) -> None:
        with contextlib.suppress(ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            while data := await reader.read(65536):
                if upstream:
                    self.request_bytes += len(data)
                writer.write(data)
                await writer.drain()
        with contextlib.suppress(Exception):
            writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        await asyncio.gather(self._pipe(reader, up_writer, upstream=True), self._pipe(up_reader, writer, upstream=False))

    def _handshake_error(self, loop, context) -> None:
        if not isinstance(context.get("exception"), (ssl.SSLError, ConnectionResetError)):
            loop.default_exception_handler(context)  # a refused certificate is expected, anything else is not

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.set_exception_handler(self._handshake_error)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", 0, ssl=self.context))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()

    def __enter__(self) -> TlsProxy:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
