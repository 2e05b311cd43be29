"""Automatic backups while the server runs, their rotation, and their health for the pages.

Settings (app config or environment, see docs/data-safety.md):
- `KEJURDA_BACKUP_DIR`: the folder (a USB stick, a second disk); default `<instance>/backups`.
- `KEJURDA_BACKUP_EVERY_MIN`: a backup at least this often (default 5); `0` turns the
  automatic backups off.
- `KEJURDA_BACKUP_MIN_GAP_S`: after committed results, a backup follows within this many
  seconds; several results in that time share one backup (default 10).
- `KEJURDA_BACKUP_KEEP`: how many of the newest backups are always kept (default 50);
  besides them the newest of every hour of the last two days and of every day are kept.
- `KEJURDA_BACKUP_WARN_MIN`: the pages warn when the newest verified backup is older than
  this (default: three times the interval, at least 15).

A backup that fails (full disk, missing folder, failed check) is logged, shown on the
pages as a warning and retried at the next occasion; the server keeps serving.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from scoreboard.config import instance_dir, upload_dir
from scoreboard.config import setting as cfg_setting
from scoreboard.services import backup, publish

log = logging.getLogger(__name__)
RESULT_EVENTS = frozenset({"run", "ranking", "match", "judging_state"})
HOURLY_FOR = timedelta(days=2)
STALE_PART_S = 3600
LEADER_CHECK_S = 1.0  # a process without the duty lock asks again this often


def setting(config: dict[str, Any] | None, key: str, default: Any = None) -> Any:
    """A backup setting from the app config, else the environment, else `default`."""
    value = (config or {}).get(key)
    if value in (None, ""):
        value = cfg_setting(key)
    return default if value in (None, "") else value


def backup_folder(config: dict[str, Any] | None = None) -> Path:
    return Path(setting(config, "KEJURDA_BACKUP_DIR") or instance_dir() / "backups")


def upload_folder(config: dict[str, Any] | None = None) -> Path:
    """Where uploaded files are kept (scoreboard/config.py `upload_dir`)."""
    return upload_dir((config or {}).get("KEJURDA_UPLOAD_DIR"))


def to_delete(names: Iterable[str], now: datetime, keep: int) -> list[str]:
    """The backup files that rotation removes: all but the newest `keep`, the newest of
    each hour of the last two days and the newest of each day."""
    dated = sorted(((backup.parse_name(n), n) for n in names if backup.parse_name(n)),
                   reverse=True)
    kept = {n for _, n in dated[:keep]}
    hours: set[str] = set()
    days: set[str] = set()
    for when, name in dated:  # newest first: the first seen in a bucket is its newest
        day, hour = when.strftime("%Y%m%d"), when.strftime("%Y%m%d%H")
        if day not in days:
            days.add(day)
            kept.add(name)
        if hour not in hours and now - when <= HOURLY_FOR:
            hours.add(hour)
            kept.add(name)
    return [n for _, n in dated if n not in kept]


class BackupDuty:
    """One server's automatic backups: a thread that writes, verifies and rotates them."""

    def __init__(self, engine, folder: Path, upload_dir: Path | None, every_s: float,
                 min_gap_s: float = 10.0, keep: int = 50, warn_after_s: float | None = None,
                 leader: Callable[[], bool] | None = None):
        self.engine = engine
        # several server processes on one database: only the one for which `leader()` is
        # true (the holder of the duty lock, scoreboard/duties.py) writes the backups
        self.leader = leader
        self.folder = Path(folder)
        self.upload_dir = upload_dir
        self.every_s = every_s
        self.min_gap_s = min_gap_s
        self.keep = keep
        self.warn_after_s = warn_after_s or max(3 * every_s, 900.0)
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.last_attempt = 0.0
        self.last_error: str | None = None
        self.last_error_code: str | None = None
        self.last_path: Path | None = None
        self.last_seconds: float | None = None
        self.written = 0
        self.failed = 0

    def notify(self, event: str = "ranking", _payload: Any = None) -> None:
        """A result was committed: a backup follows within `min_gap_s`."""
        if event in RESULT_EVENTS:
            self._dirty.set()

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._loop, name="backups", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()
        self._dirty.set()

    def _loop(self) -> None:
        self.last_attempt = time.monotonic() - self.every_s  # the first one comes at once
        while not self._stop.is_set():
            if self.leader is not None and not self.leader():
                self._stop.wait(LEADER_CHECK_S)
                continue
            since = time.monotonic() - self.last_attempt
            if since >= self.every_s or (self._dirty.is_set() and since >= self.min_gap_s):
                self._dirty.clear()
                self.run_once()
                continue
            wait = self.every_s - since
            if self._dirty.is_set():
                wait = min(wait, self.min_gap_s - since)
                self._stop.wait(max(wait, 0.05))
            else:
                self._dirty.wait(max(wait, 0.05))

    def run_once(self) -> Path | None:
        """Write one backup now (unless another worker is writing one); never raises."""
        self.last_attempt = time.monotonic()
        with self._lock:
            try:
                handle = _folder_lock(self.folder)
            except OSError as exc:
                return self._failed(exc, f"backup folder: cannot use {self.folder} "
                                         f"({exc.strerror or exc})")
            if handle is None:
                return None  # another worker of this server is writing one right now
            try:
                if self._just_written():
                    return None
                started = time.monotonic()
                info = backup.write_backup(self.engine, self.folder, self.upload_dir)
                self.last_seconds = time.monotonic() - started
                self.last_path, self.last_error, self.last_error_code = info.path, None, None
                self.written += 1
                self.rotate()
                log.info("backup written and verified: %s (%d bytes, %.2f s)", info.path,
                         info.size, self.last_seconds)
                return info.path
            except backup.BackupError as exc:
                return self._failed(exc.__cause__ or exc, exc.message)
            except Exception as exc:  # a backup must never take the server down
                log.exception("backup failed unexpectedly")
                return self._failed(exc, f"backup: unexpected error ({exc})")
            finally:
                handle.close()

    def _just_written(self) -> bool:
        """Another worker on the same folder wrote one moments ago: that one serves."""
        latest = backup.latest_verified(self.folder)
        when = backup.parse_name(latest.name) if latest else None
        mine = self.last_path is not None and latest == self.last_path
        return (when is not None and not mine
                and (datetime.now(UTC) - when).total_seconds() < self.min_gap_s)

    def _failed(self, cause: BaseException, message: str) -> None:
        self.failed += 1
        self.last_error = message
        self.last_error_code = _error_code(cause, self.folder)
        log.warning("backup failed (%s): %s; the server keeps serving", self.last_error_code,
                    message)
        return None

    def rotate(self) -> list[str]:
        """Delete the backups rotation no longer keeps, and leftovers of failed writes."""
        names = [p.name for p in self.folder.iterdir()]
        gone = to_delete(names, datetime.now(UTC), self.keep)
        for name in gone:
            with suppress(OSError):
                (self.folder / name).unlink()
        for path in self.folder.glob(f".{backup.PREFIX}*.part"):
            with suppress(OSError):
                if time.time() - path.stat().st_mtime > STALE_PART_S:
                    path.unlink()
        return gone

    def status(self) -> dict[str, Any]:
        return folder_status(self.folder, self.warn_after_s, self)


