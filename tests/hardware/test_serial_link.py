"""SerialSource against a scripted device on a pty: ordering, gaps, acks, dedupe, reboots."""

import threading
import time

import pytest
import serial

from hardware.serial_link import SerialSource
from tests.support.pty_device import ScriptedDevice
from tests.support.waiting import wait_until


class Sink:
    def __init__(self):
        self.edges = []
        self.lock = threading.Lock()

    def __call__(self, edge):
        with self.lock:
            self.edges.append(edge)

    def plain(self):
        with self.lock:
            return [(e["source"], e["boot"], e["seq"], e["gate"], e["edge"], e["t_us"])
                    for e in self.edges]



@pytest.fixture
def link():
    dev = ScriptedDevice()
    source = SerialSource(dev.path, by_id=False, backoff_s=(0.05, 0.2))
    sink, stop = Sink(), threading.Event()
    thread = threading.Thread(target=source.run, args=(sink, stop), daemon=True)
    thread.start()
    yield dev, source, sink
    stop.set()
    thread.join(5)
    dev.close()


def hello_and_sync(dev, boot="3f9a0c12"):
    first = dev.wait_for(lambda f: f["type"] == "TQ")
    assert first[0] == {"type": "WHO"}  # WHO first, whenever the port opens
    dev.send("HELLO", "esp32-a", boot, "1.0.0", 3)
    tq = [f for f in first if f["type"] == "TQ"][0]
    dev.send("TS", tq["nonce"], 1_000_000)
    return dev.wait_for(lambda f: f == {"type": "RS", "from_seq": 1})


def test_in_order_forwarding_gap_request_and_cumulative_ack(link):
    dev, source, sink = link
    hello_and_sync(dev)
    dev.send("EV", 1, 0, "B", 1523004)
    assert wait_until(lambda: len(sink.edges) == 1)
    dev.wait_for(lambda f: f == {"type": "ACK", "seq": 1})
    dev.send("EV", 3, 1, "B", 13789112)
    seen = dev.wait_for(lambda f: f == {"type": "RS", "from_seq": 2})
    assert {"type": "ACK", "seq": 3} not in seen and len(sink.edges) == 1
    dev.send("EV", 2, 0, "C", 1541230)
    dev.wait_for(lambda f: f == {"type": "ACK", "seq": 3})
    assert sink.plain() == [("esp32-a", "3f9a0c12", 1, 0, "B", 1523004),
                            ("esp32-a", "3f9a0c12", 2, 0, "C", 1541230),
                            ("esp32-a", "3f9a0c12", 3, 1, "B", 13789112)]
    assert all(e["t_epoch_err_us"] >= 0 and isinstance(e["t_epoch_us"], int)
               for e in sink.edges)
    # a resend of an edge already forwarded is acked again, not forwarded again
    dev.send("EV", 2, 0, "C", 1541230)
    dev.wait_for(lambda f: f == {"type": "ACK", "seq": 3})
    assert len(sink.edges) == 3 and source.counts["duplicates"] == 1


def test_acked_floor_from_the_device_is_respected(link):
    dev, source, sink = link
    hello_and_sync(dev)
    dev.send("EV", 42, 2, "B", 5_000_000)  # a boot first seen mid-life
    dev.send("ERR", "ACKED", "41")
    dev.wait_for(lambda f: f == {"type": "ACK", "seq": 42})
    assert sink.plain() == [("esp32-a", "3f9a0c12", 42, 2, "B", 5_000_000)]


def test_nothing_is_forwarded_or_acked_before_the_floor_is_known(link):
    dev, source, sink = link
    hello_and_sync(dev)
    dev.send("EV", 7, 0, "B", 900)
    seen = dev.wait_for(lambda f: f == {"type": "RS", "from_seq": 1}, timeout=10)
    assert not any(f["type"] == "ACK" for f in seen) and sink.edges == []


def test_ack_only_after_sink_returned():
    gate, got, stop = threading.Event(), [], threading.Event()

    def slow_sink(edge):
        got.append(edge["seq"])
        gate.wait(5)  # the outbox is still committing

    dev = ScriptedDevice()
    source = SerialSource(dev.path, by_id=False)
    thread = threading.Thread(target=source.run, args=(slow_sink, stop), daemon=True)
    thread.start()
    try:
        hello_and_sync(dev)
        dev.send("EV", 1, 0, "B", 10)
        assert wait_until(lambda: got == [1])
        assert not any(f["type"] == "ACK" for f in dev.frames(0.5))
        gate.set()
        dev.wait_for(lambda f: f == {"type": "ACK", "seq": 1})
    finally:
        gate.set()
        stop.set()
        thread.join(5)
        dev.close()


