"""Where services announce changes after they commit. Each app plugs its own Socket.IO in
here (its `scoreboard.live.Live`); without an app (the CLI) nothing listens."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask

from scoreboard.live import live

log = logging.getLogger(__name__)


def connect(emitter: Callable[[str, Any], None], app: Flask | None = None,
            first: bool = False) -> None:
    """Send every (event, payload) that `app` (default: the current app) publishes to
    `emitter` as well; `first`: before every emitter connected so far."""
    emitters = live(app).emitters
    if first:
        emitters.insert(0, emitter)
    else:
        emitters.append(emitter)


def disconnect_all(app: Flask | None = None) -> None:
    """Stop sending `app`'s (default: the current app's) announcements anywhere."""
    live(app).emitters.clear()


def publish(event: str, payload: Any) -> None:
    """Announce a committed change to every connected emitter; never raises."""
    for emit in list(live().emitters):
        try:
            emit(event, payload)
        except Exception:  # a broken display must never undo a stored result
            log.exception("publish %s failed", event)


@contextmanager
def read_then_publish(session: Any) -> Iterator[None]:
    """Hold this around reading a derived state (a ranking, a bracket) and publishing it.

    Two commits close together in one category (two judges saving at once, a start edge
    and an arm) each publish the ranking they read; without an order, the one read first
    could be sent last and the screens would keep the older table. Under this lock the
    last one sent is the last one read, and each read starts after the lock is taken (the
    session's earlier read snapshot is closed first), so it sees every commit before it.
    Callers have committed their own change already.
    """
    with live().publish_order:
        session.commit()  # nothing to write: ends any read snapshot taken before the lock
        yield
