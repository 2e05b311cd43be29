"""Swiss pairing: by score, never a rematch while another pairing exists, byes, Buchholz."""

import zlib
from itertools import permutations

from hypothesis import given, settings
from hypothesis import strategies as st

from judging.brackets.swiss import Pairing, default_rounds, pair_round, swiss_standings
from judging.match import MatchResult


def play(pairings, salt):
    results, byes = [], []
    for p in pairings:
        if p.away is None:
            byes.append(p.home)
            continue
        home_wins = zlib.crc32(f"{salt}{p.match_id}{p.home}".encode()) % 3 != 0
        results.append(MatchResult(p.match_id, p.home, p.away, p.home if home_wins else p.away,
                                   1 if home_wins else 0, 0 if home_wins else 1))
    return results, byes


def rematch_free_pairing_exists(teams, met):
    """Brute force for small fields: is there any pairing (with one bye if odd) with no rematch?"""
    for order in permutations(teams):
        pairs = [frozenset(order[i:i + 2]) for i in range(0, len(order) - 1, 2)]
        if not any(p in met for p in pairs):
            return True
    return False


def test_round_one_pairs_top_half_by_seed_order_and_gives_the_last_seed_the_bye():
    assert pair_round(["A", "B", "C", "D", "E"], [], 1) == (
        Pairing("S1-1", "A", "B"), Pairing("S1-2", "C", "D"), Pairing("S1-3", "E", None))


def test_round_two_pairs_winners_with_winners():
    round_one = [MatchResult("S1-1", "A", "B", "B", 0, 1), MatchResult("S1-2", "C", "D", "C", 1, 0)]
    assert pair_round("ABCD", round_one, 2) == (Pairing("S2-1", "B", "C"),
                                                Pairing("S2-2", "A", "D"))


def test_bye_goes_to_someone_without_one_and_buchholz_orders_the_table():
    results = [MatchResult("S1-1", "A", "B", "A", 1, 0)]
    second = pair_round("ABC", results, 2, byes=["C"])
    assert second == (Pairing("S2-1", "A", "C"), Pairing("S2-2", "B", None))
    results.append(MatchResult("S2-1", "A", "C", "C", 0, 1))
    table = swiss_standings("ABC", results, byes=["C", "B"])
    # A 1 (opponents B 1 + C 2 = Buchholz 3), B 1 (A: 1), C 2 (A: 1).
    assert [(r.rank, r.team, r.record.points) for r in table] == [(1, "C", 2), (2, "A", 1),
                                                                  (3, "B", 1)]


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 128), st.integers(0, 10**6))
def test_no_rematch_while_the_field_is_large_enough(n, salt):
    teams = [f"T{i:02d}" for i in range(n)]
    results, byes = [], []
    rounds = max(1, min(n // 2 - 1, (n - 1).bit_length() + 1))
    for round_no in range(1, rounds + 1):
        pairings = pair_round(teams, results, round_no, byes=byes)
        seen = [t for p in pairings for t in (p.home, p.away) if t]
        assert sorted(seen) == sorted(teams)
        met = {r.teams for r in results}
        assert all(frozenset((p.home, p.away)) not in met for p in pairings if p.away)
        assert len(set(byes)) == len(byes)
        new_results, new_byes = play(pairings, salt)
        results += new_results
        byes += new_byes


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 7), st.integers(0, 10**6))
def test_a_rematch_only_when_no_other_pairing_exists(n, salt):
    teams = [f"T{i}" for i in range(n)]
    results, byes = [], []
    for round_no in range(1, n + 2):
        met = {r.teams for r in results}
        pairings = pair_round(teams, results, round_no, byes=byes)
        if any(frozenset((p.home, p.away)) in met for p in pairings if p.away):
            assert not rematch_free_pairing_exists(teams, met)
        new_results, new_byes = play(pairings, salt)
        results += new_results
        byes += new_byes


def test_default_rounds_leave_one_unbeaten_team():
    assert [default_rounds(n) for n in (2, 3, 4, 5, 8, 9, 128)] == [1, 2, 2, 3, 3, 4, 7]