def test_new_boot_restarts_the_sequence(link):
    dev, source, sink = link
    hello_and_sync(dev)
    dev.send("EV", 1, 0, "B", 100)
    dev.wait_for(lambda f: f == {"type": "ACK", "seq": 1})
    dev.send("HELLO", "esp32-a", "0badbeef", "1.0.0", 3)
    dev.wait_for(lambda f: f == {"type": "RS", "from_seq": 1})
    dev.send("EV", 1, 1, "B", 200)
    dev.wait_for(lambda f: f == {"type": "ACK", "seq": 1})
    assert wait_until(lambda: len(sink.edges) == 2)
    assert sink.plain() == [("esp32-a", "3f9a0c12", 1, 0, "B", 100),
                            ("esp32-a", "0badbeef", 1, 1, "B", 200)]
    assert source.status()["boot"] == "0badbeef" and source.counts["reboots"] == 1


def test_a_different_edge_under_an_old_seq_means_reboot_and_is_not_acked(link):
    dev, source, sink = link
    hello_and_sync(dev)
    dev.send("EV", 1, 0, "B", 100)
    dev.wait_for(lambda f: f == {"type": "ACK", "seq": 1})
    dev.send("EV", 1, 2, "B", 7)  # the HELLO of a new boot was lost
    seen = dev.wait_for(lambda f: f == {"type": "WHO"})
    assert not any(f["type"] == "ACK" for f in seen)
    assert source.errors["reboot_suspected"] == 1
    dev.send("HELLO", "esp32-a", "0badbeef", "1.0.0", 3)
    dev.send("EV", 1, 2, "B", 7)
    dev.wait_for(lambda f: f == {"type": "ACK", "seq": 1})
    assert sink.plain()[-1] == ("esp32-a", "0badbeef", 1, 2, "B", 7)


def test_noise_and_bad_frames_are_counted_and_skipped(link):
    dev, source, sink = link
    hello_and_sync(dev)
    dev.raw(b"I (312) boot: ESP-IDF v5.1\n$EV,5,1,B,2000000*A1434AEC\n"
            b"$EV,6,1,X,2000000*2567EECC\n$ZZ,1,2*50DFF857\n$" + b"A" * 5000 + b"\n"
            b"junk$EV,1,0,B,1523004*AE494C02\n")
    dev.wait_for(lambda f: f == {"type": "ACK", "seq": 1})
    errors = source.status()["errors"]
    assert (errors["noise"], errors["bad_crc"], errors["bad_fields"]) == (1, 1, 1), errors
    assert errors["unknown_type"] == 1 and errors["too_long"] == 1
    assert errors["resync"] == 1
    assert sink.plain() == [("esp32-a", "3f9a0c12", 1, 0, "B", 1523004)]


def test_status_reports_the_link(link):
    dev, source, sink = link
    hello_and_sync(dev)
    dev.send("EV", 1, 0, "B", 1_000_100)
    assert wait_until(lambda: source.status()["last_edge_at"] is not None)
    status = source.status()
    assert status["kind"] == "serial" and status["port"] == dev.path
    assert status["device"] == "esp32-a" and status["boot"] == "3f9a0c12"
    assert status["connected"] is True and status["name"] == "esp32-a"
    assert status["clock_samples"] >= 1 and status["clock_spread_us"] >= 1
    assert status["clock_dropped"] == 0 and status["last_hb_at"] is status["hb_age_s"] is None
    assert isinstance(status["errors"], dict)
    before = time.time()
    dev.send("HB", 1, 1_200_000, "CC")  # a quiet box's heartbeat shows it alive
    assert wait_until(lambda: source.status()["last_hb_at"] is not None)
    assert before <= source.status()["last_hb_at"] <= time.time()
    assert 0 <= source.status()["hb_age_s"] < 5


