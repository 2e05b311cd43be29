"""Technical inspection: checklists from the event file, verdicts, a team's status."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from judging.errors import RuleViolation
from judging.inspection import (
    Inspection,
    Status,
    may_compete,
    parse_checklist,
    status,
    verdict,
)

SUMO = parse_checklist([
    {"key": "massa", "name": "Massa", "kind": "max", "limit": 3000, "unit": "g"},
    {"key": "ukuran", "name": "Ukuran", "kind": "box", "limit": [20, 20, 20], "unit": "cm"},
    {"key": "tegangan", "name": "Tegangan", "kind": "max", "limit": 12, "unit": "V"},
    {"key": "tanpa_mcu", "name": "Tanpa mikrokontroler", "kind": "yes"},
])


def test_a_robot_within_every_limit_passes():
    v = verdict(SUMO, {"massa": 2999.5, "ukuran": [20, 19.5, 10], "tegangan": 12,
                       "tanpa_mcu": True})
    assert v.passed and v.failed_keys == ()


def test_each_failed_item_is_named_with_its_reason():
    v = verdict(SUMO, {"massa": 3001, "ukuran": [21, 10, 10], "tanpa_mcu": False})
    assert not v.passed
    assert [(r.key, r.reason) for r in v.items if not r.passed] == [
        ("massa", "above the limit"), ("ukuran", "too large"),
        ("tegangan", "not measured"), ("tanpa_mcu", "does not hold")]


def test_a_box_fits_in_any_orientation():
    box = parse_checklist([{"key": "u", "name": "U", "kind": "box", "limit": [10, 20, 30]}])
    assert verdict(box, {"u": [30, 10, 20]}).passed
    assert not verdict(box, {"u": [25, 25, 5]}).passed


@pytest.mark.parametrize("values, message", [
    ({"massa": "berat"}, "massa: a number"),
    ({"massa": True}, "massa: a number"),
    ({"ukuran": [1, 2]}, "ukuran: three numbers"),
    ({"tanpa_mcu": 1}, "tanpa_mcu: yes or no"),
    ({"warna": "merah"}, "values.warna: not an item"),
])
def test_bad_values_are_refused_naming_the_item(values, message):
    with pytest.raises(RuleViolation, match=message):
        verdict(SUMO, values)


@pytest.mark.parametrize("raw, message", [
    ([], r"inspection: a non-empty list"),
    ([{"key": "m", "name": "M", "kind": "heavy", "limit": 1}], r"inspection\[1\]\.kind"),
    ([{"key": "m", "name": "M", "kind": "max"}], r"inspection\[1\]\.limit: a number"),
    ([{"key": "m", "name": "M", "kind": "box", "limit": [1, 2]}], r"inspection\[1\]\.limit"),
    ([{"key": "m", "name": "M", "kind": "yes", "limit": 3}], r"inspection\[1\]\.limit"),
    ([{"key": "m", "name": "M", "kind": "yes"}, {"key": "m", "name": "N", "kind": "no"}],
     r"inspection\[2\]\.key: 'm' appears twice"),
    ([{"key": "m", "name": "M", "kind": "yes", "colour": 1}], r"inspection\[1\]\.colour"),
    ([{"key": "", "name": "M", "kind": "yes"}], r"inspection\[1\]\.key: required"),
])
def test_bad_checklists_are_refused_naming_the_key(raw, message):
    with pytest.raises(RuleViolation, match=message):
        parse_checklist(raw)


def test_the_latest_inspection_decides_and_a_failed_team_may_be_reinspected():
    t0 = datetime(2026, 7, 1, 8, 0)
    assert status([]) is Status.NOT_INSPECTED
    assert may_compete(True, status([])) == "not yet inspected"
    failed = [Inspection(t0, False)]
    assert may_compete(True, status(failed)) == "failed technical inspection"
    repaired = failed + [Inspection(t0 + timedelta(minutes=30), True)]
    assert status(repaired) is Status.PASSED and may_compete(True, status(repaired)) is None
    broken_again = repaired + [Inspection(t0 + timedelta(hours=2), False)]
    assert status(broken_again) is Status.FAILED
    assert may_compete(False, Status.NOT_INSPECTED) is None


@given(st.floats(0, 10_000, allow_nan=False), st.floats(1, 10_000, allow_nan=False))
def test_a_max_item_passes_exactly_when_the_value_is_within_the_limit(value, limit):
    items = parse_checklist([{"key": "m", "name": "M", "kind": "max", "limit": limit}])
    assert verdict(items, {"m": value}).passed is (value <= limit)
