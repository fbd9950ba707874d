"""A static file server on 127.0.0.1, optionally behind HTTP Basic auth: the
stand-in for a package index or a Debian mirror (the recipe's fetch and
check-pins tests). It records the Authorization header of each request, so a
test can see that credentials travelled in a header and not in the URL.
Standard library only.
"""

from __future__ import annotations

import base64
import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class FileServer:
    """Serves `root` at http://127.0.0.1:<port>/; with `user` and `password`,
    every request without them gets 401. Use as a context manager."""

    def __init__(self, root: Path, user: str | None = None, password: str | None = None):
        self.root = root
        self.requests: list[tuple[str, str | None]] = []  # (path, Authorization header)
        expected = (f"Basic {base64.b64encode(f'{user}:{password}'.encode()).decode()}"
                    if user is not None else None)
        server = self

        class Handler(SimpleHTTPRequestHandler):
            def do_GET(self):
                auth = self.headers.get("Authorization")
                server.requests.append((self.path, auth))
                if expected is not None and auth != expected:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="index"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                super().do_GET()

            def log_message(self, *args):  # quiet: the test asserts on .requests
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True, name="file-server")

    def __enter__(self) -> "FileServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
