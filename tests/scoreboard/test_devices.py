"""The devices page's warning rules (scoreboard.services.devices): exact inputs, exact warnings."""

from __future__ import annotations

import pytest

from scoreboard.services import devices
from scoreboard.services.devices import (
    ReportHistory,
    agent_warnings,
    clock_warnings,
    outbox_warnings,
    silence_warnings,
    source_warnings,
)

NOW = 1_800_000_000.0
CLOCK_OK = {"offset_us": -1_250, "err_us": 400, "samples": 5, "jumps": 0}


def codes(warnings):
    return [(w["code"], w["source"]) for w in warnings]


# ------------------------------------------------------------------ silence


@pytest.mark.parametrize(("reported_ago", "expected"), [
    (0.0, []), (2.0, []), (3.0, []),
    (3.5, [{"code": "agent_silent", "source": None,
            "message": "Agen tidak mengirim laporan selama 3.5 s"}]),
    (60.25, [{"code": "agent_silent", "source": None,
              "message": "Agen tidak mengirim laporan selama 60.2 s"}]),
])
def test_an_agent_is_silent_after_more_than_three_seconds(reported_ago, expected):
    entry = {"connected_at": NOW - 100, "reported_at": NOW - reported_ago, "status": {}}
    assert silence_warnings(entry, NOW) == expected


def test_an_agent_that_never_reported_is_silent_three_seconds_after_connecting():
    assert silence_warnings({"connected_at": NOW - 3.0, "status": None}, NOW) == []
    assert silence_warnings({"connected_at": NOW - 4.0, "status": None}, NOW) == [
        {"code": "agent_silent", "source": None,
         "message": "Agen belum mengirim laporan sejak tersambung 4.0 s lalu"}]


# ------------------------------------------------------------------ clock


@pytest.mark.parametrize(("clock", "expected"), [
    (CLOCK_OK, []),
    ({"offset_us": 3_000_000, "err_us": 5_000}, []),
    ({"offset_us": 3_000_000, "err_us": 5_001},
     [("clock_unstable", "Jam agen ke server tidak stabil: ±5.0 ms (batas ±5.0 ms)")]),
    ({"offset_us": 0, "err_us": 12_345},
     [("clock_unstable", "Jam agen ke server tidak stabil: ±12.3 ms (batas ±5.0 ms)")]),
    ({"offset_us": None, "err_us": None, "samples": 0, "jumps": 0},
     [("clock_unknown", "Jam agen belum disinkronkan dengan server")]),
    (None, []),
    ("nonsense", []),
])
def test_clock_rules(clock, expected):
    assert [(w["code"], w["message"]) for w in clock_warnings(clock)] == expected


# ------------------------------------------------------------------ outbox


@pytest.mark.parametrize(("depths", "expected"), [
    ([], []),
    ([0], []),
    ([100], []),
    ([101], [("outbox_high", "101 kejadian gerbang menunggu dikirim (batas 100)")]),
    ([1, 2], []),                       # two reports are not yet a trend
    ([1, 2, 3], [("outbox_growing", "Antrean kirim agen terus bertambah: 1 → 2 → 3")]),
    ([0, 5, 5], []),                    # flat is not growing
    ([9, 1, 2, 3], [("outbox_growing", "Antrean kirim agen terus bertambah: 1 → 2 → 3")]),
    ([1, 2, 3, 2], []),                 # draining again
    ([50, 90, 150], [("outbox_high", "150 kejadian gerbang menunggu dikirim (batas 100)")]),
])
def test_outbox_rules(depths, expected):
    assert [(w["code"], w["message"]) for w in outbox_warnings(depths)] == expected


def test_rejected_edges_are_a_warning():
    assert [(w["code"], w["message"]) for w in outbox_warnings([0], rejected=2)] == [
        ("outbox_rejected", "2 kejadian gerbang ditolak server (tersimpan di agen, periksa log)")]


# ------------------------------------------------------------------ sources


GPIO = {"kind": "gpio", "name": "pi-a", "boot": "ab12cd34", "last_edge_at": NOW - 50,
        "edges": 12, "errors": {},
        "gates": [{"gate": 0, "label": "start", "pin": 17, "state": "C", "stuck": False},
                  {"gate": 1, "label": "finish", "pin": 27, "state": "B", "stuck": False}]}
SERIAL = {"kind": "serial", "name": "esp32-a", "connected": True, "clock_spread_us": 80,
          "errors": {}, "counts": {"frames": 40}}


def test_healthy_sources_have_no_warnings():
    assert source_warnings(GPIO, NOW) == []
    assert source_warnings(SERIAL, NOW, previous=SERIAL) == []


def test_a_stuck_gpio_beam_names_the_gate_and_its_label():
    gates = [dict(GPIO["gates"][0]), dict(GPIO["gates"][1], stuck=True)]
    assert source_warnings(dict(GPIO, gates=gates), NOW) == [
        {"code": "beam_stuck", "source": "pi-a",
         "message": "Sensor gerbang 1 (finish) di pi-a terhalang terus (macet)"}]
    unlabelled = [{"gate": 2, "state": "B", "stuck": True}]
    assert [w["message"] for w in source_warnings(dict(GPIO, gates=unlabelled), NOW)] == [
        "Sensor gerbang 2 di pi-a terhalang terus (macet)"]


