"""Sockets that misbehave at the TCP level, on 127.0.0.1.

* closed_port(): a port where nothing listens (a connection is refused).
* BlackHole:     accepts TCP connections and never sends a byte.
* FullBacklog:   a listening socket that never completes a TCP handshake.

Standard library only.
"""

from __future__ import annotations

import contextlib
import socket
import threading

from testkit.processes import free_port


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


class FullBacklog:
    """A listening socket whose accept queue is full and never drained: a new
    connection's SYN is dropped (Linux), so connect() waits, as with a
    firewall that drops packets."""

    def __init__(self):
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(0)
        self.hostport = f"127.0.0.1:{self._sock.getsockname()[1]}"
        self._fillers = []
        for _ in range(3):  # a backlog of 0 still queues one; these fill it
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(self._sock.getsockname())
            self._fillers.append(filler)

    def stop(self):
        for s in [*self._fillers, self._sock]:
            s.close()
