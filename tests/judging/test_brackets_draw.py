"""The draw from a category's config, and institution separation as a property."""

from hypothesis import given, settings
from hypothesis import strategies as st

from judging.brackets import resolve
from judging.brackets.draw import Draw, draw
from judging.brackets.groups import Group
from judging.brackets.seeding import bracket_positions, bracket_size, separate_first_round
from judging.categories import parse_category

BASE = {"slug": "s", "name": "S", "format": "match", "match": "sumo"}
TEAMS = ["A", "B", "C", "D", "E", "F"]
RANKS = {"A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6}


def test_single_elimination_draw_by_rank_with_schools_apart():
    config = parse_category({**BASE, "bracket": "single_elimination"}).match
    result = draw(config, TEAMS, ranks=RANKS, institutions={"D": "SMAN 1", "E": "SMAN 1"})
    # 4 v 5 would be two SMAN 1 teams: E swaps with the nearest free seed, F.
    assert result.seeded == ("A", "B", "C", "D", "F", "E")
    state = resolve(result.bracket, [])
    assert [(m.home, m.away) for m in state.matches if m.round == 1] == [
        ("A", None), ("D", "F"), ("B", None), ("C", "E")]


def test_random_draw_and_groups_and_swiss():
    config = parse_category({**BASE, "bracket": "groups_knockout", "groups": 2,
                             "seeding": "random", "seeding_seed": "x"}).match
    drawn = draw(config, TEAMS)
    again = draw(config, list(reversed(TEAMS)))
    assert drawn == again
    assert sorted(t for g in drawn.groups for t in g.teams) == TEAMS
    assert list(drawn.group_brackets) == ["A", "B"]
    ranked = parse_category({**BASE, "bracket": "groups_knockout", "groups": 2}).match
    assert draw(ranked, TEAMS, ranks=RANKS).groups == (Group("A", ("A", "D", "E")),
                                                       Group("B", ("B", "C", "F")))
    swiss = parse_category({**BASE, "bracket": "swiss"}).match
    assert draw(swiss, TEAMS, ranks=RANKS) == Draw(("A", "B", "C", "D", "E", "F"))
    double = parse_category({**BASE, "bracket": "double_elimination",
                             "grand_final": "simple"}).match
    assert draw(double, TEAMS).bracket.final_ids == ("GF",)
    robin = parse_category({**BASE, "bracket": "round_robin", "legs": 2}).match
    assert len(draw(robin, TEAMS).bracket.matches) == 30


def clashes(order, schools):
    size = bracket_size(len(order))
    pos = bracket_positions(size)
    count = 0
    for i in range(0, size, 2):
        a, b = pos[i], pos[i + 1]
        if a <= len(order) and b <= len(order):
            sa, sb = schools.get(order[a - 1]), schools.get(order[b - 1])
            count += sa is not None and sa == sb
    return count


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 64).flatmap(lambda n: st.tuples(
    st.just([f"T{i}" for i in range(n)]),
    st.lists(st.sampled_from("PQRS"), min_size=n, max_size=n))))
def test_separation_is_a_permutation_that_never_adds_clashes(data):
    teams, school_list = data
    schools = dict(zip(teams, school_list, strict=True))
    order = separate_first_round(teams, schools)
    assert sorted(order) == sorted(teams)
    assert clashes(order, schools) <= clashes(teams, schools)
    assert separate_first_round(teams, {}) == tuple(teams)
