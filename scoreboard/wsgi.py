"""WSGI middleware in front of the Socket.IO endpoint.

`NoWebSocketCompression` hides the client's offer of permessage-deflate, so WebSockets run
uncompressed. simple-websocket accepts the offer of every browser, and then each broadcast
is deflated once per client, each with its own compressor (about 100 KiB of zlib state per
connection): with hundreds of `/live` screens that is most of the server's work per event
and most of its memory per client (docs/performance.md). Our messages are small; the LAN
carries them uncompressed easily.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Wsgi = Callable[[dict[str, Any], Callable], Iterable[bytes]]


class NoWebSocketCompression:
    def __init__(self, app: Wsgi, path: str = "/socket.io"):
        self.app = app
        self.path = path

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(self.path):
            environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return self.app(environ, start_response)
