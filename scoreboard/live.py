"""The live state of one app: what it publishes to, the agents connected to it, the locks
that order its changes, and its fan-out writer.

`create_app` builds one `Live` per app and keeps it in ``app.extensions["kejurda_live"]``,
so two apps in one process (tests, a standby next to a primary) never share a listener, an
agent list or a lock. Code running without an app (the command line, scripts) gets a
detached `Live`: nothing listens to what it publishes, and its locks order that one
process's changes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, has_app_context

Emitter = Callable[[str, Any], None]


@dataclass(eq=False)
class Live:
    """One app's live state (see the module's docstring)."""

    # where `services.publish.publish` sends each (event, payload): the app's Socket.IO
    emitters: list[Emitter] = field(default_factory=list)
    # read-then-publish of derived state (rankings, brackets) happens in commit order
    publish_order: threading.RLock = field(default_factory=threading.RLock)
    # one lock per kind of change: runs (edges, arm, abort, penalties), matches, scores
    run_lock: threading.RLock = field(default_factory=threading.RLock)
    match_lock: threading.RLock = field(default_factory=threading.RLock)
    score_lock: threading.RLock = field(default_factory=threading.RLock)
    # set by create_app: sockets.AgentRegistry, services.devices.ReportHistory,
    # fanout.Flusher (None when the fan-out is off)
    agents: Any = None
    reports: Any = None
    flusher: Any = None
    # services.publish.Soon, where rankings after gate edges are published a moment later
    soon: Any = None


_DETACHED = Live()


def live(app: Flask | None = None) -> Live:
    """The live state of `app`, else of the current app, else the detached one."""
    if app is not None:
        return app.extensions["kejurda_live"]
    if has_app_context():
        return current_app.extensions["kejurda_live"]
    return _DETACHED
