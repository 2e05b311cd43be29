"""Agent tokens bound to their devices, and revoked tokens, on `/timing` (CONTRACT §1, §5).

A real app, database and Socket.IO test clients; revoking goes through a second database
handle, as `kejurda token revoke` does from another process.
"""

from __future__ import annotations

import logging
import time

import pytest

from scoreboard.db import Database
from scoreboard.errors import Invalid, NotFound
from scoreboard.live import live
from scoreboard.models import ApiToken, AuditRecord, GateEvent, Run
from scoreboard.services.accounts import create_token
from scoreboard.services.tokens import revoke_tokens
from scoreboard.sockets import revoke_watch
from tests.scoreboard.people import add_user, sign_in

T0 = 10_000_000
FOREIGN = ("source: 'pi-b' is not one of this agent token's devices (esp32-a, esp32-d); "
           "not stored (perangkat tidak terikat pada token ini)")


def edge(source: str, seq: int, gate: int = 0, kind: str = "B", t_us: int = T0) -> dict:
    return {"source": source, "boot": "b00t0001", "seq": seq, "gate": gate, "edge": kind,
            "t_us": t_us}


def new_token(db, name: str, sources: tuple[str, ...] = (), role: str = "agent") -> str:
    with db.transaction() as session:
        return create_token(session, role, name, sources)


def revoke_elsewhere(app, name: str) -> None:
    """Revoke as the CLI does: another connection to the same database file."""
    other = Database(app.config["DATABASE_URL"])
    try:
        with other.transaction() as session:
            revoke_tokens(session, name, "cli")
    finally:
        other.dispose()


def stored(db) -> list[tuple]:
    with db.transaction() as s:
        return [(e.source, e.seq) for e in s.query(GateEvent).order_by(GateEvent.id)]


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.02)


@pytest.fixture
def bound(db, socket_client):
    """An agent connected with a token bound to esp32-a and esp32-d."""
    secret = new_token(db, "pi-lintasan-a", ("esp32-a", "esp32-d", "esp32-a"))
    sio = socket_client("/timing", auth={"token": secret})
    assert sio.is_connected("/timing")
    return sio


# ------------------------------------------------------------------ binding to sources


def test_agent_token_bound_to_sources_refuses_an_edge_from_another_source(
        bound, db, api, caplog):
    run_id = api.arm("lf-sd", "LF-SD-001")["id"]          # lintasan-b: pi-b's gate 0
    with caplog.at_level(logging.WARNING, logger="scoreboard.sockets"):
        ack = bound.emit("gate_event", edge("pi-b", 1), namespace="/timing", callback=True)
    assert ack == {"ok": False, "error": FOREIGN}
    assert stored(db) == []
    assert api.run(run_id)["status"] == "armed"          # nothing started it
    assert [r.getMessage() for r in caplog.records] == [
        "refused 1 gate event(s) from source 'pi-b': agent token pi-lintasan-a is bound to "
        "esp32-a, esp32-d"]
    ack = bound.emit("gate_event", edge("esp32-a", 1), namespace="/timing", callback=True)
    assert ack == {"ok": True}
    assert stored(db) == [("esp32-a", 1)]


def test_agent_token_bound_to_sources_acks_each_edge_of_a_batch(bound, db, caplog):
    batch = [edge("esp32-a", 1), edge("pi-b", 1), edge("pi-b", 2), edge("esp32-d", 1),
             {"source": "esp32-a", "seq": 2}, "not an edge"]
    with caplog.at_level(logging.WARNING, logger="scoreboard.sockets"):
        acks = bound.emit("gate_events", batch, namespace="/timing", callback=True)
    assert acks == [{"ok": True}, {"ok": False, "error": FOREIGN},
                    {"ok": False, "error": FOREIGN}, {"ok": True},
                    {"ok": False, "error": "boot: missing"},
                    {"ok": False, "error": "edge: must be an object"}]
    assert stored(db) == [("esp32-a", 1), ("esp32-d", 1)]
    # one line per refused source, however many of its edges the batch held
    assert [r.getMessage() for r in caplog.records] == [
        "refused 2 gate event(s) from source 'pi-b': agent token pi-lintasan-a is bound to "
        "esp32-a, esp32-d"]
    assert bound.emit("gate_events", [], namespace="/timing", callback=True) == []


def test_agent_token_bound_to_sources_shows_refusals_on_the_devices_page(bound, api):
    bound.emit("gate_events", [edge("pi-b", 1), edge("pi-b", 2)], namespace="/timing",
               callback=True)
    [entry] = api.get("/api/v1/agents", role="admin").get_json()
    assert (entry["token"], entry["sources"], entry["refused"]) == (
        "pi-lintasan-a", ["esp32-a", "esp32-d"], {"pi-b": 2})
    assert [w for w in entry["warnings"] if w["code"] == "source_refused"] == [
        {"code": "source_refused", "source": "pi-b",
         "message": "2 kejadian gerbang dari pi-b ditolak: token agen hanya untuk "
                    "esp32-a, esp32-d"}]


def test_an_unbound_agent_token_keeps_working_for_every_source(agent, db):
    agent.send("pi-b", 0, "B", T0)
    agent.send("esp32-c1", 0, "B", T0)
    assert stored(db) == [("pi-b", 1), ("esp32-c1", 1)]


@pytest.mark.parametrize(("role", "sources", "message"), [
    ("timekeeper", ("esp32-a",),
     "source: only agent tokens are bound to devices (role is 'timekeeper')"),
    ("agent", ("",), "source: must be a device name of 1 to 64 characters without commas "
                     "(got '')"),
    ("agent", ("a,b",), "source: must be a device name of 1 to 64 characters without "
                        "commas (got 'a,b')"),
    ("agent", ("x" * 65,), "source: must be a device name of 1 to 64 characters without "
                           f"commas (got '{'x' * 65}')"),
])
def test_agent_token_bound_to_sources_refuses_bad_bindings(db, count, role, sources, message):
    with pytest.raises(Invalid) as refused:
        new_token(db, "bad", sources, role)
    assert refused.value.message == message
    assert count(ApiToken, name="bad") == 0


