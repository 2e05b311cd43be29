"""The outbox against a plain-Python model, over random sequences of operations."""

import itertools
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.outbox import Outbox

keys = st.tuples(st.sampled_from(["esp32-a", "pi-b"]), st.sampled_from(["b1", "b2"]),
                 st.integers(1, 6))
ops = st.lists(st.one_of(
    st.tuples(st.just("put"), keys),
    st.tuples(st.just("delete"), st.integers(0, 5)),
    st.tuples(st.just("reject"), st.integers(0, 5)),
    st.tuples(st.just("reopen"), st.none()),
), max_size=40)


def make_edge(key):
    source, boot, seq = key
    return {"source": source, "boot": boot, "seq": seq, "gate": seq % 3, "edge": "B",
            "t_us": seq * 7}


@settings(max_examples=40, deadline=None)
@given(ops)
def test_outbox_behaves_like_an_ordered_set_with_a_rejected_bin(operations):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "outbox.sqlite3"
        box = Outbox(path)
        queued: list[tuple] = []      # the model: keys in arrival order
        rejected: list[tuple] = []
        arrived: dict[tuple, int] = {}  # key -> when it was last queued
        ticks = itertools.count()
        for op, arg in operations:
            if op == "put":
                expect_new = arg not in queued and arg not in rejected
                assert box.put(make_edge(arg)) is expect_new
                if expect_new:
                    queued.append(arg)
                    arrived[arg] = next(ticks)
            elif op in ("delete", "reject") and queued:
                index = arg % len(queued)
                edge_id = box.peek(100)[index][0]
                key = queued.pop(index)
                if op == "delete":
                    assert box.delete([edge_id]) == 1
                else:
                    assert box.reject(edge_id, "refused") is True
                    rejected.append(key)
            elif op == "reopen":
                box.close()
                box = Outbox(path)
            rows = box.peek(100)
            assert [(e["source"], e["boot"], e["seq"]) for _, e in rows] == queued
            assert [make_edge(k) for k in queued] == [e for _, e in rows]
            assert box.depth() == len(queued)
            assert [(e["source"], e["boot"], e["seq"]) for _, e, _ in box.rejected()] == \
                sorted(rejected, key=arrived.get)
        box.close()
