"""`/admin/perangkat` and `/api/v1/agents`: a real Socket.IO agent reports, the page shows it."""

from __future__ import annotations

import time

from tests.scoreboard.people import add_user, sign_in

STUCK_GPIO = {"kind": "gpio", "name": "pi-a", "boot": "ab12cd34", "last_edge_at": None,
              "edges": 3, "errors": {},
              "gates": [{"gate": 0, "label": "start", "pin": 17, "state": "B", "stuck": True}]}


def status(depth: int = 0, err_us: int = 300) -> dict:
    return {"agent": "pi-lintasan-a", "sources": [STUCK_GPIO], "outbox_depth": depth,
            "rejected": 0, "delivered": 41, "version": "9.9.9",
            "clock": {"offset_us": 2_500, "err_us": err_us, "samples": 5, "jumps": 0}}


def connect_agent(socket_client, tokens):
    sio = socket_client("/timing", auth={"token": tokens["agent"]})
    assert sio.is_connected("/timing")
    return sio


def report(sio, payload) -> dict:
    return sio.emit("agent_status", payload, namespace="/timing", callback=True)


def test_api_lists_a_reporting_agent_with_its_warnings(socket_client, tokens, api):
    sio = connect_agent(socket_client, tokens)
    assert report(sio, status(err_us=8_000)) == {"ok": True}
    resp = api.get("/api/v1/agents", role="admin")
    assert resp.status_code == 200
    [entry] = resp.get_json()
    assert entry["token"] == "test-agent"
    assert entry["status"] == status(err_us=8_000)
    assert 0 <= entry["silent_s"] <= 1.0
    assert entry["warnings"] == [
        {"code": "clock_unstable", "source": None,
         "message": "Jam agen ke server tidak stabil: ±8.0 ms (batas ±5.0 ms)"},
        {"code": "beam_stuck", "source": "pi-a",
         "message": "Sensor gerbang 0 (start) di pi-a terhalang terus (macet)"}]
    # reports that keep growing the outbox, seen over three polls
    for depth in (5, 9):
        time.sleep(0.01)   # each report has its own reported_at
        assert report(sio, status(depth)) == {"ok": True}
        warnings = api.get("/api/v1/agents", role="timekeeper").get_json()[0]["warnings"]
    assert [w["code"] for w in warnings] == ["outbox_growing", "beam_stuck"]
    assert warnings[0]["message"] == "Antrean kirim agen terus bertambah: 0 → 5 → 9"


def test_api_forgets_an_agent_that_disconnects(socket_client, tokens, api):
    sio = connect_agent(socket_client, tokens)
    assert [a["token"] for a in api.get("/api/v1/agents", role="admin").get_json()] == [
        "test-agent"]
    sio.disconnect(namespace="/timing")
    assert api.get("/api/v1/agents", role="admin").get_json() == []


def test_api_refuses_anonymous_and_judges(api):
    assert api.get("/api/v1/agents").status_code == 401
    assert api.get("/api/v1/agents", role="judge").status_code == 403
    assert api.get("/api/v1/agents", role="agent").status_code == 403


def test_a_silent_agent_is_flagged(socket_client, tokens, api, monkeypatch):
    sio = connect_agent(socket_client, tokens)
    assert report(sio, status()) == {"ok": True}
    later = time.time() + 3.5
    monkeypatch.setattr("scoreboard.services.devices.time.time", lambda: later)
    [entry] = api.get("/api/v1/agents", role="admin").get_json()
    assert entry["warnings"][0]["code"] == "agent_silent"
    assert entry["warnings"][0]["message"].startswith("Agen tidak mengirim laporan selama 3.")


def test_admin_and_timekeeper_see_the_page_with_the_agent(app, socket_client, tokens):
    sio = connect_agent(socket_client, tokens)
    assert report(sio, status()) == {"ok": True}
    for role in ("admin", "timekeeper"):
        add_user(app, role, f"u-{role}")
        page = sign_in(app, f"u-{role}").client.get("/admin/perangkat")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "<h1>Perangkat pencatat waktu</h1>" in html
        assert "pi-lintasan-a" in html and "9.9.9" in html
        assert "Antrean kirim 0 · Terkirim 41 · Ditolak 0 · Jam ke server +2.5 ms ±0.3 ms" in html
        assert ('<li data-code="beam_stuck">Sensor gerbang 0 (start) di pi-a terhalang terus '
                '(macet)</li>') in html
        assert '<span class="gate stuck">0:B macet</span>' in html
        assert "/static/js/devices.js" in html and "/static/css/devices.css" in html


def test_the_page_says_when_no_agent_is_connected(app):
    add_user(app, "admin", "admin1")
    html = sign_in(app, "admin1").client.get("/admin/perangkat").get_data(as_text=True)
    assert '<p class="empty">Belum ada agen yang tersambung.</p>' in html


def test_the_page_in_english(app):
    add_user(app, "admin", "admin1")
    admin = sign_in(app, "admin1")
    admin.client.get("/bahasa/en?next=/")
    html = admin.client.get("/admin/perangkat").get_data(as_text=True)
    assert "<h1>Timing devices</h1>" in html
    assert "No agent is connected." in html


def test_judges_and_anonymous_are_refused(app, client):
    resp = client.get("/admin/perangkat")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    for role in ("judge", "head_judge"):
        add_user(app, role, f"u-{role}")
        assert sign_in(app, f"u-{role}").client.get("/admin/perangkat").status_code == 403
