"""Final places from elimination brackets."""

import zlib

from hypothesis import given, settings
from hypothesis import strategies as st

from judging.brackets import double, resolve, single
from judging.brackets.double import GrandFinal
from judging.brackets.placements import Placement, PlacementStatus, placements
from judging.match import MatchResult

EIGHT = [f"S{i}" for i in range(1, 9)]
CHAMPION, PLACED, OUT, IN_PLAY = (PlacementStatus.CHAMPION, PlacementStatus.PLACED,
                                  PlacementStatus.OUT, PlacementStatus.IN_PLAY)


def won(match_id, home, away, winner):
    return MatchResult(match_id, home, away, winner, int(winner == home), int(winner == away))


def play_home_wins(bracket, results=(), waves=None):
    results = list(results)
    while waves is None or waves > 0:
        ready = resolve(bracket, results).ready
        if not ready:
            break
        results += [won(m.match_id, m.home, m.away, m.home) for m in ready]
        waves = None if waves is None else waves - 1
    return results


def test_single_elimination_with_third_place():
    bracket = single.build(EIGHT, third_place=True)
    after_quarters = play_home_wins(bracket, waves=1)
    partial = placements(bracket, resolve(bracket, after_quarters))
    assert [(p.team, p.status, p.rank) for p in partial] == [
        ("S5", PLACED, 5), ("S6", PLACED, 5), ("S7", PLACED, 5), ("S8", PLACED, 5),
        ("S1", IN_PLAY, None), ("S2", IN_PLAY, None), ("S3", IN_PLAY, None),
        ("S4", IN_PLAY, None)]
    final = placements(bracket, resolve(bracket, play_home_wins(bracket)))
    assert final[:4] == (Placement("S1", CHAMPION, 1, "W3-1"), Placement("S2", PLACED, 2, "W3-1"),
                         Placement("S4", PLACED, 3, "3P"), Placement("S3", PLACED, 4, "3P"))


def test_semi_final_losers_share_third_without_a_third_place_match():
    bracket = single.build(EIGHT[:6])
    final = placements(bracket, resolve(bracket, play_home_wins(bracket)))
    assert [(p.team, p.rank) for p in final] == [("S1", 1), ("S2", 2), ("S3", 3), ("S4", 3),
                                                 ("S5", 5), ("S6", 5)]


def test_double_elimination_places_wait_for_the_rounds_before_them():
    bracket = double.build(EIGHT[:4], grand_final=GrandFinal.RESET)
    results = [won("W1-1", "S1", "S4", "S1"), won("W1-2", "S2", "S3", "S3"),
               won("L1-1", "S4", "S2", "S2")]
    # S4 is out, but W2-1 (listed before the losers' round) is still open.
    early = placements(bracket, resolve(bracket, results))
    assert early[-1] == Placement("S4", OUT, None, "L1-1")
    results += [won("W2-1", "S1", "S3", "S1"), won("L2-1", "S2", "S3", "S2"),
                won("GF", "S1", "S2", "S2"), won("GF2", "S1", "S2", "S2")]
    final = placements(bracket, resolve(bracket, results))
    assert [(p.team, p.status, p.rank) for p in final] == [
        ("S2", CHAMPION, 1), ("S1", PLACED, 2), ("S3", PLACED, 3), ("S4", PLACED, 4)]


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 128))
def test_single_elimination_place_is_one_plus_the_teams_that_went_further(n):
    teams = [f"T{i:03d}" for i in range(n)]
    bracket = single.build(teams)
    state = resolve(bracket, play_home_wins(bracket))
    reached = {}
    for m in state.matches:
        for t in (m.home, m.away):
            if t:
                reached[t] = max(reached.get(t, 0), m.round)
    reached[state.champion] += 1  # the champion went past the final
    places = placements(bracket, state)
    assert [p.status for p in places].count(CHAMPION) == 1
    for p in places:
        if p.status is PLACED:
            assert p.rank == 1 + sum(r > reached[p.team] for r in reached.values())
        else:
            assert p.status is CHAMPION and p.rank == 1


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 128), st.sampled_from(list(GrandFinal)), st.integers(0, 10**6))
def test_completed_double_elimination_places_everyone(n, grand_final, salt):
    teams = [f"T{i:03d}" for i in range(n)]
    bracket = double.build(teams, grand_final=grand_final)
    results = []
    while ready := resolve(bracket, results).ready:
        for m in ready:
            upset = zlib.crc32(f"{salt}{m.match_id}".encode()) % 3 == 0
            results.append(won(m.match_id, m.home, m.away, m.away if upset else m.home))
    state = resolve(bracket, results)
    places = placements(bracket, state)
    assert places[0] == Placement(state.champion, CHAMPION, 1, places[0].last_match)
    assert all(p.status is PLACED for p in places[1:])
    ranks = [p.rank for p in places]
    assert ranks == sorted(ranks) and ranks.count(1) == 1 and ranks.count(2) == 1
    losses = {t: sum(m.loser == t for m in state.played) for t in teams}
    # Out in a later losers' round means a better place: the places follow elimination order.
    for better, worse in zip(places[1:], places[2:], strict=False):
        if better.rank < worse.rank:
            assert bracket.matches.index(bracket.match(better.last_match)) >= \
                bracket.matches.index(bracket.match(worse.last_match))
    assert all(losses[p.team] >= 1 for p in places[1:])
