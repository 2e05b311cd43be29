"""`kejurda standby` and `kejurda promote` (CONTRACT §1; docs/data-safety.md).

The standby process writes `<instance>/standby.json` (its pid, state and the address it
will serve on). `kejurda promote` signals it (SIGUSR1); it catches up one last time if
the primary still answers, marks its database promoted and starts serving in the same
process, on the `--host`/`--port` given to `kejurda standby`.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
import urllib.request
from pathlib import Path

import click

from scoreboard import config as cfg
from scoreboard.db import Database
from scoreboard.errors import KejurdaError
from scoreboard.server import check_port, run_server
from scoreboard.services.standby import Standby

log = logging.getLogger(__name__)
db_option = click.option("--db", "db_url", default=None, metavar="URL",
                         help="Database URL (default: env KEJURDA_DATABASE_URL, else instance/kejurda.db).")


def state_file() -> Path:
    return cfg.instance_dir() / "standby.json"


def _write_state(**state) -> None:
    path = state_file()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state))
    os.replace(tmp, path)


def _token(token: str | None, token_file: str | None) -> str:
    if token_file:
        return Path(token_file).read_text().strip()
    token = token or cfg.setting("KEJURDA_TOKEN")
    if not token:
        raise KejurdaError("token: give --token, --token-file or env KEJURDA_TOKEN "
                           "(an admin token of the primary)")
    return token


@click.command()
@click.option("--primary", required=True, metavar="URL", help="The primary server, e.g. http://10.0.0.2:5000")
@click.option("--token", default=None, help="An admin token of the primary (or env KEJURDA_TOKEN).")
@click.option("--token-file", default=None, type=click.Path(dir_okay=False, exists=True))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on once promoted.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--poll", "poll_s", default=0.2, show_default=True, type=click.FloatRange(0.05, 10))
@click.option("--force", is_flag=True, help="Start over on a database that holds data.")
@db_option
def standby(primary: str, token: str | None, token_file: str | None, host: str, port: int,
            poll_s: float, force: bool, db_url: str | None) -> None:
    """Follow PRIMARY continuously; `kejurda promote` makes this the server."""
    logging.getLogger().setLevel(logging.INFO)
    secret = _token(token, token_file)
    url = cfg.database_url(db_url)
    check_port(host, port)  # the address it will serve on must be free before we promise it
    db = Database(url)
    follower = Standby(primary, secret, db, poll_s=poll_s)
    follower.prepare(force=force)
    promote, stop = threading.Event(), threading.Event()
    signal.signal(signal.SIGUSR1, lambda *_: (promote.set(), stop.set()))
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    _write_state(pid=os.getpid(), state="following", url=f"http://{host}:{port}",
                 primary=primary)
    click.echo(f"standby following {primary}; `kejurda promote` serves on http://{host}:{port}",
               err=True)
    worker = threading.Thread(target=follower.run, args=(stop,), name="standby", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:
        stop.set()
        worker.join(5)
    if not promote.is_set():
        state_file().unlink(missing_ok=True)
        return
    _write_state(pid=os.getpid(), state="promoting", url=f"http://{host}:{port}", primary=primary)
    follower.promote()
    db.dispose()
    _write_state(pid=os.getpid(), state="serving", url=f"http://{host}:{port}", primary=primary)
    log.info("promoted: serving on http://%s:%s", host, port)
    run_server(host, port, url)


@click.command()
@click.option("--wait", "wait_s", default=60.0, show_default=True, type=click.FloatRange(1, 3600),
              help="Seconds to wait for the promoted server to answer.")
def promote(wait_s: float) -> None:
    """Make the standby running on this machine the server (KEJURDA_INSTANCE picks which)."""
    path = state_file()
    try:
        state = json.loads(path.read_text())
        pid = int(state["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        raise KejurdaError(f"standby: none is running here (no {path}); "
                           "start one with `kejurda standby --primary URL`") from None
    if state.get("state") == "serving":
        raise KejurdaError(f"standby: already promoted; serving on {state.get('url')}")
    try:
        os.kill(pid, signal.SIGUSR1)
    except ProcessLookupError:
        raise KejurdaError(f"standby: process {pid} is not running (stale {path})") from None
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            current = json.loads(path.read_text())
        except (OSError, ValueError):
            current = {}
        if current.get("state") == "serving":
            try:
                with urllib.request.urlopen(current["url"] + "/api/v1/categories", timeout=1):
                    click.echo(f"promoted: serving on {current['url']}")
                    return
            except OSError:
                pass
        time.sleep(0.1)
    raise KejurdaError(f"standby: promoted, but {state.get('url')} did not answer within "
                       f"{wait_s:.0f} s; see the standby's log")


# run by name from scoreboard/cli.py, which loads this module only for these commands
COMMANDS = {"standby": standby, "promote": promote}
