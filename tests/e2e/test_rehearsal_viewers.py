"""The rehearsal's viewers' process (scoreboard/rehearsal/viewers.py) following a real
`kejurda serve`: the server is killed -9 and started again, every viewer reconnects by
itself, and its windows say when it was connected as its socket saw it; the rehearsal's
check then counts exactly the runs each viewer was connected through."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from scoreboard.rehearsal.checks import Report, check_viewers
from scoreboard.rehearsal.play import Ledger
from scoreboard.rehearsal.viewers import Phones
from tests.support.venue import Venue

pytestmark = pytest.mark.e2e

VIEWERS = 3


def play_run(venue: Venue, team: str, seq: int, ledger: Ledger) -> int:
    """One run on the lap track of lf-sd, armed by the desk and timed by two edges
    (2.345678 s apart); entered in the ledger as the rehearsal's desk does."""
    armed_at = time.monotonic()
    resp = venue.api("POST", "/runs", json={"category": "lf-sd", "team": team})
    assert resp.status_code == 201, resp.text
    run_id = resp.json()["id"]
    acks = venue.send_edges(*({"source": "pi-b", "boot": "views001", "seq": seq + i, "gate": 0,
                               "edge": "B", "t_us": 1_000_000 + i * 2_345_678}
                              for i in range(2)))
    assert acks == [{"ok": True}, {"ok": True}]
    final = venue.wait_final(run_id)
    assert (final["status"], final["elapsed_us"]) == ("finished", 2_345_678)
    ledger.runs[run_id] = final
    ledger.run_window[run_id] = (armed_at, time.monotonic())
    return run_id


def wait_status(phones: Phones, condition, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status = phones.status()
        if condition(status):
            return status
        assert time.monotonic() < deadline, f"viewers never got there: {status}"
        time.sleep(0.05)


def test_viewers_reconnect_after_the_server_restarts_and_their_windows_are_exact(
        venue: Venue, tmp_path: Path, capsys):
    server = venue.start_server()
    phones = Phones("127.0.0.1", venue.port, VIEWERS, tmp_path / "viewers.log").start()
    ledger = Ledger()
    try:
        first = play_run(venue, "SD-01", 1, ledger)
        # armed, running, finished: three updates per viewer
        wait_status(phones, lambda s: s["updates"] == 3 * VIEWERS)
        killed_at = time.monotonic()
        server.stop(signal.SIGKILL)
        wait_status(phones, lambda s: s["connected"] == 0)
        all_down_at = time.monotonic()
        venue.start_server()
        wait_status(phones, lambda s: s["connected"] == VIEWERS and s["windows"] == VIEWERS)
        second = play_run(venue, "SD-02", 3, ledger)
        wait_status(phones, lambda s: s["updates"] == 6 * VIEWERS)
        records = phones.finish()
    finally:
        phones.stop()

    assert len(records) == VIEWERS
    for record in records:
        (start, end, why), (start2, _end2, why2) = record.windows
        # the kill ends the socket (end of stream, or a reset), seen at once, not at a ping
        assert why in ("eof", "error") and why2 == "stopped"
        assert start < ledger.run_window[first][0]
        assert killed_at <= end <= all_down_at < start2 < ledger.run_window[second][0]
        assert [(run_id, status) for run_id, status, _t in record.updates] == [
            (first, "armed"), (first, "running"), (first, "finished"),
            (second, "armed"), (second, "running"), (second, "finished")]
    capsys.readouterr()
    rep = Report()
    check_viewers(rep, ledger, records)
    out = capsys.readouterr().out
    assert rep.failed == []
    assert out.startswith("rehearsal: check viewers saw every run update (6 of 6 final "
                          "updates received, 18 updates in all, 3 reconnections, ")
    assert out.endswith("): 6 — ok\n")
