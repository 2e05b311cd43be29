"""A box whose edge time falls back within one boot (a firmware fault) never stalls its
track: a scripted device on a pty, the host's serial link, and the server's run service.

The flagged edge is stored with its fault, the run it touches goes to review with the
reason, the devices page names the fault, and later edges time the next run exactly.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from hardware.serial_link import SerialSource
from scoreboard.models import GateEvent, Run
from scoreboard.services import devices, runs
from tests.support.pty_device import ScriptedDevice

BOOT = "3f9a0c12"


@pytest.fixture
def box(app, db):
    """(device, link): the link's edges go to the server's run service, as the agent's
    outbox would send them; an edge the server refuses is raised, so the link retries."""
    dev = ScriptedDevice()
    link = SerialSource(dev.path, by_id=False, backoff_s=(0.05, 0.2))

    def to_server(edge: dict) -> None:
        with app.app_context():
            try:
                [ack] = runs.record_edges(db.session, [edge])
            finally:
                db.remove()
        assert ack == {"ok": True}, ack

    stop = threading.Event()
    thread = threading.Thread(target=link.run, args=(to_server, stop), daemon=True)
    thread.start()
    yield dev, link
    stop.set()
    thread.join(5)
    dev.close()


def run_of(db, run_id: int) -> Run:
    db.remove()
    return db.session.get(Run, run_id)


def test_an_edge_back_in_time_sends_its_run_to_review_and_later_edges_time_runs(api, db, box):
    dev, link = box
    first = dev.wait_for(lambda f: f["type"] == "TQ")
    dev.send("HELLO", "esp32-a", BOOT, "1.0.0", 3)
    dev.send("TS", [f for f in first if f["type"] == "TQ"][0]["nonce"], 1_000_000)
    dev.send("HB", 0, 1_000_000, "CCC")
    dev.wait_for(lambda f: f["type"] == "RS")

    spoiled = api.arm("lf-smp", "LF-SMP-001")
    dev.send("EV", 1, 0, "B", 9_000_000)                      # its start
    dev.wait_for(lambda f: f == {"type": "ACK", "seq": 1})
    dev.send("EV", 2, 1, "B", 400_000)                        # its finish, 8.6 s back
    dev.wait_for(lambda f: f == {"type": "WHO"})
    dev.send("HELLO", "esp32-a", BOOT, "1.0.0", 3)            # no reboot: the same boot
    dev.wait_for(lambda f: f == {"type": "RS", "from_seq": 2})
    dev.send("EV", 2, 1, "B", 400_000)
    dev.wait_for(lambda f: f == {"type": "ACK", "seq": 2})
    run = run_of(db, spoiled["id"])
    assert (run.status, run.elapsed_us, run.reason) == (
        "review", None,
        f"device fault t_us_backwards on esp32-a/{BOOT} seq 2: time it by hand")

    # the timekeeper settles it; the next team runs on the same track, same boot
    assert api.post(f"/api/v1/runs/{spoiled['id']}/abort", {"reason": "waktu perangkat"}
                    ).status_code == 200
    clean = api.arm("lf-smp", "LF-SMP-002")
    dev.send("EV", 3, 0, "B", 1_400_000)
    dev.send("EV", 4, 1, "B", 13_745_678)
    dev.wait_for(lambda f: f == {"type": "ACK", "seq": 4})
    run = run_of(db, clean["id"])
    assert (run.status, run.elapsed_us) == ("finished", 12_345_678)

    stored = db.session.execute(select(GateEvent.seq, GateEvent.t_us, GateEvent.fault)
                                .order_by(GateEvent.seq)).all()
    assert stored == [(1, 9_000_000, None), (2, 400_000, "t_us_backwards"),
                      (3, 1_400_000, None), (4, 13_745_678, None)]
    # what the agent reports of this link: the devices page names the fault
    faults = [w for w in devices.source_warnings(link.status(), now=0.0)
              if w["code"] == "device_fault"]
    assert faults == [{"code": "device_fault", "source": "esp32-a", "message":
                       "Perangkat esp32-a: waktu tepi mundur tanpa restart (EV 2), 1x "
                       "(kesalahan firmware); lari terkait masuk tinjauan"}]
