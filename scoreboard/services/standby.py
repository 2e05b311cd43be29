"""A warm standby: follows a primary's change feed into its own database until promoted.

`kejurda standby --primary URL --token T` (an admin token of the primary) copies the
primary once (`/api/v1/replication/snapshot`), then asks `/api/v1/replication/changes`
every `poll_s` seconds and applies each batch in one transaction together with its place
in the feed (`replication_cursor`), so a standby that stops and starts again goes on
where it was. `kejurda promote` makes it stop following and serve (docs/data-safety.md).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from scoreboard.db import Database
from scoreboard.errors import KejurdaError
from scoreboard.models import ReplicationCursor
from scoreboard.services import replication, tables

log = logging.getLogger(__name__)
BATCH = 2000
REPORT_EVERY_S = 10.0


class StandbyRefused(KejurdaError):
    """The standby cannot start on this database (or with this primary)."""


class PrimaryUnreachable(KejurdaError):
    """The primary did not answer (yet): the follower keeps trying; at start it is an error."""


class Standby:
    """Follows one primary into `db`."""

    def __init__(self, primary: str, token: str, db: Database, poll_s: float = 0.2,
                 timeout_s: float = 5.0):
        self.primary = primary.rstrip("/")
        self.token = token
        self.db = db
        self.poll_s = poll_s
        self.timeout_s = timeout_s
        self.cursor = 0
        self.newest = 0
        self.caught_up_at: float | None = None
        self.applied = 0
        self._last_report = 0.0

    # -- talking to the primary ------------------------------------------------------------

    def _get(self, path: str, timeout: float | None = None) -> dict[str, Any]:
        request = urllib.request.Request(self.primary + path, headers={
            "Authorization": f"Bearer {self.token}", "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout_s) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            try:
                reason = json.loads(exc.read()).get("error", exc.reason)
            except ValueError:
                reason = exc.reason
            if exc.code in (401, 403):
                raise StandbyRefused(f"primary: {self.primary} refused the token ({reason}); "
                                     "an admin token of the primary is needed") from None
            raise PrimaryUnreachable(f"primary: {self.primary} answered HTTP {exc.code} "
                                     f"({reason})") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise PrimaryUnreachable(f"primary: {self.primary} does not answer "
                                     f"({getattr(exc, 'reason', exc)})") from None

    # -- following ---------------------------------------------------------------------------

    def prepare(self, force: bool = False) -> None:
        """Resume from the stored cursor, or take a first copy of the primary."""
        with self.db.transaction() as session:
            state = session.scalar(select(ReplicationCursor).where(ReplicationCursor.id == 1))
            if state is not None and state.promoted_at is not None:
                raise StandbyRefused("database: it was promoted to primary and follows no one; "
                                     "use an empty database for a new standby")
            if state is not None and state.primary_url == self.primary and not force:
                self.cursor = int(state.last_change)
                log.info("standby resumes following %s from change %d", self.primary,
                         self.cursor)
                return
            if state is None and not tables.is_empty(self.db.engine) and not force:
                raise StandbyRefused("database: it already holds a championship; a standby "
                                     "starts on an empty database (or add --force)")
        first = self._get("/api/v1/replication/snapshot", timeout=max(self.timeout_s, 120))
        written = replication.apply(self.db.engine, first, replace_all=True)
        self.cursor = int(first["last"])
        self._store_cursor()
        log.info("standby copied %d rows from %s; following from change %d", written,
                 self.primary, self.cursor)

    def _store_cursor(self, promoted: bool = False) -> None:
        with self.db.transaction() as session:
            state = session.get(ReplicationCursor, 1)
            if state is None:
                state = ReplicationCursor(id=1, primary_url=self.primary)
                session.add(state)
            state.primary_url = self.primary
            state.last_change = self.cursor
            state.updated_at = datetime.now(UTC)
            if promoted:
                state.promoted_at = datetime.now(UTC)

    def follow_once(self, timeout: float | None = None) -> int:
        """Fetch and apply the changes after the cursor (at most one batch); rows written."""
        feed = self._get(f"/api/v1/replication/changes?after={self.cursor}&limit={BATCH}",
                         timeout=timeout)
        written = 0
        if int(feed["last"]) > self.cursor:
            written = replication.apply(self.db.engine, feed)
            self.cursor = int(feed["last"])
            self._store_cursor()
            self.applied += written
        self.newest = int(feed.get("newest", self.cursor))
        if self.cursor >= self.newest:
            self.caught_up_at = time.monotonic()
        return written

    def run(self, stop: threading.Event) -> None:
        """Follow until `stop` is set; an unreachable primary is retried, never fatal."""
        down_since: float | None = None
        while not stop.is_set():
            try:
                self.follow_once()
                if down_since is not None:
                    log.info("primary %s answers again", self.primary)
                down_since = None
            except PrimaryUnreachable as exc:
                if down_since is None:
                    down_since = time.monotonic()
                    log.warning("primary %s does not answer (%s); still trying; "
                                "`kejurda promote` makes this standby the server",
                                self.primary, exc)
                stop.wait(0.5)
                continue
            self._report()
            if self.cursor >= self.newest:
                stop.wait(self.poll_s)

    def _report(self) -> None:
        now = time.monotonic()
        if now - self._last_report >= REPORT_EVERY_S:
            self._last_report = now
            log.info("standby at change %d of %d (%d rows applied)", self.cursor, self.newest,
                     self.applied)

    def promote(self) -> None:
        """Catch up once more if the primary still answers, then stop following for good."""
        try:
            while self.follow_once(timeout=1.0):
                pass
        except (PrimaryUnreachable, StandbyRefused):
            pass
        self._store_cursor(promoted=True)
        replication.install_triggers(self.db.engine)
        log.info("standby promoted at change %d", self.cursor)
