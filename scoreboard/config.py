"""Installation settings: defaults, `KEJURDA_*` environment variables, the instance folder.

This is the only module of the scoreboard that reads a `KEJURDA_*` environment variable
(hardware/settings.py is the agent's counterpart); every one is listed in
docs/configuration.md. tests/test_configuration.py fails on a setting read elsewhere or
left undocumented.
"""

from __future__ import annotations

import os
from pathlib import Path

from scoreboard.errors import KejurdaError

ROLES_TOKEN = ("admin", "timekeeper", "judge", "agent")
ROLES_USER = ("admin", "head_judge", "judge", "timekeeper", "inspector")


def private_dir(path: Path) -> Path:
    """`path` as a folder only its owner may enter (0700), created if missing: the
    instance folder, uploads and backups hold pupils' data and secrets."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if _ours_and_open(path):
        path.chmod(0o700)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write a new file that only its owner may read (0600 from its first byte on)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(path, 0o600)  # O_CREAT's mode applies to new files only


def private_file(path: Path) -> None:
    """Create `path` empty and 0600 if missing; tighten it to 0600 if it is ours."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
    except FileExistsError:
        if _ours_and_open(path):
            path.chmod(0o600)


def _ours_and_open(path: Path) -> bool:
    # only our own files are tightened; someone else's is theirs to set
    info = path.stat()
    return bool(info.st_mode & 0o077) and info.st_uid == os.getuid()


def instance_dir() -> Path:
    """The installation's own folder (database, secret key), created on first use."""
    return private_dir(Path(os.environ.get("KEJURDA_INSTANCE", Path.cwd() / "instance")))


def database_url(cli_value: str | None = None) -> str:
    """`--db`, else env `KEJURDA_DATABASE_URL`, else a SQLite file in the instance folder."""
    if cli_value:
        return cli_value
    env = os.environ.get("KEJURDA_DATABASE_URL")
    if env:
        return env
    return f"sqlite:///{instance_dir() / 'kejurda.db'}"


def secret_key_override() -> str | None:
    """Env `KEJURDA_SECRET_KEY` when set; otherwise the database keeps the key that every
    server and worker on it shares (scoreboard/secret.py)."""
    return os.environ.get("KEJURDA_SECRET_KEY") or None


def message_queue() -> str | None:
    """`KEJURDA_SOCKETIO_MESSAGE_QUEUE`: the Redis URL several server processes share
    broadcasts through (None: one process, no queue)."""
    return os.environ.get("KEJURDA_SOCKETIO_MESSAGE_QUEUE") or None


def server_threads() -> int:
    """`KEJURDA_THREADS`: the most requests one server process handles at once (one OS
    thread each; a direct WebSocket holds none: scoreboard/wshub.py). A ceiling, not a cost."""
    threads = _int("KEJURDA_THREADS", 4000)
    if threads < 1:
        raise KejurdaError(f"KEJURDA_THREADS: must be at least 1, got {threads}")
    return threads


def server_loglevel() -> str:
    """`KEJURDA_SERVER_LOGLEVEL`: what gunicorn itself logs (default: warnings and worse)."""
    return os.environ.get("KEJURDA_SERVER_LOGLEVEL") or "warning"


# Settings read where the app config is not at hand (a command line, the backup duty's
# defaults), each through `setting` below; docs/configuration.md describes them.
LOOSE_SETTINGS = ("KEJURDA_TOKEN", "KEJURDA_BACKUP_DIR", "KEJURDA_BACKUP_EVERY_MIN",
                  "KEJURDA_BACKUP_MIN_GAP_S", "KEJURDA_BACKUP_KEEP", "KEJURDA_BACKUP_WARN_MIN",
                  "KEJURDA_UPLOAD_DIR")


def upload_dir(configured: str | os.PathLike | None = None) -> Path:
    """Where uploaded files are kept (payment proofs, photos, slides): `configured` (the
    app's `KEJURDA_UPLOAD_DIR`), else env `KEJURDA_UPLOAD_DIR`, else `<instance>/uploads`;
    never under the static folder."""
    value = configured or setting("KEJURDA_UPLOAD_DIR")
    return Path(value) if value else instance_dir() / "uploads"


def setting(name: str) -> str | None:
    """One of `LOOSE_SETTINGS` from the environment as text (None when unset)."""
    if name not in LOOSE_SETTINGS:
        raise ValueError(f"{name}: not a setting read outside the app config")
    return os.environ.get(name)


def debug() -> bool:
    """`KEJURDA_DEBUG=1`: the command line shows a bug's traceback instead of one line."""
    return bool(os.environ.get("KEJURDA_DEBUG"))


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    try:
        return default if value in (None, "") else int(value)
    except ValueError:
        raise KejurdaError(f"{name}: must be a whole number, got {value!r}") from None


def _float(name: str, default: float) -> float:
    value = os.environ.get(name)
    try:
        return default if value in (None, "") else float(value)
    except ValueError:
        raise KejurdaError(f"{name}: must be a number, got {value!r}") from None