def test_devices_page_warns_about_unbound_agent_tokens(app, db, tokens, socket_client):
    new_token(db, "pi-terikat", ("esp32-a",))
    new_token(db, "pi-lama")
    new_token(db, "pi-dicabut")
    revoke_elsewhere(app, "pi-dicabut")
    sio = socket_client("/timing", auth={"token": tokens["agent"]})   # "test-agent", unbound
    assert sio.is_connected("/timing")
    add_user(app, "admin", "admin1")
    html = sign_in(app, "admin1").client.get("/admin/perangkat").get_data(as_text=True)
    assert ("<p><strong>Token agen tanpa perangkat terikat:</strong> pi-lama, test-agent</p>"
            in html)
    assert '<p class="binding unbound-agent">token tidak terikat ke perangkat</p>' in html


def test_devices_page_shows_a_bound_agent_token_without_warning(app, db, socket_client):
    secret = new_token(db, "pi-terikat", ("esp32-a", "pi-b"))
    assert socket_client("/timing", auth={"token": secret}).is_connected("/timing")
    add_user(app, "admin", "admin1")
    html = sign_in(app, "admin1").client.get("/admin/perangkat").get_data(as_text=True)
    assert 'id="unbound-tokens"' not in html
    assert '<p class="binding">Perangkat token: esp32-a, pi-b</p>' in html


# ------------------------------------------------------------------ revoking


def test_token_revoke_refuses_the_next_connect_and_api_request(app, db, tokens, socket_client,
                                                                client):
    revoke_elsewhere(app, "test-agent")
    revoke_elsewhere(app, "test-timekeeper")
    sio = socket_client("/timing", auth={"token": tokens["agent"]})
    assert not sio.is_connected("/timing")
    resp = client.post("/api/v1/runs", json={"category": "lf-smp", "team": "LF-SMP-001"},
                       headers={"Authorization": f"Bearer {tokens['timekeeper']}"})
    assert (resp.status_code, resp.get_json()) == (
        401, {"error": "Authorization: unknown or revoked token"})


def test_token_revoke_closes_an_open_connection(app, db, tokens, socket_client, caplog):
    app.config["KEJURDA_TOKEN_CHECK_S"] = 0.05
    sio = socket_client("/timing", auth={"token": tokens["agent"]})
    other = socket_client("/timing", auth={"token": new_token(db, "pi-lain", ("esp32-a",))})
    assert sio.is_connected("/timing") and other.is_connected("/timing")
    with caplog.at_level(logging.WARNING, logger="scoreboard.sockets"):
        revoke_elsewhere(app, "test-agent")
        wait_until(lambda: not sio.is_connected("/timing"))
    assert other.is_connected("/timing")          # only the revoked token's connection
    assert any(r.getMessage().startswith("closing /timing connection ")
               and r.getMessage().endswith(": token test-agent was revoked")
               for r in caplog.records)


def test_token_revoke_forgets_the_agent_when_its_side_closed_first(app, db, tokens,
                                                                  socket_client):
    # the race seen on a real server: the agent closed its engine.io session while the
    # watch was closing the connection, so python-socketio no longer has its environ and
    # Flask-SocketIO skips the disconnect handler; the devices list must not keep it
    sio = socket_client("/timing", auth={"token": tokens["agent"]})
    server = app.extensions["socketio"].server
    with app.app_context():
        [entry] = live().agents.snapshot()
        server.environ.pop(server.manager.eio_sid_from_sid(entry["sid"], "/timing"))
        revoke_watch().close(entry["sid"])
        assert live().agents.snapshot() == []
    assert not sio.is_connected("/timing")


def test_token_revoke_refuses_an_edge_sent_before_the_watch_notices(app, db, tokens,
                                                                     socket_client):
    app.config["KEJURDA_TOKEN_CHECK_S"] = 3600   # only the event's own check can see it
    sio = socket_client("/timing", auth={"token": tokens["agent"]})
    revoke_elsewhere(app, "test-agent")
    ack = sio.emit("gate_event", edge("esp32-a", 1), namespace="/timing", callback=True)
    assert ack == {"ok": False, "retry": True, "error": "unauthorized: this token was "
                   "revoked; not stored (token sudah dicabut)"}
    assert stored(db) == []
    assert not sio.is_connected("/timing")


def test_token_revoke_revokes_every_live_token_of_the_name_with_an_audit_record(
        app, db, count):
    new_token(db, "pi-c")
    new_token(db, "pi-c", ("esp32-c1",))
    with db.transaction() as session:
        assert revoke_tokens(session, "pi-c", "cli") == (2, 0)
    with db.transaction() as session:
        assert revoke_tokens(session, "pi-c", "cli") == (0, 2)
        rows = session.query(ApiToken).filter_by(name="pi-c").all()
        assert [(r.revoked, r.revoked_at is not None) for r in rows] == [(True, True)] * 2
        audits = session.query(AuditRecord).filter_by(entity="token").all()
        assert sorted((a.actor, a.action, a.entity_id) for a in audits) == sorted(
            ("cli", "revoke", str(r.id)) for r in rows)
    with db.transaction() as session, pytest.raises(NotFound) as missing:
        revoke_tokens(session, "no-such", "cli")
    assert missing.value.message == "name: no token called 'no-such' (see: kejurda token list)"
    assert count(Run) == 0
