"""A fast greedy planner: a valid schedule in well under a second for a whole championship.

It is the constraint solver's starting point (its hint and its day assignment) and its
fallback when the solver finds nothing better in its time. Two steps:

1. each team's slots of a category (a "bundle": its attempts, or one match, or one
   interview) get a day, first fit by the remaining open minutes of their places;
2. day by day, slots are placed in order (session, attempt, category, team) at the
   earliest time their place, their teams and pupils, their rest and their session
   allow. What does not fit moves to the bundle's next allowed day; what fits on no
   day is reported impossible with the reason.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from judging.schedule import DAY, Need, Placed, Plan, Problem

FILL = 0.92  # plan days to this share of their open minutes: rest and sessions cost gaps


def bundles(needs: Iterable[Need]) -> list[list[Need]]:
    """A team's attempts of one category stay together; every other need is alone."""
    grouped: dict[tuple, list[Need]] = {}
    for need in needs:
        key = (need.category, need.teams) if need.kind == "attempt" else (need.key,)
        grouped.setdefault(key, []).append(need)
    return [sorted(g, key=lambda n: n.order) for g in grouped.values()]


def why_impossible(problem: Problem, need: Need) -> str | None:
    """The reason a need can never be placed, whatever else is planned; or None."""
    known = {p.slug for p in problem.places}
    if not need.places or not set(need.places) & known:
        return f"no place for a {need.kind} of {need.category} (add a [[place]] of its kind)"
    if not need.days:
        return f"{need.category}: its level competes on no day of [schedule]"
    days = [d for d in need.days if d < len(problem.calendar.days)]
    longest = max((e - s for d in days for s, e in problem.calendar.open_periods(d)), default=0)
    if need.length > longest:
        return (f"a slot of {need.length} min is longer than any open period "
                f"({longest} min) of its days")
    if not any(d * DAY + problem.calendar.day_end > need.not_before for d in days):
        return "all of its days are over"
    return None


class _Busy:
    """Sorted, non-overlapping busy intervals of one place, team or pupil."""

    __slots__ = ("starts", "ends")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def clash(self, start: int, end: int) -> int | None:
        """The end of a busy interval overlapping [start, end), or None if it is free."""
        # intervals never overlap, so their ends are as sorted as their starts
        j = bisect.bisect_right(self.ends, start)
        if j < len(self.starts) and self.starts[j] < end:
            return self.ends[j]
        return None

    def add(self, start: int, end: int) -> None:
        i = bisect.bisect_left(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, max(end, self.ends[i - 1] if i else end))


@dataclass
class _State:
    """What is booked: places, parties (teams with their rest, pupils), attempts, sessions."""

    busy: dict[str, _Busy] = field(default_factory=lambda: defaultdict(_Busy))
    attempt_end: dict[tuple[str, tuple[str, ...]], int] = field(default_factory=dict)
    # (category, day) -> session -> latest end / earliest start
    session_end: dict[tuple[str, int], dict[int, int]] = field(
        default_factory=lambda: defaultdict(dict))
    session_start: dict[tuple[str, int], dict[int, int]] = field(
        default_factory=lambda: defaultdict(dict))

    def book(self, category: str, teams: Sequence[str], pupils: Sequence[str], place: str,
             start: int, end: int, rest: int, session: int) -> None:
        day = start // DAY
        self.busy["place:" + place].add(start, end)
        for pupil in pupils:
            self.busy["pupil:" + pupil].add(start, end)
        for team in teams:  # a team's busy time includes its rest after the slot
            self.busy["team:" + team].add(start, end + rest)
        if session:
            ends, starts = self.session_end[(category, day)], self.session_start[(category, day)]
            ends[session] = max(ends.get(session, 0), end)
            starts[session] = min(starts.get(session, start), start)

    def clash(self, need: Need, place: str, start: int) -> int | None:
        """When to try again if `need` cannot start at `start` on `place`, else None."""
        end = start + need.length
        checks = [("place:" + place, end)] + [("pupil:" + p, end) for p in need.pupils]
        checks += [("team:" + t, end + need.rest) for t in need.teams]
        for key, until in checks:
            busy = self.busy.get(key)
            again = busy.clash(start, until) if busy is not None else None
            if again is not None:
                return max(again, start + 1)
        return None


