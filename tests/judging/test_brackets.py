"""Worked bracket examples: byes, correction re-flow, grand final reset, round robin."""

from collections import Counter
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from judging.brackets import (
    BracketWarning,
    MatchStatus,
    WarningKind,
    double,
    resolve,
    round_robin,
    single,
)
from judging.brackets.double import GrandFinal
from judging.errors import RuleViolation
from judging.match import MatchResult

EIGHT = ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8"]


def won(match_id, home, away, winner):
    return MatchResult(match_id, home, away, winner, 2 if winner == home else 0,
                       0 if winner == home else 2)


def summary(state):
    return {m.match_id: (m.status.value, m.home, m.away, m.winner) for m in state.matches}


def test_five_entrants_give_byes_to_the_top_three():
    state = resolve(single.build(EIGHT[:5], third_place=True), [])
    assert summary(state) == {
        "W1-1": ("bye", "S1", None, "S1"),
        "W1-2": ("ready", "S4", "S5", None),
        "W1-3": ("bye", "S2", None, "S2"),
        "W1-4": ("bye", "S3", None, "S3"),
        "W2-1": ("pending", "S1", None, None),
        "W2-2": ("ready", "S2", "S3", None),
        "3P": ("pending", None, None, None),
        "W3-1": ("pending", None, None, None),
    }


QUARTERS = [won("W1-1", "S1", "S8", "S1"), won("W1-2", "S4", "S5", "S4"),
            won("W1-3", "S2", "S7", "S2"), won("W1-4", "S3", "S6", "S3")]


def test_corrected_quarter_final_reflows_into_a_scheduled_semi_final():
    bracket = single.build(EIGHT)
    before = resolve(bracket, QUARTERS)
    assert summary(before)["W2-1"] == ("ready", "S1", "S4", None)
    corrected = [QUARTERS[0], won("W1-2", "S4", "S5", "S5"), *QUARTERS[2:]]
    after = resolve(bracket, corrected)
    assert summary(after)["W2-1"] == ("ready", "S1", "S5", None)
    assert after.warnings == ()


def test_corrected_quarter_final_after_the_semi_final_was_played_is_reported():
    bracket = single.build(EIGHT)
    semi = won("W2-1", "S1", "S4", "S4")
    final = won("W3-1", "S4", "S2", "S4")
    played = [*QUARTERS, semi, won("W2-2", "S2", "S3", "S2"), final]
    assert resolve(bracket, played).champion == "S4"
    correction = won("W1-2", "S4", "S5", "S5")
    after = resolve(bracket, [correction if r.match_id == "W1-2" else r for r in played])
    assert summary(after) == {
        "W1-1": ("done", "S1", "S8", "S1"),
        "W1-2": ("done", "S4", "S5", "S5"),
        "W1-3": ("done", "S2", "S7", "S2"),
        "W1-4": ("done", "S3", "S6", "S3"),
        "W2-1": ("ready", "S1", "S5", None),
        "W2-2": ("done", "S2", "S3", "S2"),
        "W3-1": ("pending", None, "S2", None),
    }
    assert after.champion is None
    assert after.warnings == (
        BracketWarning("W2-1", WarningKind.STALE_ENTRANTS,
                       "W2-1: stored result S1-S4 but the match is now S1-S5", semi),
        BracketWarning("W3-1", WarningKind.ENTRANTS_UNKNOWN,
                       "W3-1: an entrant is not decided", final),
    )


def test_results_that_cannot_be_used_are_reported_not_dropped():
    bracket = single.build(EIGHT[:3])
    bye = won("W1-1", "S1", "S3", "S1")
    stray = won("X9", "S1", "S2", "S1")
    draw = MatchResult("W1-2", "S2", "S3", None, 1, 1)
    state = resolve(bracket, [bye, stray, draw])
    assert [(w.match_id, w.kind) for w in state.warnings] == [
        ("W1-1", WarningKind.NOT_PLAYED), ("W1-2", WarningKind.NO_WINNER),
        ("X9", WarningKind.UNKNOWN_MATCH)]
    assert state["W1-2"].status is MatchStatus.READY
    with pytest.raises(RuleViolation, match="W1-2: more than one result"):
        resolve(bracket, [draw, draw])


def test_double_elimination_of_four_with_a_bracket_reset():
    bracket = double.build(EIGHT[:4], grand_final=GrandFinal.RESET)
    assert [m.match_id for m in bracket.matches] == [
        "W1-1", "W1-2", "W2-1", "L1-1", "L2-1", "GF", "GF2"]
    results = [won("W1-1", "S1", "S4", "S1"), won("W1-2", "S2", "S3", "S3"),
               won("W2-1", "S1", "S3", "S1"), won("L1-1", "S4", "S2", "S2"),
               won("L2-1", "S2", "S3", "S2")]
    state = resolve(bracket, results)
    assert summary(state)["GF"] == ("ready", "S1", "S2", None)
    assert summary(state)["GF2"] == ("pending", None, None, None)
    unbeaten_wins = resolve(bracket, [*results, won("GF", "S1", "S2", "S1"),
                                      won("GF2", "S1", "S2", "S2")])
    assert unbeaten_wins["GF2"].status is MatchStatus.SKIPPED
    assert unbeaten_wins.champion == "S1"
    assert [w.kind for w in unbeaten_wins.warnings] == [WarningKind.NOT_PLAYED]
    reset = resolve(bracket, [*results, won("GF", "S1", "S2", "S2")])
    assert summary(reset)["GF2"] == ("ready", "S1", "S2", None)
    assert reset.champion is None
    final = resolve(bracket, [*results, won("GF", "S1", "S2", "S2"),
                              won("GF2", "S1", "S2", "S2")])
    assert final.champion == "S2"


