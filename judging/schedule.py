"""The schedule's rules as data, and a checker that verifies any schedule against them.

A `Problem` lists every slot the championship needs (`Need`: an attempt, a match, an
interview), the slots that already happened (`Fixed`), the places and the calendar. A
`Plan` gives each need a place and a time, or says why it cannot have one. `check`
returns every broken rule of a plan, so any planner (the greedy one in
`judging.schedule_greedy`, the constraint solver in the scoreboard) is verified the same
way.

Times are absolute minutes: day index * 1440 + minutes since midnight.

Rules (docs/schedule.md):
1. every need is placed or reported impossible with a reason;
2. a slot lies in one open period of one of its allowed days, at an allowed place,
   no earlier than its ``not_before``, and lasts its length;
3. a place holds one slot at a time;
4. a party (a team, a pupil) is never in two slots at once;
5. a team rests ``rest`` minutes after each of its slots before the next;
6. a team's attempts happen in order;
7. on each day, a category's session ``s`` ends before its session ``s + 1`` starts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from judging.schedule_config import Calendar, Place

DAY = 1440


@dataclass(frozen=True)
class Need:
    """One slot the championship needs."""

    key: str  # stable id: "lf-sd/LF-SD-001/1", "sumo-sma/W1-1", "kreatif-sd/KR-SD-001"
    category: str
    kind: str  # attempt | match | interview
    teams: tuple[str, ...]
    places: tuple[str, ...]  # allowed places
    length: int  # minutes
    days: tuple[int, ...]  # allowed day indexes
    rest: int = 0  # minutes a team rests after this slot
    session: int = 0  # the category's session (timed), 0: none
    order: int = 0  # the team's attempt number (timed), 0: none
    pupils: tuple[str, ...] = ()  # people who must not be in two places at once
    not_before: int = 0  # absolute minute; a re-plan never puts a slot in the past

    @property
    def parties(self) -> tuple[str, ...]:
        return self.teams + self.pupils


@dataclass(frozen=True)
class Fixed:
    """A slot that already happened (or is happening): it stays where it was."""

    key: str
    category: str
    place: str
    start: int
    end: int
    teams: tuple[str, ...]
    pupils: tuple[str, ...] = ()
    rest: int = 0
    session: int = 0
    order: int = 0


@dataclass(frozen=True)
class Placed:
    """Where and when one need happens."""

    key: str
    place: str
    start: int
    end: int

    @property
    def day(self) -> int:
        return self.start // DAY


@dataclass(frozen=True)
class Problem:
    calendar: Calendar
    places: tuple[Place, ...]
    needs: tuple[Need, ...]
    fixed: tuple[Fixed, ...] = ()

    def need(self, key: str) -> Need:
        return self._index()[key]

    def _index(self) -> dict[str, Need]:
        cached = self.__dict__.get("_by_key")
        if cached is None:
            cached = {n.key: n for n in self.needs}
            object.__setattr__(self, "_by_key", cached)
        return cached


@dataclass
class Plan:
    placed: dict[str, Placed] = field(default_factory=dict)
    impossible: dict[str, str] = field(default_factory=dict)  # key -> reason

    def work_by_place(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for p in self.placed.values():
            out[p.place] += p.end - p.start
        return dict(out)


@dataclass(frozen=True)
class _Item:
    """A placed need or a fixed slot, as the rules see it."""

    key: str
    category: str
    place: str
    start: int
    end: int
    teams: tuple[str, ...]
    pupils: tuple[str, ...]
    rest: int
    session: int
    order: int
    fixed: bool


def _items(problem: Problem, plan: Plan) -> list[_Item]:
    out = [_Item(f.key, f.category, f.place, f.start, f.end, f.teams, f.pupils, f.rest,
                 f.session, f.order, True) for f in problem.fixed]
    for key, p in plan.placed.items():
        n = problem.need(key)
        out.append(_Item(key, n.category, p.place, p.start, p.end, n.teams, n.pupils, n.rest,
                         n.session, n.order, False))
    return out


def check(problem: Problem, plan: Plan) -> list[str]:
    """Every rule the plan breaks, as sentences; an empty list means the plan is valid."""
    problems = _check_coverage(problem, plan)
    for key, placed in plan.placed.items():
        if key in problem._index():
            problems += _check_slot(problem, problem.need(key), placed)
    items = _items(problem, plan)
    problems += _check_overlaps(items)
    problems += _check_team_sequence(items)
    problems += _check_sessions(items)
    return problems


def _check_coverage(problem: Problem, plan: Plan) -> list[str]:
    out = []
    keys = {n.key for n in problem.needs}
    for key in keys:
        placed, impossible = key in plan.placed, key in plan.impossible
        if placed == impossible:
            out.append(f"{key}: must be placed or reported impossible, exactly one")
        if impossible and not plan.impossible[key].strip():
            out.append(f"{key}: impossible without a reason")
    for key in set(plan.placed) | set(plan.impossible):
        if key not in keys:
            out.append(f"{key}: not a slot of this championship")
    return out


def _check_slot(problem: Problem, need: Need, placed: Placed) -> list[str]:
    out = []
    if placed.place not in need.places:
        out.append(f"{need.key}: place {placed.place!r} is not one of {list(need.places)}")
    if placed.end - placed.start != need.length:
        out.append(f"{need.key}: lasts {placed.end - placed.start} min, not {need.length}")
    if placed.day not in need.days:
        out.append(f"{need.key}: day {placed.day} is not one of its days {list(need.days)}")
    if placed.start < need.not_before:
        out.append(f"{need.key}: starts before {need.not_before} (already past)")
    inside = any(s <= placed.start and placed.end <= e
                 for s, e in problem.calendar.open_periods(placed.day))
    if not inside:
        out.append(f"{need.key}: {placed.start}-{placed.end} is not inside one open period "
                   "(outside the day's hours or across a break)")
    return out


def _overlaps(group: Sequence[_Item], what: str) -> list[str]:
    out = []
    ordered = sorted(group, key=lambda i: (i.start, i.end))
    latest: _Item | None = None
    for item in ordered:
        if latest is not None and item.start < latest.end and not (item.fixed and latest.fixed):
            out.append(f"{what}: {latest.key} and {item.key} overlap")
        if latest is None or item.end > latest.end:
            latest = item
    return out


def _check_overlaps(items: Iterable[_Item]) -> list[str]:
    by_place: dict[str, list[_Item]] = defaultdict(list)
    by_party: dict[str, list[_Item]] = defaultdict(list)
    for item in items:
        by_place[item.place].append(item)
        for party in set(item.teams + item.pupils):
            by_party[party].append(item)
    out = []
    for place, group in by_place.items():
        out += _overlaps(group, f"place {place}")
    for party, group in by_party.items():
        out += _overlaps(group, f"{party} in two places at once")
    return out


def _check_team_sequence(items: Iterable[_Item]) -> list[str]:
    by_team: dict[str, list[_Item]] = defaultdict(list)
    for item in items:
        for team in item.teams:
            by_team[team].append(item)
    out = []
    for team, group in by_team.items():
        ordered = sorted(group, key=lambda i: i.start)
        for first, second in zip(ordered, ordered[1:], strict=False):
            if first.fixed and second.fixed:
                continue  # what happened happened
            if second.start - first.end < first.rest and second.start >= first.end:
                out.append(f"{team}: rests {second.start - first.end} min between "
                           f"{first.key} and {second.key}, needs {first.rest}")
        attempts = sorted((i for i in group if i.order), key=lambda i: (i.category, i.order))
        for first, second in zip(attempts, attempts[1:], strict=False):
            if first.category == second.category and second.start < first.end \
                    and not (first.fixed and second.fixed):
                out.append(f"{team}: attempt {second.order} ({second.key}) before attempt "
                           f"{first.order} ended")
    return out


def _check_sessions(items: Iterable[_Item]) -> list[str]:
    groups: dict[tuple[str, int], dict[int, list[_Item]]] = defaultdict(lambda: defaultdict(list))
    for item in items:
        if item.session:
            groups[(item.category, item.start // DAY)][item.session].append(item)
    out = []
    for (category, day), sessions in groups.items():
        ordered = sorted(sessions)
        for first, second in zip(ordered, ordered[1:], strict=False):
            last_end = max(i.end for i in sessions[first])
            early = [i for i in sessions[second] if i.start < last_end]
            pairs = [(i, j) for i in sessions[first] for j in early
                     if j.start < i.end and not (i.fixed and j.fixed)]
            if pairs:
                out.append(f"{category} day {day}: session {second} ({pairs[0][1].key}) starts "
                           f"before session {first} ends ({pairs[0][0].key})")
    return out


def lower_bound(problem: Problem) -> int:
    """Open minutes that the busiest group of interchangeable places needs at least, from
    the first day's opening: for each day d, the work of the slots that may only happen
    on day d or later, shared over the group's places, after d full days. (With d = 0 it
    is the total work per place.)"""
    open_day = problem.calendar.open_minutes()
    groups: dict[tuple[str, ...], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for need in problem.needs:
        if need.places and need.days:
            groups[tuple(sorted(need.places))][min(need.days)] += need.length
    best = 0
    for places, by_first_day in groups.items():
        later = 0
        for day in sorted(by_first_day, reverse=True):
            later += by_first_day[day]
            best = max(best, day * open_day + -(-later // len(places)))
    return best


def busy_span(problem: Problem, plan: Plan) -> int:
    """Open minutes from the first day's opening to the last slot's end at the busiest
    group of interchangeable places (the schedule's length, to compare to `lower_bound`)."""
    groups: dict[tuple[str, ...], int] = defaultdict(int)
    open_day = problem.calendar.open_minutes()
    for key, placed in plan.placed.items():
        places = tuple(sorted(problem.need(key).places))
        used = placed.day * open_day + sum(
            min(e, placed.end) - s for s, e in problem.calendar.open_periods(placed.day)
            if s < placed.end)
        groups[places] = max(groups[places], used)
    return max(groups.values(), default=0)