def test_a_serial_device_reporting_err_stuck_since_the_last_report():
    before = dict(SERIAL, counts={"device_stuck": 1})
    now = dict(SERIAL, counts={"device_stuck": 2})
    assert codes(source_warnings(now, NOW, previous=before)) == [("beam_stuck", "esp32-a")]
    assert source_warnings(now, NOW, previous=now) == []     # the same old count
    assert source_warnings(now, NOW) == []                    # nothing to compare with


def test_a_disconnected_serial_device():
    assert source_warnings(dict(SERIAL, connected=False), NOW) == [
        {"code": "source_disconnected", "source": "esp32-a",
         "message": "Perangkat esp32-a tidak tersambung"}]


@pytest.mark.parametrize(("hb_age", "late", "expected"), [
    (1.0, 0.0, []), (3.0, 0.0, []), (1.0, 2.0, []),
    (3.2, 0.0, ["Perangkat esp32-a tidak mengirim detak (HB) selama 3.2 s"]),
    (1.0, 2.5, ["Perangkat esp32-a tidak mengirim detak (HB) selama 3.5 s"]),
])
def test_a_serial_device_whose_heartbeat_stopped(hb_age, late, expected):
    # the agent's wall clock is hours off: only ages are compared, never clocks
    source = dict(SERIAL, hb_age_s=hb_age, last_hb_at=NOW - 7200)
    assert [w["message"] for w in source_warnings(source, NOW, late_s=late)] == expected


def test_a_late_report_adds_its_delay_to_the_heartbeat_age():
    entry = {"connected_at": NOW - 100, "reported_at": NOW - 2.5,
             "status": {"sources": [dict(SERIAL, hb_age_s=1.0)]}}
    assert [w["code"] for w in agent_warnings(entry, NOW)] == ["source_silent"]
    entry["reported_at"] = NOW - 1.0
    assert agent_warnings(entry, NOW) == []


def test_a_device_clock_with_too_much_spread():
    assert [w["message"] for w in source_warnings(dict(SERIAL, clock_spread_us=5_000), NOW)] == []
    assert [w["message"] for w in source_warnings(dict(SERIAL, clock_spread_us=7_500), NOW)] == [
        "Jam perangkat esp32-a tidak stabil: ±7.5 ms (batas ±5.0 ms)"]


def test_a_source_whose_status_failed():
    broken = {"name": "pi-b", "errors": {"status": "pin busy"}}
    assert source_warnings(broken, NOW) == [
        {"code": "source_error", "source": "pi-b", "message": "Status pi-b tidak terbaca: pin busy"}]


# ------------------------------------------------------------------ a whole agent


def report(depth=0, sources=(GPIO,), clock=CLOCK_OK, rejected=0):
    return {"agent": "pi-a", "sources": list(sources), "outbox_depth": depth,
            "rejected": rejected, "delivered": 7, "clock": clock, "version": "dev"}


def test_a_healthy_agent_has_no_warnings():
    entry = {"connected_at": NOW - 10, "reported_at": NOW - 1, "status": report()}
    assert agent_warnings(entry, NOW, [report(), report()]) == []


def test_an_agent_with_everything_wrong_lists_every_warning_in_order():
    stuck = dict(GPIO, gates=[dict(GPIO["gates"][0], stuck=True)])
    serial = dict(SERIAL, connected=False, clock_spread_us=9_000, counts={"device_stuck": 1})
    entry = {"connected_at": NOW - 30, "reported_at": NOW - 4,
             "status": report(3, (stuck, serial), {"offset_us": 1, "err_us": 6_000}, 1)}
    earlier = [report(1), report(2, (GPIO, SERIAL))]
    assert codes(agent_warnings(entry, NOW, earlier)) == [
        ("agent_silent", None), ("clock_unstable", None), ("outbox_growing", None),
        ("outbox_rejected", None), ("beam_stuck", "pi-a"), ("source_disconnected", "esp32-a"),
        ("beam_stuck", "esp32-a"), ("clock_unstable", "esp32-a")]


def test_an_agent_that_has_not_reported_yet_only_counts_silence():
    entry = {"connected_at": NOW - 1, "status": None}
    assert agent_warnings(entry, NOW) == []


# ------------------------------------------------------------------ history and overview


def test_history_keeps_distinct_reports_and_forgets_gone_agents():
    seen = ReportHistory(keep=3)
    for at, depth in [(1.0, 1), (1.0, 1), (3.0, 2), (5.0, 3), (7.0, 4)]:
        earlier = seen.observe([{"sid": "s1", "reported_at": at, "status": report(depth)}])
    assert [r["outbox_depth"] for r in earlier["s1"]] == [2, 3]
    assert seen.observe([]) == {}
    assert seen.observe([{"sid": "s1", "reported_at": 9.0, "status": report(9)}]) == {"s1": []}


def test_overview_sees_the_outbox_growing_across_polls():
    seen = ReportHistory()
    results = []
    for n in range(3):
        entry = {"sid": "s1", "token": "pi-a", "connected_at": NOW - 10,
                 "reported_at": NOW + 2 * n, "status": report(depth=n * 10)}
        results.append(devices.overview([entry], NOW + 2 * n + 0.5, seen))
    assert [r[0]["silent_s"] for r in results] == [0.5, 0.5, 0.5]
    assert [codes(r[0]["warnings"]) for r in results] == [[], [], [("outbox_growing", None)]]
