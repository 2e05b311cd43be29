"""The durable outbox: idempotent, ordered, survives reopening, keeps refused edges."""

import threading

import pytest

from hardware.outbox import Outbox
from hardware.source import EdgeError


def edge(seq, source="esp32-a", boot="3f9a0c12", gate=0, kind="B", t_us=None, **extra):
    return {"source": source, "boot": boot, "seq": seq, "gate": gate, "edge": kind,
            "t_us": 1000 * seq if t_us is None else t_us, **extra}


@pytest.fixture
def outbox(tmp_path):
    box = Outbox(tmp_path / "outbox.sqlite3")
    yield box
    box.close()


def test_put_is_idempotent_by_source_boot_seq(outbox):
    assert outbox.put(edge(1)) is True
    assert outbox.put(edge(1)) is False
    assert outbox.put(edge(1, t_us=99)) is False
    assert outbox.put(edge(1, boot="00000001")) is True
    assert outbox.put(edge(1, source="esp32-b")) is True
    assert outbox.depth() == 3


def test_peek_returns_oldest_first_with_all_fields(outbox):
    outbox.put(edge(2, t_epoch_us=1764452840123456, t_epoch_err_us=120))
    outbox.put(edge(1, gate=3, kind="C"))
    rows = outbox.peek(10)
    assert [edge_id for edge_id, _ in rows] == [1, 2]
    assert rows[0][1] == {"source": "esp32-a", "boot": "3f9a0c12", "seq": 2, "gate": 0,
                          "edge": "B", "t_us": 2000, "t_epoch_us": 1764452840123456,
                          "t_epoch_err_us": 120}
    assert rows[1][1] == {"source": "esp32-a", "boot": "3f9a0c12", "seq": 1, "gate": 3,
                          "edge": "C", "t_us": 1000}
    assert outbox.peek(1) == rows[:1]
    assert outbox.peek(10, after_id=1) == rows[1:]


def test_delete_removes_only_given_ids(outbox):
    assert outbox.put_many([edge(s) for s in range(1, 6)]) == 5
    assert outbox.delete([2, 4, 99]) == 2
    assert [e["seq"] for _, e in outbox.peek(10)] == [1, 3, 5]
    assert outbox.depth() == 3
    assert outbox.delete([]) == 0


def test_put_many_skips_duplicates(outbox):
    outbox.put(edge(2))
    assert outbox.put_many([edge(1), edge(2), edge(3), edge(3)]) == 2
    assert [e["seq"] for _, e in outbox.peek(10)] == [2, 1, 3]


def test_edges_survive_reopen(tmp_path):
    path = tmp_path / "sub" / "outbox.sqlite3"
    first = Outbox(path)
    first.put(edge(1))
    first.put(edge(2))
    first.delete([1])
    first.close()
    second = Outbox(path)
    assert second.peek(10) == [(2, edge(2))]
    assert second.put(edge(2)) is False
    assert second.put(edge(3)) is True
    assert [e["seq"] for _, e in second.peek(10)] == [2, 3]
    second.close()


def test_rejected_edges_are_kept_with_reason(outbox):
    outbox.put(edge(1))
    outbox.put(edge(2))
    assert outbox.reject(1, "unknown source") is True
    assert outbox.reject(1, "again") is False
    assert outbox.rejected() == [(1, edge(1), "unknown source")]
    assert outbox.rejected_count() == 1
    assert outbox.depth() == 1
    # The server would refuse it again, so it is not queued a second time.
    assert outbox.put(edge(1)) is False
    assert outbox.depth() == 1


def test_wal_and_full_sync_are_on(outbox):
    outbox.put(edge(1))
    outbox.delete([1])  # deletes skip their fsync, puts must not
    assert outbox._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert outbox._db.execute("PRAGMA synchronous").fetchone()[0] == 2


@pytest.mark.parametrize("bad", [
    {"source": "a", "boot": "b", "seq": 0, "gate": 0, "edge": "B", "t_us": 1},
    {"source": "a", "boot": "b", "seq": True, "gate": 0, "edge": "B", "t_us": 1},
    {"source": "", "boot": "b", "seq": 1, "gate": 0, "edge": "B", "t_us": 1},
    {"source": "a", "boot": "b", "seq": 1, "gate": 0, "edge": "X", "t_us": 1},
    {"source": "a", "boot": "b", "seq": 1, "gate": -1, "edge": "B", "t_us": 1},
    {"source": "a", "boot": "b", "seq": 1, "gate": 0, "edge": "B"},
    {"source": "a", "boot": "b", "seq": 1, "gate": 0, "edge": "B", "t_us": 1,
     "t_epoch_err_us": -5},
])
def test_malformed_edges_are_refused(outbox, bad):
    with pytest.raises(EdgeError):
        outbox.put(bad)
    assert outbox.depth() == 0


def test_concurrent_puts_store_each_edge_once(outbox):
    def writer(source):
        for seq in range(1, 51):
            outbox.put(edge(seq, source=source))
            outbox.put(edge(seq, source=source))

    threads = [threading.Thread(target=writer, args=(f"s{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rows = outbox.peek(1000)
    assert len(rows) == 200
    for source in ("s0", "s1", "s2", "s3"):
        assert [e["seq"] for _, e in rows if e["source"] == source] == list(range(1, 51))
