"""WSGI middleware in front of the Socket.IO endpoint.

`CompressOnce` keeps the client's offer of permessage-deflate from simple-websocket, which
would accept it for every browser and then deflate each broadcast once per client, each
with its own compressor (about 100 KiB of zlib state per connection): with hundreds of
`/live` screens that was most of the server's work per event and most of its memory per
client (docs/performance.md). The offer is left for the hub (scoreboard/wshub.py), which
compresses each broadcast once for every client (scoreboard/wsdeflate.py); with
compression off (KEJURDA_WS_COMPRESSION=0) it is dropped, and WebSockets run plain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from scoreboard.wsdeflate import OFFER

Wsgi = Callable[[dict[str, Any], Callable], Iterable[bytes]]


class CompressOnce:
    def __init__(self, app: Wsgi, enabled: bool = True, path: str = "/socket.io"):
        self.app = app
        self.enabled = enabled
        self.path = path

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(self.path):
            offer = environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
            if offer and self.enabled:
                environ[OFFER] = offer
        return self.app(environ, start_response)
