"""Properties of elimination brackets for any size and any seeding."""

import zlib
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from judging.brackets import MatchStatus, Stage, double, resolve, single
from judging.brackets.double import GrandFinal
from judging.match import MatchResult

SETTINGS = settings(max_examples=40, deadline=None)


def play_out(bracket, upset_seed: int):
    """Play every callable match until none is left; upsets chosen by a seeded hash."""
    results: list[MatchResult] = []
    while True:
        state = resolve(bracket, results)
        ready = state.ready
        if not ready:
            return state, results
        for m in ready:
            home_wins = zlib.crc32(f"{upset_seed}{m.match_id}{m.home}".encode()) % 3 != 0
            winner = m.home if home_wins else m.away
            results.append(MatchResult(m.match_id, m.home, m.away, winner, int(home_wins),
                                       int(not home_wins)))


entrant_lists = st.integers(min_value=2, max_value=128).flatmap(
    lambda n: st.permutations([f"T{i:03d}" for i in range(n)])
)


@SETTINGS
@given(entrant_lists, st.booleans(), st.integers(0, 10**6))
def test_single_elimination_has_one_unbeaten_champion(entrants, third_place, upsets):
    bracket = single.build(entrants, third_place=third_place)
    state, results = play_out(bracket, upsets)
    n = len(entrants)
    played = [m for m in state.matches if m.status is MatchStatus.DONE]
    assert len(played) == n - 1 + (1 if third_place and n >= 4 else 0)
    assert state.champion in entrants
    assert state.warnings == ()
    main = [m for m in played if m.stage is Stage.WINNERS]
    assert all(m.loser != state.champion for m in played)
    assert all(m.winner == state.champion for m in played if state.champion in (m.home, m.away))
    seen = Counter(t for m in state.matches for t in (m.home, m.away) if t)
    assert set(seen) == set(entrants)
    losses = Counter(m.loser for m in main)
    assert set(losses) == set(entrants) - {state.champion}
    assert all(count == 1 for count in losses.values())
    assert all(m.status in (MatchStatus.DONE, MatchStatus.BYE, MatchStatus.EMPTY)
               for m in state.matches)


@SETTINGS
@given(entrant_lists, st.sampled_from(list(GrandFinal)), st.integers(0, 10**6))
def test_double_elimination_needs_two_losses(entrants, grand_final, upsets):
    bracket = double.build(entrants, grand_final=grand_final)
    state, _ = play_out(bracket, upsets)
    n = len(entrants)
    played = [m for m in state.matches if m.status is MatchStatus.DONE]
    reset_played = state["GF2"].status is MatchStatus.DONE if grand_final == "reset" else False
    expected = {GrandFinal.NONE: 2 * n - 3, GrandFinal.SIMPLE: 2 * n - 2,
                GrandFinal.RESET: 2 * n - 1 if reset_played else 2 * n - 2}[grand_final]
    assert len(played) == expected
    assert state.champion in entrants
    assert state.warnings == ()
    losses = Counter(m.loser for m in played)
    assert set(t for m in state.matches for t in (m.home, m.away) if t) == set(entrants)
    # Everyone but the champion and at most the runner-up is out, after exactly two losses.
    not_champion = set(entrants) - {state.champion}
    assert losses[state.champion] <= 1
    assert all(losses[t] in (1, 2) for t in not_champion)
    one_loss = {t for t in not_champion if losses[t] == 1}
    if grand_final is GrandFinal.RESET:
        assert one_loss == set()
    elif grand_final is GrandFinal.SIMPLE:
        # only a winners' champion beaten in the single grand final goes out after one loss
        assert len(one_loss) == losses[state.champion]
    else:
        # without a grand final the losers' champion is runner-up with one loss
        assert len(one_loss) == 1 and losses[state.champion] == 0
    last_match_of = {}
    for m in played:
        for t in (m.home, m.away):
            last_match_of[t] = m.match_id
    for t in not_champion:
        if losses[t] == 2:
            # the second loss is their last match: nobody plays on after being eliminated
            lost = [m.match_id for m in played if m.loser == t]
            assert last_match_of[t] == lost[-1]


@SETTINGS
@given(st.integers(min_value=2, max_value=128))
def test_top_seeds_get_the_byes(n):
    entrants = [f"T{i:03d}" for i in range(1, n + 1)]
    state = resolve(single.build(entrants), [])
    byes = sorted(m.winner for m in state.matches if m.status is MatchStatus.BYE)
    size = 1 << (n - 1).bit_length()
    assert byes == entrants[: size - n]


@SETTINGS
@given(entrant_lists, st.sampled_from(list(GrandFinal)), st.integers(0, 10**6), st.data())
def test_a_correction_never_loses_a_stored_result(entrants, grand_final, upsets, data):
    bracket = double.build(entrants, grand_final=grand_final)
    _, results = play_out(bracket, upsets)
    index = data.draw(st.integers(0, len(results) - 1))
    old = results[index]
    flipped = MatchResult(old.match_id, old.home, old.away, old.loser, old.away_score,
                          old.home_score)
    corrected = [*results[:index], flipped, *results[index + 1:]]
    state = resolve(bracket, corrected)
    warned = {w.result for w in state.warnings}
    for result in corrected:
        used = state[result.match_id].result == result
        assert used != (result in warned)
    assert state[old.match_id].winner == old.loser
