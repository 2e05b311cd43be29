"""Validation of gate edges from the wire."""

import pytest

from judging.errors import RuleViolation
from judging.timed import Edge, parse_edge

GOOD = {"source": "esp32-a", "boot": "3f9a0c12", "seq": 1, "gate": 0, "edge": "B", "t_us": 1523004}


def with_(**changes):
    d = dict(GOOD)
    for key, value in changes.items():
        if value is ...:
            del d[key]
        else:
            d[key] = value
    return d


def test_minimal_edge():
    assert parse_edge(GOOD) == Edge("esp32-a", "3f9a0c12", 1, 0, "B", 1523004, None, None)


def test_full_edge_with_epoch():
    d = with_(edge="C", t_epoch_us=1764452840123456, t_epoch_err_us=120)
    assert parse_edge(d) == Edge("esp32-a", "3f9a0c12", 1, 0, "C", 1523004, 1764452840123456, 120)


def test_null_optional_fields_are_absent():
    assert parse_edge(with_(t_epoch_us=None, t_epoch_err_us=None)).t_epoch_us is None


def test_unknown_keys_are_ignored():
    assert parse_edge(with_(rssi=-40, id=7)) == parse_edge(GOOD)


def test_boundaries_accepted():
    e = parse_edge(with_(source="s" * 64, boot="b", gate=0, t_us=0, seq=2**63 - 1, t_epoch_us=0))
    assert (len(e.source), e.boot, e.seq, e.t_us, e.t_epoch_us) == (64, "b", 2**63 - 1, 0, 0)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"source": ...}, "source: missing"),
        ({"source": ""}, "source: must be 1..64 characters"),
        ({"source": "s" * 65}, "source: must be 1..64 characters"),
        ({"source": 5}, "source: must be a string"),
        ({"boot": ...}, "boot: missing"),
        ({"boot": None}, "boot: must be a string"),
        ({"seq": ...}, "seq: missing"),
        ({"seq": 0}, "seq: must be an integer in 1..9223372036854775807"),
        ({"seq": True}, "seq: must be an integer"),
        ({"seq": 1.0}, "seq: must be an integer"),
        ({"seq": "1"}, "seq: must be an integer"),
        ({"seq": 2**63}, "seq: must be an integer in 1..9223372036854775807"),
        ({"gate": -1}, "gate: must be an integer in 0..9223372036854775807"),
        ({"gate": False}, "gate: must be an integer"),
        ({"gate": None}, "gate: must be an integer"),
        ({"edge": ...}, "edge: missing"),
        ({"edge": "b"}, 'edge: must be "B" or "C"'),
        ({"edge": "X"}, 'edge: must be "B" or "C"'),
        ({"edge": 1}, 'edge: must be "B" or "C"'),
        ({"t_us": ...}, "t_us: missing"),
        ({"t_us": -5}, "t_us: must be an integer in 0..9223372036854775807"),
        ({"t_us": 12.5}, "t_us: must be an integer"),
        ({"t_epoch_us": True}, "t_epoch_us: must be an integer"),
        ({"t_epoch_us": -1}, "t_epoch_us: must be an integer in 0..9223372036854775807"),
        ({"t_epoch_us": "now"}, "t_epoch_us: must be an integer"),
        ({"t_epoch_err_us": -1}, "t_epoch_err_us: must be an integer in 0..9223372036854775807"),
        ({"t_epoch_err_us": 0.5}, "t_epoch_err_us: must be an integer"),
    ],
)
def test_bad_fields_are_named(changes, message):
    with pytest.raises(RuleViolation) as info:
        parse_edge(with_(**changes))
    assert str(info.value) == message


@pytest.mark.parametrize("bad", [None, [], "edge", 5])
def test_not_an_object(bad):
    with pytest.raises(RuleViolation, match="^edge: must be an object$"):
        parse_edge(bad)


def test_a_flagged_edge_carries_its_fault():
    assert parse_edge(with_(fault="t_us_backwards")).fault == "t_us_backwards"
    assert parse_edge(with_(fault=None)).fault is None
    with pytest.raises(RuleViolation, match="^fault: must be a string$"):
        parse_edge(with_(fault=3))
    with pytest.raises(RuleViolation, match=r"^fault: must be 1\.\.64 characters$"):
        parse_edge(with_(fault=""))
