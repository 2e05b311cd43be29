"""A private nginx for tests and benchmarks: Debian's binary, our generated configuration,
free ports, its own temp folders and pid file, run as a foreground child process."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from scoreboard.nginx import standalone

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def require_nginx() -> None:
    """Skip where Debian's nginx is not installed (CI installs it: .ci/run), fail in CI."""
    if Path(NGINX).exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{NGINX} is missing in CI: .ci/run must install Debian's nginx")
    pytest.skip(f"{NGINX} not installed (apt-get install -y nginx)")


class Nginx:
    def __init__(self, run_dir: Path, port: int, backends: list[str]) -> None:
        self.run_dir = run_dir
        self.port = port
        run_dir.mkdir(parents=True, exist_ok=True)
        self.conf = run_dir / "nginx.conf"
        self.conf.write_text(standalone(f"127.0.0.1:{port}", backends, str(run_dir)))
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Nginx:
        self.proc = subprocess.Popen([NGINX, "-c", str(self.conf), "-p", str(self.run_dir),
                                      "-e", str(self.run_dir / "error.log")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                assert self.proc.poll() is None, self.errors()
                assert time.monotonic() < deadline, self.errors()
                time.sleep(0.05)

    def errors(self) -> str:
        log = self.run_dir / "error.log"
        return log.read_text() if log.exists() else ""

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: nginx's fast shutdown
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
