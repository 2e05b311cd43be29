"""scoreboard/gunicorn_app.py: what the worker does with the app it builds. The server's
life in real processes: tests/e2e/test_production_server.py."""

from __future__ import annotations

import gc

from engineio import packet as eio_packet

from scoreboard import collector as collector_module
from scoreboard import gunicorn_app
from scoreboard.app import create_app


def _server(tmp_path, **config) -> gunicorn_app.KejurdaServer:
    return gunicorn_app.KejurdaServer(lambda: create_app(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}", "SECRET_KEY": "t", **config}), {})


def test_the_worker_leaves_what_start_up_made_out_of_every_collection(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(gunicorn_app, "start_duties", started.append)
    server = _server(tmp_path)
    gc.unfreeze()
    thresholds = gc.get_threshold()
    app = None
    try:
        app = server.load()
        frozen = gc.get_freeze_count()
        collector = app.extensions["kejurda_collector"]
        taken = gc.get_threshold()
        before = collector.collections
        # the fan-out's broadcast is watched: while one is under way, none is quiet
        mark = collector.last_busy
        app.extensions["socketio"].server.eio.kejurda_broadcast(
            [], eio_packet.Packet(eio_packet.MESSAGE, "x"), lambda sid, pkt: None)
        assert collector.busy == 0 and collector.last_busy > mark
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual
        if app is not None and "kejurda_collector" in app.extensions:
            app.extensions["kejurda_collector"].stop()  # CPython's thresholds back
    app.extensions["kejurda_db"].dispose()
    assert started == [app]
    # the app and its libraries: a full collection no longer walks them (tens of ms)
    assert frozen > 50_000
    # full collections are the worker's own, at quiet moments (scoreboard/collector.py)
    assert taken == (thresholds[0], thresholds[1], collector_module.OUT_OF_REACH)
    assert before == 0 and gc.get_threshold() == thresholds


def test_with_quiet_collection_off_cpython_keeps_collecting(tmp_path, monkeypatch):
    monkeypatch.setattr(gunicorn_app, "start_duties", lambda app: None)
    server = _server(tmp_path, KEJURDA_QUIET_GC=False)
    thresholds = gc.get_threshold()
    try:
        app = server.load()
    finally:
        gc.unfreeze()
    app.extensions["kejurda_db"].dispose()
    assert "kejurda_collector" not in app.extensions
    assert gc.get_threshold() == thresholds