def test_a_failing_sink_gets_the_edge_again_and_the_ack_waits_for_it():
    calls, stop = [], threading.Event()

    def flaky_sink(edge):
        calls.append(edge["seq"])
        if len(calls) == 1:
            raise OSError("disk full")

    dev = ScriptedDevice()
    source = SerialSource(dev.path, by_id=False)
    thread = threading.Thread(target=source.run, args=(flaky_sink, stop), daemon=True)
    thread.start()
    try:
        hello_and_sync(dev)
        dev.send("EV", 1, 0, "B", 10)
        dev.wait_for(lambda f: f == {"type": "ACK", "seq": 1})
        assert calls == [1, 1]  # the ack came only after the second, successful call
        assert source.errors["sink_failed"] == 1
    finally:
        stop.set()
        thread.join(5)
        dev.close()


def test_by_id_name_finds_the_stable_link(tmp_path, monkeypatch):
    from hardware import serial_link

    by_id = tmp_path / "by-id"
    by_id.mkdir()
    target = tmp_path / "ttyUSB0"
    target.write_text("")
    (by_id / "usb-Silicon_Labs_CP2102_0001-if00-port0").symlink_to(target)
    monkeypatch.setattr(serial_link, "BY_ID", str(by_id))
    assert serial_link._by_id_name(str(target)) == str(
        by_id / "usb-Silicon_Labs_CP2102_0001-if00-port0")
    assert serial_link._by_id_name(str(tmp_path / "ttyUSB1")) is None


def test_a_second_link_on_the_same_port_is_refused_while_the_first_holds_it(link):
    dev, source, _ = link
    hello_and_sync(dev)
    other = SerialSource(dev.path, by_id=False)
    with pytest.raises(serial.SerialException):
        other._open()


def test_an_edge_far_in_the_past_under_a_new_seq_means_reboot(link):
    dev, source, sink = link
    hello_and_sync(dev)
    dev.send("EV", 1, 0, "B", 5_000_000)
    dev.wait_for(lambda f: f == {"type": "ACK", "seq": 1})
    dev.send("EV", 2, 1, "B", 3_500_000)  # fine: less than 2 s back
    dev.wait_for(lambda f: f == {"type": "ACK", "seq": 2})
    dev.send("EV", 3, 0, "B", 400)  # a rebooted box whose HELLO and EV 1, 2 were lost
    seen = dev.wait_for(lambda f: f == {"type": "WHO"})
    assert {"type": "ACK", "seq": 3} not in seen + dev.frames(0.3)
    assert [e["seq"] for e in sink.edges] == [1, 2]
    assert source.errors["reboot_suspected"] == 1


def test_an_edge_back_in_time_in_the_same_boot_is_passed_on_flagged_and_the_link_goes_on(link):
    dev, source, sink = link
    hello_and_sync(dev)
    dev.send("EV", 1, 0, "B", 9_000_000)
    dev.wait_for(lambda f: f == {"type": "ACK", "seq": 1})
    dev.send("EV", 2, 1, "B", 400_000)  # 8.6 s back, and no reboot: a firmware fault
    dev.wait_for(lambda f: f == {"type": "WHO"})
    assert [e["seq"] for e in sink.edges] == [1]
    dev.send("HELLO", "esp32-a", "3f9a0c12", "1.0.0", 3)  # the same boot
    dev.wait_for(lambda f: f == {"type": "RS", "from_seq": 2})  # have EV 2 again
    dev.send("EV", 2, 1, "B", 400_000)
    dev.send("EV", 3, 0, "B", 1_400_000)  # later edges go on from the new time
    dev.send("EV", 4, 1, "B", 2_900_000)
    dev.wait_for(lambda f: f == {"type": "ACK", "seq": 4})
    assert sink.plain()[1:] == [("esp32-a", "3f9a0c12", 2, 1, "B", 400_000),
                                ("esp32-a", "3f9a0c12", 3, 0, "B", 1_400_000),
                                ("esp32-a", "3f9a0c12", 4, 1, "B", 2_900_000)]
    assert [e.get("fault") for e in sink.edges] == [None, "t_us_backwards", None, None]
    status = source.status()
    assert status["errors"]["t_us_backwards"] == 1
    assert status["errors"]["reboot_suspected"] == 1
    assert {k: status["last_fault"][k] for k in ("fault", "device", "boot", "seq")} == {
        "fault": "t_us_backwards", "device": "esp32-a", "boot": "3f9a0c12", "seq": 2}