def _error_code(cause: BaseException | None, folder: Path) -> str:
    if not folder.is_dir():
        return "missing"
    if isinstance(cause, OSError) and cause.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return "full"
    text = str(cause).lower()
    if "disk is full" in text or "no space" in text or "file too large" in text:
        return "full"
    return "failed"


def _folder_lock(folder: Path):
    """An exclusive lock on the folder's lock file, or None when another process holds it."""
    if not folder.is_dir():
        raise FileNotFoundError(errno.ENOENT, "no such folder", str(folder))
    handle = open(folder / ".kejurda-backup.lock", "a+")  # noqa: SIM115
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def folder_status(folder: Path, warn_after_s: float, duty: BackupDuty | None = None) -> dict:
    """What the pages show: the newest verified backup's age and any warnings.

    Warnings (codes): `missing` (no folder), `full` (the last try ran out of space),
    `failed` (the last try failed otherwise), `none` (no backup yet), `old` (the newest
    is older than `warn_after_s`).
    """
    folder = Path(folder)
    latest = backup.latest_verified(folder)
    when = backup.parse_name(latest.name) if latest else None
    age = (datetime.now(UTC) - when).total_seconds() if when else None
    warnings: list[str] = []
    if not folder.is_dir():
        warnings.append("missing")
    if duty is not None and duty.last_error_code and duty.last_error_code not in warnings:
        warnings.append(duty.last_error_code)
    if latest is None and "missing" not in warnings:
        warnings.append("none")
    elif age is not None and age > warn_after_s:
        warnings.append("old")
    free = None
    with suppress(OSError):
        free = shutil.disk_usage(folder).free
    return {"folder": str(folder), "latest": latest.name if latest else None,
            "latest_at": when.isoformat() if when else None,
            "age_s": int(age) if age is not None else None,
            "age_min": int(age // 60) if age is not None else None,
            "free_bytes": free, "warnings": warnings, "automatic": duty is not None,
            "error": duty.last_error if duty else None}


def install(app: Flask, leader: Callable[[], bool] | None = None) -> BackupDuty | None:
    """Start automatic backups for `app` (called once per server process); with `leader`,
    only while it answers true. A backup follows the results `app` publishes."""
    config = app.config
    every_min = float(setting(config, "KEJURDA_BACKUP_EVERY_MIN", 5))
    if every_min <= 0:
        return None
    folder = backup_folder(config)
    if not setting(config, "KEJURDA_BACKUP_DIR"):
        # only the default folder is made; a configured one (a USB stick) that is not
        # there is news for the pages, not something to paper over
        folder.mkdir(parents=True, exist_ok=True)
    warn = setting(config, "KEJURDA_BACKUP_WARN_MIN")
    duty = BackupDuty(app.extensions["kejurda_db"].engine, folder, upload_folder(config), every_min * 60,
                      float(setting(config, "KEJURDA_BACKUP_MIN_GAP_S", 10)),
                      int(setting(config, "KEJURDA_BACKUP_KEEP", 50)),
                      float(warn) * 60 if warn else None, leader)
    app.extensions["kejurda_backup"] = duty
    publish.connect(duty.notify, app)  # the app's live state, not the detached one
    duty.start()
    return duty


def page_status(app: Flask) -> dict[str, Any]:
    """The backup health for a page of `app` (with or without automatic backups running)."""
    duty = app.extensions.get("kejurda_backup")
    if duty is not None:
        return duty.status()
    every_min = float(setting(app.config, "KEJURDA_BACKUP_EVERY_MIN", 5))
    warn = setting(app.config, "KEJURDA_BACKUP_WARN_MIN")
    warn_s = float(warn) * 60 if warn else max(3 * every_min * 60, 900.0)
    return folder_status(backup_folder(app.config), warn_s, None)
