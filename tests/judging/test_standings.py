"""Group tables: points, head-to-head among the tied, shared ranks, lots."""

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from judging.errors import RuleViolation
from judging.match import MatchResult, score_match
from judging.standings import MetricKey, PointsScheme, StandingsRules, standings

P, H2H, GD, GF = (MetricKey.POINTS, MetricKey.HEAD_TO_HEAD, MetricKey.GOAL_DIFFERENCE,
                  MetricKey.GOALS_FOR)


def game(match_id, home, away, hs, as_, **fouls):
    return score_match(match_id, home, away, hs, as_, draw_allowed=True, **fouls)


GROUP = [game("A-R1-1", "A", "B", 1, 0), game("A-R1-2", "C", "D", 2, 2),
         game("A-R2-1", "A", "C", 0, 2), game("A-R2-2", "B", "D", 3, 0),
         game("A-R3-1", "A", "D", 2, 1), game("A-R3-2", "B", "C", 1, 0)]


def table(rows):
    return [(r.rank, r.team, r.record.points, r.record.goal_difference) for r in rows]


def test_head_to_head_before_goal_difference():
    rows = standings("ABCD", GROUP, StandingsRules(precedence=(P, H2H, GD, GF)))
    assert table(rows) == [(1, "A", 6, 0), (2, "B", 6, 3), (3, "C", 4, 1), (4, "D", 1, -4)]
    rows = standings("ABCD", GROUP, StandingsRules(precedence=(P, GD, H2H)))
    assert table(rows) == [(1, "B", 6, 3), (2, "A", 6, 0), (3, "C", 4, 1), (4, "D", 1, -4)]
    b = rows[0].record
    assert (b.played, b.won, b.drawn, b.lost, b.score_for, b.score_against) == (3, 2, 0, 1, 4, 1)


def test_three_way_head_to_head_circle_falls_through_to_goals():
    results = [game("R1-1", "A", "B", 1, 0), game("R1-2", "B", "C", 2, 0),
               game("R2-1", "C", "A", 3, 0), game("R2-2", "A", "D", 5, 0),
               game("R3-1", "B", "D", 1, 0), game("R3-2", "C", "D", 1, 0)]
    rows = standings("ABCD", results, StandingsRules(precedence=(P, H2H, GD, GF)))
    assert [(r.rank, r.team) for r in rows] == [(1, "A"), (2, "C"), (3, "B"), (4, "D")]


def test_teams_tied_on_everything_share_a_rank_until_lots_are_drawn():
    results = [game("R1-1", "X", "Y", 1, 1), game("R2-1", "Z", "X", 0, 1),
               game("R3-1", "Z", "Y", 0, 1)]
    rows = standings("XYZ", results)
    assert [(r.rank, r.team, r.shared) for r in rows] == [(1, "X", True), (1, "Y", True),
                                                          (3, "Z", False)]
    for seed in ("kejurda-2026", "another"):
        lots = standings("XYZ", results, StandingsRules(precedence=(P, MetricKey.LOTS),
                                                        lots_seed=seed))
        draw = sorted("XY", key=lambda t: hashlib.sha256(f"{seed}\x00{t}".encode()).hexdigest())
        assert [(r.rank, r.team) for r in lots] == [(1, draw[0]), (2, draw[1]), (3, "Z")]


def test_fewest_penalties_yuko_best_time_and_capped_difference():
    results = [game("R1-1", "A", "B", 2, 0, home_fouls=3), game("R2-1", "B", "C", 2, 0),
               game("R3-1", "C", "A", 2, 0, away_fouls=1), game("R4-1", "A", "D", 12, 0)]
    rules = StandingsRules(precedence=(P, MetricKey.FEWEST_PENALTIES), goal_difference_cap=10)
    rows = standings("ABCD", results, rules)
    assert [(r.rank, r.team, r.record.fouls) for r in rows] == [
        (1, "A", 4), (2, "B", 0), (2, "C", 0), (4, "D", 0)]
    assert [r.record.goal_difference for r in rows] == [10, 0, 0, -10]
    rules = StandingsRules(precedence=(P, MetricKey.YUKO, MetricKey.BEST_TIME))
    rows = standings("BC", results[1:2], rules, best_times_us={"C": 9_000_000})
    assert [r.team for r in rows] == ["B", "C"]
    rows = standings("BCE", [], rules, best_times_us={"C": 9_000_000, "E": 8_000_000})
    assert [(r.rank, r.team) for r in rows] == [(1, "E"), (2, "C"), (3, "B")]


def test_swiss_byes_and_buchholz():
    results = [MatchResult("S1-1", "A", "B", "A", 1, 0), MatchResult("S2-1", "A", "C", "A", 1, 0)]
    rules = StandingsRules(precedence=(P, MetricKey.BUCHHOLZ, MetricKey.WINS),
                           points=PointsScheme(win=1, draw=0, loss=0, bye=1))
    rows = standings("ABC", results, rules, byes=["C", "B"])
    # A 2 points; B and C 1 point (a bye each); equal Buchholz (A's 2) and wins: shared.
    assert [(r.rank, r.team, r.record.points) for r in rows] == [(1, "A", 2), (2, "B", 1),
                                                                 (2, "C", 1)]


@st.composite
def round_robin_results(draw):
    n = draw(st.integers(2, 8))
    teams = [f"T{i}" for i in range(n)]
    results = []
    for i in range(n):
        for j in range(i + 1, n):
            hs, as_ = draw(st.integers(0, 3)), draw(st.integers(0, 3))
            results.append(game(f"M{i}-{j}", teams[i], teams[j], hs, as_))
    return teams, results


@settings(max_examples=60, deadline=None)
@given(round_robin_results(), st.permutations(list(MetricKey)), st.randoms())
def test_standings_are_a_total_preorder_invariant_to_input_order(data, precedence, rnd):
    teams, results = data
    rules = StandingsRules(precedence=tuple(precedence[:4]))
    rows = standings(teams, results, rules)
    assert sorted(r.team for r in rows) == sorted(teams)
    for index, row in enumerate(rows):
        tied_before = index > 0 and rows[index - 1].rank == row.rank
        assert row.rank == (rows[index - 1].rank if tied_before else index + 1)
        assert row.shared == any(o.rank == row.rank and o is not row for o in rows)
    if precedence[0] is MetricKey.POINTS:
        points = [r.record.points for r in rows]
        assert points == sorted(points, reverse=True)
    shuffled_teams, shuffled_results = list(teams), list(results)
    rnd.shuffle(shuffled_teams)
    rnd.shuffle(shuffled_results)
    assert standings(shuffled_teams, shuffled_results, rules) == rows


def test_unknown_teams_and_duplicate_results_are_refused():
    with pytest.raises(RuleViolation, match="Z not in this table"):
        standings("AB", [game("R1-1", "A", "Z", 1, 0)])
    with pytest.raises(RuleViolation, match="more than one result for R1-1"):
        standings("AB", [game("R1-1", "A", "B", 1, 0)] * 2)


def test_row_as_json_friendly_dict():
    rows = standings("AB", [game("R1-1", "A", "B", 2, 1, away_fouls=1)])
    assert rows[1].to_dict() == {"rank": 2, "team": "B", "shared": False, "played": 1,
                                 "won": 0, "drawn": 0, "lost": 1, "score_for": 1,
                                 "score_against": 2, "goal_difference": -1, "fouls": 1,
                                 "byes": 0, "points": 0}
