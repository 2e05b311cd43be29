"""`kejurda serve --workers N`: N server processes behind one reverse proxy.

Worker i listens on `--port + i` (each a whole `kejurda serve`: gunicorn, its own thread
pool, its own Socket.IO server). They share the database (PostgreSQL) and broadcast through
Flask-SocketIO's Redis message queue, so a run finished through one worker reaches the
screens on every worker. A Socket.IO client must stay on one worker for its session (the
long-polling fallback is several requests), so the proxy in front keeps each browser on one
worker: `kejurda nginx-config` writes that nginx configuration (docs/deployment.md).

This process only supervises: it starts the workers, restarts one that dies (its viewers
have meanwhile reconnected to another worker through the proxy), and stops them all on
SIGTERM or Ctrl+C. Duties that must run once (run expiry, backups) run in whichever worker
holds the duty lock (scoreboard/duties.py).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time

from scoreboard import config as cfg
from scoreboard.app import get_db
from scoreboard.errors import KejurdaError
from scoreboard.gunicorn_app import die_with_parent
from scoreboard.server import build, check_port
from scoreboard.tls import server_context

log = logging.getLogger(__name__)
RESTART_PAUSE_S = 1.0


def worker_ports(port: int, workers: int) -> list[int]:
    """The port of each worker: `port`, `port + 1`, ..."""
    return [port + i for i in range(workers)]


def run_workers(host: str, port: int, workers: int, db_url: str, event_file: str | None,
                tls_cert: str | None, tls_key: str | None) -> None:
    """Start `workers` server processes and keep them running until SIGTERM/SIGINT."""
    if not cfg.message_queue():
        raise KejurdaError("--workers: several workers need the Redis message queue; set "
                           "KEJURDA_SOCKETIO_MESSAGE_QUEUE=redis://... "
                           "(beberapa worker memerlukan Redis)")
    if db_url.startswith("sqlite"):
        log.warning("--workers with SQLite: every worker writes one file; PostgreSQL is "
                    "the database for several workers")
    ports = worker_ports(port, workers)
    if ports[-1] > 65535:
        raise KejurdaError(f"--workers: ports {ports[0]}-{ports[-1]} do not all exist")
    for p in ports:
        check_port(host, p)
    server_context(tls_cert, tls_key)  # a bad file fails before anything starts
    app = build(db_url, event_file, {"KEJURDA_DUTIES": False})  # migrate and load once
    get_db(app).dispose()
    extra = ["--tls-cert", tls_cert, "--tls-key", tls_key] if tls_cert else []
    commands = [[sys.executable, "-m", "scoreboard.cli", "serve", "--host", host,
                 "--port", str(p), "--db", db_url, *extra] for p in ports]
    Supervisor(commands).run()


class Supervisor:
    """Keeps one child process per command alive; stops them all on SIGTERM/SIGINT."""

    def __init__(self, commands: list[list[str]]) -> None:
        self.commands = commands
        self.procs: list[subprocess.Popen | None] = [None] * len(commands)
        self.stopping = threading.Event()

    def _start(self, i: int) -> None:
        # each worker in its own process group: a terminal's Ctrl+C reaches this process,
        # which then stops the workers in order (and no worker sees it twice); a supervisor
        # that is killed takes its workers with it
        parent = os.getpid()
        self.procs[i] = subprocess.Popen(self.commands[i], start_new_session=True,
                                         preexec_fn=lambda: die_with_parent(parent))
        log.info("worker %d started (pid %d, port %s)", i, self.procs[i].pid,
                 self.commands[i][self.commands[i].index("--port") + 1])

    def run(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.stopping.set())
        for i in range(len(self.commands)):
            self._start(i)
        while not self.stopping.wait(0.2):
            for i, proc in enumerate(self.procs):
                if proc is not None and proc.poll() is not None and not self.stopping.is_set():
                    log.warning("worker %d (pid %d) ended with %s; starting it again", i,
                                proc.pid, proc.returncode)
                    time.sleep(RESTART_PAUSE_S)
                    self._start(i)
        self.stop()

    def stop(self) -> None:
        for proc in self.procs:
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.procs:
            if proc is None:
                continue
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
