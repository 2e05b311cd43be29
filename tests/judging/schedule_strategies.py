"""Hypothesis strategies: small championships to schedule (shared by the rules' and the
solver's property tests)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from judging.schedule import Fixed, Need, Problem
from judging.schedule_config import Calendar, Place

PLACES = (Place("t1", "Trek 1", "track"), Place("t2", "Trek 2", "track"),
          Place("r1", "Ring 1", "ring"), Place("r2", "Ring 2", "ring"),
          Place("j1", "Juri 1", "judging_room"))


@st.composite
def calendars(draw) -> Calendar:
    days = draw(st.integers(1, 3))
    start = draw(st.sampled_from([420, 480, 510]))
    end = start + draw(st.sampled_from([120, 180, 300]))
    breaks = ()
    if draw(st.booleans()):
        at = start + draw(st.integers(30, end - start - 60))
        breaks = ((at, at + draw(st.sampled_from([15, 30]))),)
    first = date(2027, 7, 5)
    return Calendar(tuple(first + timedelta(days=i) for i in range(days)), start, end, breaks)


@st.composite
def problems(draw, with_fixed: bool = False) -> Problem:
    """Timed categories (attempts in sessions, rest), a match category and interviews;
    pupils shared between teams; levels on some days only; sometimes too much work."""
    calendar = draw(calendars())
    n_days = len(calendar.days)
    pupils = [f"pupil-{i}" for i in range(draw(st.integers(1, 8)))]
    needs: list[Need] = []

    def days() -> tuple[int, ...]:
        chosen = draw(st.sets(st.integers(0, n_days - 1), min_size=0, max_size=n_days))
        return tuple(sorted(chosen)) if chosen or draw(st.booleans()) else ()

    def some_pupils() -> tuple[str, ...]:
        return tuple(sorted(draw(st.sets(st.sampled_from(pupils), max_size=2))))

    for c in range(draw(st.integers(1, 2))):
        attempts = draw(st.integers(1, 3))
        sessions = draw(st.integers(1, attempts))
        length, rest = draw(st.integers(2, 12)), draw(st.sampled_from([0, 5, 15]))
        track = PLACES[c].slug
        for t in range(draw(st.integers(1, 8))):
            team_days, team_pupils = days(), some_pupils()
            for k in range(1, attempts + 1):
                session = (k - 1) * sessions // attempts + 1 if sessions > 1 else 0
                needs.append(Need(f"lf{c}/T{c}-{t}/{k}", f"lf{c}", "attempt", (f"T{c}-{t}",),
                                  (track,), length, team_days, rest, session, k, team_pupils))
    rest = draw(st.sampled_from([0, 6]))
    for m in range(draw(st.integers(0, 6))):
        a, b = f"S-{m}", f"S-{m + 1}"
        needs.append(Need(f"sumo/M{m}", "sumo", "match", (a, b), ("r1", "r2"),
                          draw(st.integers(3, 8)), days(), rest, pupils=some_pupils()))
    for j in range(draw(st.integers(0, 6))):
        needs.append(Need(f"kr/K{j}", "kr", "interview", (f"K-{j}",), ("j1",),
                          draw(st.sampled_from([10, 15, 400])), days(), pupils=some_pupils()))
    fixed: tuple[Fixed, ...] = ()
    if with_fixed and needs:
        done = needs[0]
        start = calendar.day_start
        fixed = (Fixed(done.key, done.category, done.places[0], start, start + done.length,
                       done.teams, done.pupils, done.rest, done.session, done.order),)
        needs = [n if n is not done else None for n in needs]
        needs = [n for n in needs if n is not None]
        not_before = calendar.day_start + draw(st.integers(0, 60))
        needs = [Need(**{**n.__dict__, "not_before": not_before}) for n in needs]
    return Problem(calendar, PLACES, tuple(needs), fixed)