def test_double_elimination_drops_losers_crosswise():
    bracket = double.build(EIGHT)
    labels = {m.match_id: (m.home.label(), m.away.label()) for m in bracket.matches}
    assert labels["L2-1"] == ("winner L1-1", "loser W2-2")
    assert labels["L2-2"] == ("winner L1-2", "loser W2-1")
    assert labels["L4-1"] == ("winner L3-1", "loser W3-1")
    assert labels["GF"] == ("winner W3-1", "winner L4-1")


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 128), st.sampled_from([1, 2]))
def test_round_robin_meets_every_pair_once_per_leg(n, legs):
    teams = [f"T{i}" for i in range(n)]
    bracket = round_robin.build(teams, legs=legs, prefix="A-")
    state = resolve(bracket, [])
    pairs = Counter(frozenset((m.home, m.away)) for m in state.matches)
    assert pairs == Counter({frozenset(p): legs for p in combinations(teams, 2)})
    by_round: dict[int, list[str]] = {}
    for m in state.matches:
        by_round.setdefault(m.round, []).extend((m.home, m.away))
    assert len(by_round) == legs * (n - 1 if n % 2 == 0 else n)
    assert all(len(playing) == len(set(playing)) for playing in by_round.values())
    if legs == 2:
        home_away = Counter((m.home, m.away) for m in state.matches)
        assert set(home_away.values()) == {1}
    assert all(m.match_id.startswith("A-R") for m in bracket.matches)


def test_round_robin_of_four_by_the_circle_method():
    bracket = round_robin.build(["A", "B", "C", "D"])
    state = resolve(bracket, [MatchResult("R1-1", "A", "D", None, 1, 1)])
    assert [(m.match_id, m.home, m.away, m.status.value) for m in state.matches] == [
        ("R1-1", "A", "D", "done"), ("R1-2", "B", "C", "ready"),
        ("R2-1", "C", "A", "ready"), ("R2-2", "D", "B", "ready"),
        ("R3-1", "A", "B", "ready"), ("R3-2", "C", "D", "ready"),
    ]


def test_corrected_winners_result_reflows_into_the_losers_bracket():
    bracket = double.build(EIGHT[:4], grand_final=GrandFinal.SIMPLE)
    first = won("W1-2", "S2", "S3", "S3")
    losers = won("L1-1", "S4", "S2", "S4")
    winners_final = won("W2-1", "S1", "S3", "S1")
    played = [won("W1-1", "S1", "S4", "S1"), first, winners_final, losers]
    before = resolve(bracket, played)
    assert summary(before)["L2-1"] == ("ready", "S4", "S3", None)
    corrected = won("W1-2", "S2", "S3", "S2")
    after = resolve(bracket, [corrected if r is first else r for r in played])
    assert summary(after) == {
        "W1-1": ("done", "S1", "S4", "S1"),
        "W1-2": ("done", "S2", "S3", "S2"),
        "W2-1": ("ready", "S1", "S2", None),
        "L1-1": ("ready", "S4", "S3", None),
        "L2-1": ("pending", None, None, None),
        "GF": ("pending", None, None, None),
    }
    assert [(w.match_id, w.kind, w.message) for w in after.warnings] == [
        ("W2-1", WarningKind.STALE_ENTRANTS,
         "W2-1: stored result S1-S3 but the match is now S1-S2"),
        ("L1-1", WarningKind.STALE_ENTRANTS,
         "L1-1: stored result S4-S2 but the match is now S4-S3"),
    ]


def test_bracket_state_as_json_friendly_dict():
    stale = won("W1-1", "S1", "S3", "S1")
    state = resolve(single.build(EIGHT[:2]), [stale])
    assert state.to_dict() == {
        "champion": None,
        "matches": [{"id": "W1-1", "stage": "winners", "round": 1, "status": "ready",
                     "home": "S1", "away": "S2", "winner": None, "loser": None,
                     "result": None}],
        "warnings": [{"match_id": "W1-1", "kind": "stale_entrants",
                      "message": "W1-1: stored result S1-S3 but the match is now S1-S2",
                      "result": stale.to_dict()}],
    }
    assert single.build(EIGHT[:2]).to_dict() == {
        "kind": "single_elimination", "entrants": ["S1", "S2"], "final_ids": ["W1-1"],
        "matches": [{"id": "W1-1", "stage": "winners", "round": 1, "home": "seed 1",
                     "away": "seed 2", "reset_of": None}]}
