"""Seeding strategies, institution separation, snake groups, and cross-seeded knockouts."""

from collections import Counter

import pytest

from judging.brackets import MatchStatus, resolve
from judging.brackets.groups import (
    Group,
    draw_groups,
    group_stage,
    knockout_from_groups,
    qualifiers,
)
from judging.brackets.seeding import (
    SeedingMethod,
    bracket_positions,
    seed_entrants,
    separate_first_round,
    snake,
)
from judging.errors import RuleViolation
from judging.match import score_match
from judging.standings import standings


def test_bracket_positions_keep_top_seeds_apart():
    assert bracket_positions(2) == (1, 2)
    assert bracket_positions(8) == (1, 8, 4, 5, 2, 7, 3, 6)


def test_seeding_registry():
    teams = ["C", "A", "D", "B"]
    assert seed_entrants(SeedingMethod.RANK, teams, ranks={"D": 1, "A": 2}) == ("D", "A", "B", "C")
    assert seed_entrants(SeedingMethod.AS_LISTED, teams) == ("C", "A", "D", "B")
    drawn = seed_entrants(SeedingMethod.RANDOM, teams, seed="blitar-2026")
    assert drawn == seed_entrants(SeedingMethod.RANDOM, sorted(teams), seed="blitar-2026")
    assert sorted(drawn) == sorted(teams)
    others = {seed_entrants(SeedingMethod.RANDOM, teams, seed=str(s)) for s in range(20)}
    assert len(others) > 1
    with pytest.raises(RuleViolation, match="more than once: A"):
        seed_entrants(SeedingMethod.RANK, ["A", "A"])


def test_snake_deals_back_and_forth():
    assert snake([str(i) for i in range(1, 9)], 3) == (("1", "6", "7"), ("2", "5", "8"),
                                                       ("3", "4"))


def test_same_institution_kept_apart_in_the_first_round():
    seeds = ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8"]
    school = {"S1": "SMAN 1", "S8": "SMAN 1", "S4": "SMKN 2", "S5": "SMKN 2"}
    # 1-8 and 4-5 clash; S8 moves next to the nearest free seed, S5 likewise.
    order = separate_first_round(seeds, school)
    assert order == ("S1", "S2", "S3", "S4", "S6", "S5", "S8", "S7")
    pairs = [(order[a - 1], order[b - 1]) for a, b in zip(bracket_positions(8)[::2],
                                                          bracket_positions(8)[1::2],
                                                          strict=True)]
    assert all(school.get(a) is None or school.get(a) != school.get(b) for a, b in pairs)
    # Impossible to separate: everyone from one school; nothing moves.
    assert separate_first_round(["A", "B"], {"A": "X", "B": "X"}) == ("A", "B")


def test_groups_by_snake_with_institutions_apart():
    seeded = [f"T{i}" for i in range(1, 9)]
    plain = draw_groups(seeded, 2)
    assert plain == (Group("A", ("T1", "T4", "T5", "T8")), Group("B", ("T2", "T3", "T6", "T7")))
    school = {"T1": "X", "T4": "X"}
    apart = draw_groups(seeded, 2, school)
    assert apart == (Group("A", ("T1", "T3", "T5", "T8")), Group("B", ("T2", "T4", "T6", "T7")))
    with pytest.raises(RuleViolation, match="cannot fill 3 groups"):
        draw_groups(seeded[:5], 3)


def test_group_stage_brackets_have_prefixed_ids():
    stage = group_stage(draw_groups([f"T{i}" for i in range(1, 9)], 2))
    assert list(stage) == ["A", "B"]
    assert [m.match_id for m in stage["B"].matches][:2] == ["B-R1-1", "B-R1-2"]
    assert len(stage["A"].matches) == 6


def test_cross_seeded_knockout_a1_meets_b2():
    qualifiers = {"A": ["a1", "a2"], "B": ["b1", "b2"], "C": ["c1", "c2"], "D": ["d1", "d2"]}
    state = resolve(knockout_from_groups(qualifiers, third_place=True), [])
    first = [(m.match_id, m.home, m.away) for m in state.matches if m.round == 1]
    assert first == [("W1-1", "a1", "b2"), ("W1-2", "c1", "d2"), ("W1-3", "b1", "a2"),
                     ("W1-4", "d1", "c2")]
    assert [m.match_id for m in state.matches] == ["W1-1", "W1-2", "W1-3", "W1-4", "W2-1",
                                                   "W2-2", "3P", "W3-1"]
    two = resolve(knockout_from_groups({"A": ["a1", "a2"], "B": ["b1", "b2"]}), [])
    assert [(m.home, m.away) for m in two.matches if m.round == 1] == [("a1", "b2"),
                                                                       ("b1", "a2")]


def test_knockout_from_an_odd_number_of_groups_avoids_same_group_openers():
    qualifiers = {"A": ["a1", "a2"], "B": ["b1", "b2"], "C": ["c1", "c2"]}
    state = resolve(knockout_from_groups(qualifiers), [])
    assert Counter(m.status for m in state.matches if m.round == 1) == Counter(
        {MatchStatus.BYE: 2, MatchStatus.READY: 2})
    ready = [(m.home, m.away) for m in state.matches if m.status is MatchStatus.READY]
    assert ready == [("a2", "c2"), ("c1", "b2")]
    with pytest.raises(RuleViolation, match="same number"):
        knockout_from_groups({"A": ["a1", "a2"], "B": ["b1"]})


def test_qualifiers_from_group_tables_and_a_tie_on_the_line():
    def table(teams, scores):
        results = [score_match(f"R{i}", h, a, hs, as_, draw_allowed=True)
                   for i, (h, a, hs, as_) in enumerate(scores)]
        return standings(teams, results)

    a = table("PQR", [("P", "Q", 2, 0), ("Q", "R", 1, 0), ("P", "R", 1, 0)])
    b = table("STU", [("S", "T", 0, 0), ("S", "U", 2, 0), ("T", "U", 2, 0)])
    assert qualifiers({"A": a, "B": b}, 2) == {"A": ("P", "Q"), "B": ("S", "T")}
    with pytest.raises(RuleViolation, match="group B: S, T are tied across the qualifying"):
        qualifiers({"A": a, "B": b}, 1)
    with pytest.raises(RuleViolation, match="group A: 3 teams cannot send 4"):
        qualifiers({"A": a}, 4)


def test_one_group_sends_its_top_two_to_a_final():
    state = resolve(knockout_from_groups({"A": ["a1", "a2"]}), [])
    assert [(m.match_id, m.home, m.away) for m in state.matches] == [("W1-1", "a1", "a2")]
