"""scoreboard/gunicorn_app.py: what the worker does with the app it builds. The server's
life in real processes: tests/e2e/test_production_server.py."""

from __future__ import annotations

import gc

from scoreboard import gunicorn_app
from scoreboard.app import create_app


def test_the_worker_leaves_what_start_up_made_out_of_every_collection(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(gunicorn_app, "start_duties", started.append)
    server = gunicorn_app.KejurdaServer(lambda: create_app(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}", "SECRET_KEY": "t"}), {})
    gc.unfreeze()
    try:
        app = server.load()
        frozen = gc.get_freeze_count()
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual
    app.extensions["kejurda_db"].dispose()
    assert started == [app]
    # the app and its libraries: a full collection no longer walks them (tens of ms)
    assert frozen > 50_000
