"""A small TCP proxy between an agent and the server, to cut or block the wire on demand.

``cut()`` closes every open connection at once (a dropped socket: Wi-Fi gone, a switch
rebooted); ``block()`` also refuses new ones until ``unblock()`` (the server unreachable).
"""

from __future__ import annotations

import contextlib
import socket
import threading


class TcpProxy:
    """Listens on 127.0.0.1:<port> and relays each connection to ``upstream``."""

    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._conns: list[socket.socket] = []
        self._blocked = False
        self._closed = False
        self.accepted = 0
        self.refused = 0
        self.cuts = 0
        threading.Thread(target=self._accept, name="proxy-accept", daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def connections(self) -> int:
        """Connections relayed right now."""
        with self._lock:
            return len(self._conns) // 2

    def cut(self) -> int:
        """Close every open connection (both sides); returns how many were cut."""
        with self._lock:
            conns, self._conns = self._conns, []
        for s in conns:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                s.close()
        if conns:
            self.cuts += 1
        return len(conns) // 2

    def block(self) -> None:
        """Cut everything and refuse new connections until ``unblock()``."""
        with self._lock:
            self._blocked = True
        self.cut()

    def unblock(self) -> None:
        with self._lock:
            self._blocked = False

    def close(self) -> None:
        self._closed = True
        self.block()
        with contextlib.suppress(OSError):
            self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                blocked = self._blocked
            if blocked:
                self.refused += 1
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
                server.settimeout(None)
            except OSError:
                self.refused += 1
                client.close()
                continue
            self.accepted += 1
            with self._lock:
                self._conns += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
            with self._lock:
                for s in (src, dst):
                    if s in self._conns:
                        self._conns.remove(s)
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.close()
