"""Where services announce changes after they commit. The app plugs Socket.IO in here;
the CLI leaves the no-op default."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
_emitters: list[Callable[[str, Any], None]] = []


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
