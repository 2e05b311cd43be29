"""Where services announce changes after they commit. The app plugs Socket.IO in here;
the CLI leaves the no-op default."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)
_emitters: list[Callable[[str, Any], None]] = []
_in_order = threading.RLock()


def connect(emitter: Callable[[str, Any], None]) -> None:
    """Send every published (event, payload) to `emitter` as well."""
    _emitters.append(emitter)


def disconnect_all() -> None:
    _emitters.clear()


def publish(event: str, payload: Any) -> None:
    """Announce a committed change to every connected emitter; never raises."""
    for emit in list(_emitters):
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
    with _in_order:
        session.commit()  # nothing to write: ends any read snapshot taken before the lock
        yield