def _earliest(problem: Problem, state: _State, need: Need, day: int) -> Placed | None:
    ready = max(day * DAY, need.not_before)
    if need.order > 1:
        ready = max(ready, state.attempt_end.get((need.category, need.teams), 0))
    latest_end = DAY * (day + 1)
    if need.session:
        ends = state.session_end.get((need.category, day), {})
        starts = state.session_start.get((need.category, day), {})
        ready = max([ready] + [e for s, e in ends.items() if s < need.session])
        latest_end = min([latest_end] + [t for s, t in starts.items() if s > need.session])
    best: Placed | None = None
    periods = problem.calendar.open_periods(day)
    for place in need.places:
        at = _first_fit(state, need, place, ready, periods, latest_end)
        if at is not None and (best is None or at < best.start):
            best = Placed(need.key, place, at, at + need.length)
    return best


def _first_fit(state: _State, need: Need, place: str, ready: int,
               periods: list[tuple[int, int]], latest_end: int) -> int | None:
    for start, end in periods:
        at = max(ready, start)
        while at + need.length <= min(end, latest_end):
            again = state.clash(need, place, at)
            if again is None:
                return at
            at = again
    return None


def _assign_days(problem: Problem, groups: list[list[Need]]) -> dict[int, list[list[Need]]]:
    """First fit: each bundle goes to its first allowed day with room at its places."""
    capacity = problem.calendar.open_minutes() * FILL
    load: dict[tuple[tuple[str, ...], int], float] = defaultdict(float)
    by_day: dict[int, list[list[Need]]] = defaultdict(list)
    for group in groups:
        first = group[0]
        places = tuple(sorted(first.places))
        work = sum(n.length for n in group)
        days = [d for d in first.days if (d + 1) * DAY > first.not_before]
        chosen = next((d for d in days
                       if load[(places, d)] + work <= capacity * len(places)), days[-1])
        load[(places, chosen)] += work
        by_day[chosen].append(group)
    return by_day


def _book_fixed(problem: Problem, state: _State) -> None:
    for f in sorted(problem.fixed, key=lambda f: f.start):
        state.book(f.category, f.teams, f.pupils, f.place, f.start, f.end, f.rest, f.session)
        if f.order:
            key = (f.category, f.teams)
            state.attempt_end[key] = max(state.attempt_end.get(key, 0), f.end)


def greedy(problem: Problem) -> Plan:
    """A valid plan (see `judging.schedule.check`) for `problem`."""
    plan, state = Plan(), _State()
    _book_fixed(problem, state)
    possible = []
    for group in bundles(problem.needs):
        reason = why_impossible(problem, group[0])
        if reason:
            plan.impossible.update({n.key: reason for n in group})
        else:
            possible.append(group)
    by_day = _assign_days(problem, possible)
    carried: list[Need] = []
    for day in range(len(problem.calendar.days)):
        todo = [n for g in by_day.get(day, []) for n in g] + carried
        carried, waiting = [], set()
        todo.sort(key=lambda n: (n.session, n.order, n.category, n.teams))
        for need in todo:
            bundle = (need.category, need.teams)
            # a later attempt never goes before an earlier one that did not fit
            placed = None if day not in need.days or (need.order and bundle in waiting) \
                else _earliest(problem, state, need, day)
            if placed is None:
                carried.append(need)
                if need.order:
                    waiting.add(bundle)
                continue
            plan.placed[need.key] = placed
            state.book(need.category, need.teams, need.pupils, placed.place, placed.start,
                       placed.end, need.rest, need.session)
            if need.order:
                state.attempt_end[(need.category, need.teams)] = placed.end
    for need in carried:
        days = ", ".join(problem.calendar.days[d].isoformat() for d in need.days
                         if d < len(problem.calendar.days))
        plan.impossible[need.key] = (f"no room left on its days ({days}) at "
                                     f"{', '.join(need.places)}")
    return plan
