"""The rehearsal's venue: real `kejurda serve` and `kejurda agent` processes on one
database, the tokens of every role, and a TCP proxy that drops the agents' Wi-Fi."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import click
import requests
from click.testing import CliRunner

ROLES = ("agent", "timekeeper", "admin", "judge")


class RehearsalError(Exception):
    """A step of the rehearsal could not be done; its message says which."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


COMMANDS: list[click.Group] = []  # the `kejurda` group, given by `kejurda rehearse`


def kejurda(*args: str, stdin: str | None = None) -> str:
    """Run one `kejurda` command in this process, as the organiser types it; its
    output, or RehearsalError with the command's own error line."""
    result = CliRunner().invoke(COMMANDS[0], list(args), input=stdin)
    if result.exit_code != 0:
        reason = (str(result.exception) if result.exception and not isinstance(
            result.exception, SystemExit) else result.output.strip().splitlines()[-1:])
        raise RehearsalError(f"kejurda {' '.join(args[:2])}: {reason}")
    return result.output


@dataclass
class Proc:
    """A background process writing to its own log file (read by the log check)."""

    args: list[str]
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    popen: subprocess.Popen | None = None

    def start(self) -> Proc:
        env = dict(os.environ, PYTHONUNBUFFERED="1", **self.env)
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(self.args, stdout=out, stderr=subprocess.STDOUT,
                                          env=env)
        return self

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.alive():
            self.popen.send_signal(sig)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)


@dataclass
class Venue:
    """The server and its agents, on a SQLite file in the rehearsal's folder."""

    folder: Path
    db_url: str
    port: int = field(default_factory=free_port)
    tokens: dict[str, str] = field(default_factory=dict)
    server: Proc | None = None
    agents: dict[str, Proc] = field(default_factory=dict)
    restarts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def create_tokens(self) -> None:
        for role in ROLES:
            out = kejurda("token", "create", "--role", role, "--name", f"gladi-{role}",
                          "--db", self.db_url)
            self.tokens[role] = out.strip().splitlines()[-1]

    def start_server(self) -> None:
        """`kejurda serve`; returns once it answers (the log is appended across restarts)."""
        env = {"KEJURDA_INSTANCE": str(self.folder / "instance"),
               "KEJURDA_SECRET_KEY": "gladi-" + self.folder.name,
               "KEJURDA_REGISTRATION_LIMIT": "100000 per hour",
               "KEJURDA_LOGIN_LIMIT": "1000 per minute"}
        self.server = Proc([sys.executable, "-m", "scoreboard.cli", "serve", "--port",
                            str(self.port), "--db", self.db_url], self.folder / "server.log",
                           env).start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/api/v1/categories", timeout=2).ok:
                    return
            if not self.server.alive():
                raise RehearsalError("the server exited at start (see server.log)")
            time.sleep(0.1)
        raise RehearsalError("the server did not answer within 60 s")

    def restart_server(self, sig: int = signal.SIGKILL) -> None:
        """The server killed (power cut: -9) and started again on the same database."""
        self.server.stop(sig)
        self.restarts += 1
        self.start_server()

    def start_agent(self, name: str, *args: str, server_url: str | None = None) -> Proc:
        proc = Proc([sys.executable, "-m", "scoreboard.cli", "agent", "--server",
                     server_url or self.url, "--data-dir", str(self.folder / f"agent-{name}"),
                     "--name", name, *args], self.folder / f"agent-{name}.log",
                    {"KEJURDA_TOKEN": self.tokens["agent"]}).start()
        self.agents[name] = proc
        return proc

    def stop_all(self) -> None:
        for proc in self.agents.values():
            proc.stop()
        if self.server is not None:
            self.server.stop()

    def api(self, method: str, path: str, role: str = "timekeeper", retry: float = 60,
            **kwargs) -> requests.Response:
        """One API call as `role`; a refused connection (server restarting) is retried
        for up to `retry` seconds: the desk's tablet keeps trying too."""
        headers = {"Authorization": f"Bearer {self.tokens[role]}", **kwargs.pop("headers", {})}
        deadline = time.monotonic() + retry
        while True:
            try:
                return requests.request(method, f"{self.url}/api/v1{path}", headers=headers,
                                        timeout=30, **kwargs)
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)


class WifiProxy:
    """A TCP relay between agents and the server whose `cut()` drops every connection at
    once (the venue's Wi-Fi gone for a moment); `delay_s` holds every chunk back."""

    def __init__(self, upstream_port: int, delay_s: float = 0.0) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.delay_s = delay_s
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._conns: list[socket.socket] = []
        self.cuts = 0
        self.blocked = False
        threading.Thread(target=self._accept, name="wifi-accept", daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cut(self) -> int:
        """Close every relayed connection; how many were cut."""
        with self._lock:
            conns, self._conns = self._conns, []
        for s in conns:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                s.close()
        self.cuts += bool(conns)
        return len(conns) // 2

    def block(self) -> None:
        """Out of reach: everything cut, new connections refused until `unblock()`."""
        self.blocked = True
        self.cut()

    def unblock(self) -> None:
        self.blocked = False

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._listener.close()
        self.cut()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.blocked:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                if self.delay_s:
                    time.sleep(self.delay_s)
                dst.sendall(data)
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