def default_config(db_url: str | None = None) -> dict:
    """The app's settings: these defaults, each overridden by its environment variable."""
    env = os.environ.get
    duties = env("KEJURDA_DUTIES", "")
    return {
        "DATABASE_URL": database_url(db_url),
        "SECRET_KEY": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "id",
        # how often the server looks for runs past their time limit
        "KEJURDA_EXPIRE_INTERVAL_S": _float("KEJURDA_EXPIRE_INTERVAL_S", 0.25),
        # a finish edge still in flight from an agent gets this long before the server
        # times out a run on its own clock
        "KEJURDA_EXPIRE_GRACE_S": _float("KEJURDA_EXPIRE_GRACE_S", 2.0),
        # how often each server process asks the database whether the tokens of its open
        # /timing connections were revoked (scoreboard/sockets.py RevokeWatch)
        "KEJURDA_TOKEN_CHECK_S": _float("KEJURDA_TOKEN_CHECK_S", 1.0),
        # background duties (run expiry, backups) start with the app under any WSGI server;
        # None: on unless TESTING (scoreboard/duties.py)
        "KEJURDA_DUTIES": None if duties == "" else duties not in ("0", "false", "False"),
        # a category's ranking after a gate edge follows its run this much later, once for
        # every edge in between (services/publish.py Soon); None: 0.25 s, 0 under TESTING
        "KEJURDA_RANKING_DELAY_S": None if env("KEJURDA_RANKING_DELAY_S", "") == "" else _float(
            "KEJURDA_RANKING_DELAY_S", 0.25),
        # set by `kejurda demo` only (arms the next team on every free track)
        "KEJURDA_DEMO_AUTOARM": False,
        # scale-out: several server processes share broadcasts through this queue (Redis)
        "KEJURDA_SOCKETIO_MESSAGE_QUEUE": message_queue(),
        # permessage-deflate on /live WebSockets, each broadcast compressed once for every
        # client that offers it (scoreboard/wsdeflate.py); 0: plain frames only
        "KEJURDA_WS_COMPRESSION": os.environ.get("KEJURDA_WS_COMPRESSION", "1") not in (
            "0", "false", "False", "off"),
        "KEJURDA_SOCKETIO_CHANNEL": os.environ.get("KEJURDA_SOCKETIO_CHANNEL"),
        # broadcasts framed once and written from the emitting thread (scoreboard/fanout.py);
        # KEJURDA_WS_FANOUT=0 restores one writer thread per client, for comparison
        "KEJURDA_WS_FANOUT": os.environ.get("KEJURDA_WS_FANOUT", "1") != "0",
        # KEJURDA_QUIET_GC=0 leaves a worker's full garbage collections to CPython
        "KEJURDA_QUIET_GC": os.environ.get("KEJURDA_QUIET_GC", "1") != "0",
        # Engine.IO's heartbeat: a screen that answers no ping for interval + timeout is
        # gone (its session ends, the hub of scoreboard/wshub.py closes its socket)
        "KEJURDA_PING_INTERVAL_S": _float("KEJURDA_PING_INTERVAL_S", 25.0),
        "KEJURDA_PING_TIMEOUT_S": _float("KEJURDA_PING_TIMEOUT_S", 20.0),
        # sign-in attempts per client address (Flask-Limiter syntax), web/limits.py
        "KEJURDA_LOGIN_LIMIT": env("KEJURDA_LOGIN_LIMIT", "10 per minute"),
        # failed sign-ins per account, from any address (web/limits.py)
        "KEJURDA_LOGIN_ACCOUNT_LIMIT": env("KEJURDA_LOGIN_ACCOUNT_LIMIT", "10 per 15 minutes"),
        # a signed-in session unused this long ends (web/security.py); default 12 h
        "KEJURDA_SESSION_IDLE_S": _float("KEJURDA_SESSION_IDLE_S", 12 * 3600),
        # origins besides the server's own whose pages may open Socket.IO (comma-separated)
        "KEJURDA_ALLOWED_ORIGINS": env("KEJURDA_ALLOWED_ORIGINS", ""),
        # the public registration form (web/registration.py): new entries and edits per
        # client address, the largest payment proof, the committee's WhatsApp number
        "KEJURDA_REGISTRATION_LIMIT": env("KEJURDA_REGISTRATION_LIMIT", "20 per hour"),
        "KEJURDA_REGISTRATION_EDIT_LIMIT": env("KEJURDA_REGISTRATION_EDIT_LIMIT", "60 per hour"),
        "KEJURDA_UPLOAD_MAX_BYTES": _int("KEJURDA_UPLOAD_MAX_BYTES", 2 * 1024 * 1024),
        "KEJURDA_COMMITTEE_WHATSAPP": env("KEJURDA_COMMITTEE_WHATSAPP", ""),
        # where payment proofs are kept (default <instance>/uploads, never under static/)
        "KEJURDA_UPLOAD_DIR": env("KEJURDA_UPLOAD_DIR"),
        # the projector: a live run holds a playlist's screen at most this long (or its live
        # scene's own seconds, if longer), so back-to-back runs never stop the rotation
        "KEJURDA_DISPLAY_LIVE_MAX_S": _int("KEJURDA_DISPLAY_LIVE_MAX_S", 60),
        # the admin's "Buat jadwal" button: how long (s) the solver may improve the greedy
        # plan while the page waits (the command line has --time-limit)
        "KEJURDA_SCHEDULE_TIME_LIMIT_S": _float("KEJURDA_SCHEDULE_TIME_LIMIT_S", 30.0),
    }
