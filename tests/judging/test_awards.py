"""Podiums and the juara umum medal table: a worked example and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from judging.awards import (
    Place,
    PointsScheme,
    Ranked,
    medal_table,
    parse_points,
    podium,
)
from judging.errors import RuleViolation


def test_a_shared_second_place_gives_two_juara_2_and_no_juara_3():
    ranking = [Ranked("A1", "SMPN 1 Blitar", 1), Ranked("B1", "SMPN 2 Kanigoro", 2),
               Ranked("C1", "MTsN 1 Blitar", 2), Ranked("D1", "SMPN 1 Blitar", 4),
               Ranked("E1", "SMPN 3 Talun", 5), Ranked("F1", "SMPN 3 Talun", None)]
    places = podium("sumo-smp", ranking, harapan=2)
    assert [(p.team, p.place, p.harapan) for p in places] == [
        ("A1", 1, 0), ("B1", 2, 0), ("C1", 2, 0), ("D1", 4, 1), ("E1", 5, 2)]


def test_worked_example_medal_table_with_shared_places():
    # Three categories. lf-smp: SMPN 1 first, SMPN 2 and MTsN 1 share second.
    # sumo: MTsN 1 first, SMPN 2 second, SMPN 1 and SMPN 3 share third (no 3rd-place
    # match). kreatif: SMPN 2 first, SMPN 1 second, SMPN 3 third, MTsN 1 harapan 1.
    places = [
        *podium("lf", [Ranked("L1", "SMPN 1", 1), Ranked("L2", "SMPN 2", 2),
                       Ranked("L3", "MTsN 1", 2)]),
        *podium("sumo", [Ranked("S1", "MTsN 1", 1), Ranked("S2", "SMPN 2", 2),
                         Ranked("S3", "SMPN 1", 3), Ranked("S4", "SMPN 3", 3)]),
        *podium("kreatif", [Ranked("K1", "SMPN 2", 1), Ranked("K2", "SMPN 1", 2),
                            Ranked("K3", "SMPN 3", 3), Ranked("K4", "MTsN 1", 4)],
                harapan=1),
    ]
    scheme = PointsScheme(juara=(5, 3, 1), harapan=(1,))
    table = [row.as_dict() for row in medal_table(places, scheme)]
    # by hand: SMPN 2: gold 1 (5) + silver 2 (3+3) = 11; SMPN 1: gold 1 (5) + silver 1 (3)
    # + bronze 1 (1) = 9; MTsN 1: gold 1 (5) + silver 1 (3) + harapan 1 (1) = 9;
    # SMPN 3: bronze 2 = 2. SMPN 1 and MTsN 1 tie on points 9 and golds 1 and silvers 1;
    # SMPN 1 has a bronze, MTsN 1 none: SMPN 1 ahead.
    assert table == [
        {"rank": 1, "institution": "SMPN 2", "gold": 1, "silver": 2, "bronze": 0, "points": 11},
        {"rank": 2, "institution": "SMPN 1", "gold": 1, "silver": 1, "bronze": 1, "points": 9},
        {"rank": 3, "institution": "MTsN 1", "gold": 1, "silver": 1, "bronze": 0, "points": 9},
        {"rank": 4, "institution": "SMPN 3", "gold": 0, "silver": 0, "bronze": 2, "points": 2},
    ]


def test_schools_equal_on_points_and_every_medal_share_a_rank():
    places = [Place("a", "T1", "Y", 1), Place("b", "T2", "X", 1), Place("c", "T3", "Z", 3)]
    table = [(r.institution, r.rank) for r in medal_table(places)]
    assert table == [("X", 1), ("Y", 1), ("Z", 3)]


def test_a_harapan_place_without_points_puts_no_school_on_the_table():
    places = podium("kreatif", [Ranked("K4", "SDN 1", 4)], harapan=1)
    assert places and medal_table(places) == []


@pytest.mark.parametrize("raw, message", [
    ({"points": [5, 3]}, "awards.points: three numbers"),
    ({"points": [5, 3, -1]}, "awards.points: a list of whole numbers >= 0"),
    ({"harapan_points": "1"}, "awards.harapan_points: a list"),
    ({"medals": 1}, "awards.medals: unknown key"),
])
def test_points_scheme_refuses_bad_values_naming_the_key(raw, message):
    with pytest.raises(RuleViolation, match=message.replace(".", r"\.")):
        parse_points(raw)


places_st = st.lists(st.builds(
    Place, category=st.sampled_from("abc"), team=st.text("TU", min_size=1, max_size=2),
    institution=st.sampled_from(["S1", "S2", "S3", "S4"]), place=st.integers(1, 3)),
    max_size=30)


@given(places_st)
def test_the_table_is_ordered_by_points_then_golds_silvers_bronzes(places):
    table = medal_table(places)
    keys = [r.key() for r in table]
    assert keys == sorted(keys, reverse=True)
    for before, after in zip(table, table[1:], strict=False):
        assert after.rank == (before.rank if after.key() == before.key()
                              else table.index(after) + 1)
    assert sum(r.gold + r.silver + r.bronze for r in table) == len(places)


@given(places_st, st.randoms())
def test_the_table_does_not_depend_on_the_order_of_places(places, rnd):
    shuffled = list(places)
    rnd.shuffle(shuffled)
    assert [r.as_dict() for r in medal_table(places)] == [
        r.as_dict() for r in medal_table(shuffled)]
