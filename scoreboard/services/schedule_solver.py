"""Schedule generation with the OR-Tools CP-SAT constraint solver.

The rules and the checker are `judging.schedule`'s; this module only turns a `Problem`
into CP-SAT models and reads their solutions back. To stay fast for a whole
championship (1,000 teams, 7 days) it is fed in pieces:

1. `judging.schedule_greedy.greedy` places everything in well under a second;
2. its day assignment is kept, and each day is one CP-SAT model (every place and team of
   that day, with the greedy day as the solution hint) solved within its share of the
   time limit;
3. a day whose model finds nothing better, or whose result the checker refuses, keeps
   its greedy plan. The whole plan is checked again before it is returned.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from judging.schedule import DAY, Need, Placed, Plan, Problem, busy_span, check, lower_bound
from judging.schedule_greedy import greedy

if TYPE_CHECKING:  # imported where a day is solved: OR-Tools (and the pandas it imports)
    # cost every process ~0.3 s to start, and most (a worker, the CLI) never plan a schedule
    from ortools.sat.python import cp_model

log = logging.getLogger(__name__)
MAKESPAN_WEIGHT = 10  # a minute earlier at a place is worth ten minutes of a team's wait
DEFAULT_TIME_LIMIT_S = 40.0
ONLY = True  # the presence of a slot at its only allowed place


@dataclass
class Report:
    """What generation did, for the admin, the CLI and the benchmark."""

    seconds: float = 0.0
    lower_bound: int = 0
    span: int = 0
    days_improved: list[int] = field(default_factory=list)
    greedy_span: int = 0

    @property
    def ratio(self) -> float:
        return self.span / self.lower_bound if self.lower_bound else 1.0


def generate(problem: Problem, time_limit_s: float = DEFAULT_TIME_LIMIT_S,
             workers: int = 2) -> tuple[Plan, Report]:
    """A checked plan for `problem` and how it was made."""
    began = time.monotonic()
    base = greedy(problem)
    report = Report(lower_bound=lower_bound(problem), greedy_span=busy_span(problem, base))
    plan = Plan(placed=dict(base.placed), impossible=dict(base.impossible))
    days = sorted({p.day for p in base.placed.values()})
    for index, day in enumerate(days):
        left = time_limit_s - (time.monotonic() - began)
        share = left / (len(days) - index)
        if share < 0.2:
            break
        keys = [k for k, p in plan.placed.items() if p.day == day]
        better = _solve_day(problem, plan, day, keys, share, workers)
        if better is None:
            continue
        trial = Plan(placed={**plan.placed, **better}, impossible=plan.impossible)
        if check(problem, trial):
            log.warning("schedule: day %s from the solver breaks a rule; greedy kept", day)
            continue
        plan = trial
        report.days_improved.append(day)
    problems = check(problem, plan)
    if problems:  # never store a schedule that breaks a rule
        log.warning("schedule: solver plan refused (%s); greedy kept", problems[0])
        plan = base
    report.seconds = time.monotonic() - began
    report.span = busy_span(problem, plan)
    return plan, report


@dataclass
class _Slot:
    need: Need
    start: cp_model.IntVar
    end: cp_model.IntVar
    at: dict[str, cp_model.IntVar | bool]  # place -> presence literal (1: the only place)
    interval: cp_model.IntervalVar


def _bounds(problem: Problem, plan: Plan, day: int, keys: set[str]
            ) -> tuple[dict[str, int], dict[str, int]]:
    """Per team: earliest start (after earlier days and rest) and latest end+rest (before
    later days) that slots of other days allow."""
    ready: dict[str, int] = defaultdict(int)
    until: dict[str, int] = defaultdict(lambda: DAY * (day + 2))
    for key, placed in plan.placed.items():
        if key in keys:
            continue
        need = problem.need(key)
        for team in need.teams:
            if placed.day < day:
                ready[team] = max(ready[team], placed.end + need.rest)
            elif placed.day > day:
                until[team] = min(until[team], placed.start)
    for f in problem.fixed:
        for team in f.teams:
            if f.start // DAY < day:
                ready[team] = max(ready[team], f.end + f.rest)
    return ready, until


def _slots(model: cp_model.CpModel, problem: Problem, plan: Plan, day: int,
           keys: list[str]) -> list[_Slot]:
    periods = problem.calendar.open_periods(day)
    lo, hi = periods[0][0], periods[-1][1]
    ready, _ = _bounds(problem, plan, day, set(keys))
    slots = []
    for key in keys:
        need, hint = problem.need(key), plan.placed[key]
        earliest = max([lo, need.not_before] + [ready[t] for t in need.teams])
        start = model.new_int_var(earliest, hi - need.length, f"s_{key}")
        end = model.new_int_var(earliest + need.length, hi, f"e_{key}")
        interval = model.new_interval_var(start, need.length, end, f"i_{key}")
        model.add_hint(start, hint.start)
        at: dict[str, cp_model.IntVar | bool] = {}
        if len(need.places) == 1:
            at[need.places[0]] = ONLY
        else:
            for place in need.places:
                lit = model.new_bool_var(f"p_{key}_{place}")
                model.add_hint(lit, place == hint.place)
                at[place] = lit
            model.add_exactly_one(at.values())
        slots.append(_Slot(need, start, end, at, interval))
    return slots


def _place_rules(model: cp_model.CpModel, problem: Problem, day: int,
                 slots: list[_Slot]) -> dict[str, list]:
    periods = problem.calendar.open_periods(day)
    closed = [(e, s) for (_, e), (s, _) in zip(periods, periods[1:], strict=False)]
    by_place: dict[str, list] = defaultdict(list)
    for slot in slots:
        for place, lit in slot.at.items():
            if lit is ONLY:
                by_place[place].append(slot.interval)
            else:
                by_place[place].append(model.new_optional_interval_var(
                    slot.start, slot.need.length, slot.end, lit, f"o_{slot.need.key}_{place}"))
    for f in problem.fixed:
        if f.start // DAY == day and f.place in by_place:
            by_place[f.place].append(model.new_fixed_size_interval_var(
                f.start, f.end - f.start, f"f_{f.key}"))
    for intervals in by_place.values():
        for start, end in closed:  # breaks
            intervals.append(model.new_fixed_size_interval_var(start, end - start, "break"))
        model.add_no_overlap(intervals)
    return by_place


def _party_rules(model: cp_model.CpModel, problem: Problem, plan: Plan, day: int,
                 slots: list[_Slot]) -> dict[str, list[_Slot]]:
    _, until = _bounds(problem, plan, day, {s.need.key for s in slots})
    teams: dict[str, list] = defaultdict(list)
    pupils: dict[str, list] = defaultdict(list)
    by_team: dict[str, list[_Slot]] = defaultdict(list)
    for slot in slots:
        need = slot.need
        for team in need.teams:
            by_team[team].append(slot)
            if need.rest:
                rested = model.new_int_var(0, DAY * (day + 2), f"r_{need.key}")
                model.add(rested == slot.end + need.rest)
                model.add_hint(rested, plan.placed[need.key].end + need.rest)
                model.add(rested <= until[team])
                teams[team].append(model.new_interval_var(
                    slot.start, need.length + need.rest, rested, f"t_{need.key}"))
            else:
                teams[team].append(slot.interval)
        for pupil in need.pupils:
            pupils[pupil].append(slot.interval)
    for f in problem.fixed:
        if f.start // DAY != day:
            continue
        for team in f.teams:
            if team in teams:
                teams[team].append(model.new_fixed_size_interval_var(
                    f.start, f.end - f.start + f.rest, f"ft_{f.key}"))
        for pupil in f.pupils:
            if pupil in pupils:
                pupils[pupil].append(model.new_fixed_size_interval_var(
                    f.start, f.end - f.start, f"fp_{f.key}"))
    for group in (*teams.values(), *pupils.values()):
        if len(group) > 1:
            model.add_no_overlap(group)
    return by_team


def _sequence_rules(model: cp_model.CpModel, problem: Problem, day: int,
                    slots: list[_Slot]) -> None:
    attempts: dict[tuple, list[_Slot]] = defaultdict(list)
    sessions: dict[str, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for slot in slots:
        need = slot.need
        if need.order:
            attempts[(need.category, need.teams)].append(slot)
        if need.session:
            sessions[need.category][need.session].append((slot.start, slot.end))
    for group in attempts.values():
        group.sort(key=lambda s: s.need.order)
        for first, second in zip(group, group[1:], strict=False):
            model.add(second.start >= first.end)
    for f in problem.fixed:
        if f.session and f.start // DAY == day and f.category in sessions:
            sessions[f.category][f.session].append((f.start, f.end))
    for category, by_session in sessions.items():
        order = sorted(by_session)
        for first, second in zip(order, order[1:], strict=False):
            barrier = model.new_int_var(day * DAY, (day + 1) * DAY, f"b_{category}_{first}")
            for _, end in by_session[first]:
                model.add(barrier >= end)
            for start, _ in by_session[second]:
                model.add(start >= barrier)


def _objective(model: cp_model.CpModel, plan: Plan, day: int, slots: list[_Slot],
               by_team: dict[str, list[_Slot]]) -> int:
    """Finish each group of interchangeable places early (never later than the greedy
    day did), then keep each team's wait between its first and last slot short. Returns
    the greedy day's value of the objective."""
    lo, hi = day * DAY, (day + 1) * DAY
    makespans: dict[tuple[str, ...], cp_model.IntVar] = {}
    for slot in slots:
        group = tuple(sorted(slot.need.places))
        if group not in makespans:
            greedy_end = max(plan.placed[s.need.key].end for s in slots
                             if tuple(sorted(s.need.places)) == group)
            makespans[group] = model.new_int_var(lo, greedy_end, f"m_{'+'.join(group)}")
        model.add(makespans[group] >= slot.end)
    waits, hinted = [], 0
    for team, group in by_team.items():
        if len(group) < 2:
            continue
        first = model.new_int_var(lo, hi, f"first_{team}")
        last = model.new_int_var(lo, hi, f"last_{team}")
        for slot in group:
            model.add(first <= slot.start)
            model.add(last >= slot.end)
        placed = [plan.placed[s.need.key] for s in group]
        model.add_hint(first, min(p.start for p in placed))
        model.add_hint(last, max(p.end for p in placed))
        hinted += max(p.end for p in placed) - min(p.start for p in placed)
        waits.append(last - first)
    for group, var in makespans.items():
        end = max(plan.placed[s.need.key].end for s in slots
                  if tuple(sorted(s.need.places)) == group)
        model.add_hint(var, end)
        hinted += MAKESPAN_WEIGHT * end
    objective = MAKESPAN_WEIGHT * sum(makespans.values()) + sum(waits)
    # only a better day than the greedy one is worth anything: every worker searches below it
    model.add(objective <= hinted)
    model.minimize(objective)
    return hinted


def _solve_day(problem: Problem, plan: Plan, day: int, keys: list[str], seconds: float,
               workers: int) -> dict[str, Placed] | None:
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    slots = _slots(model, problem, plan, day, keys)
    _place_rules(model, problem, day, slots)
    by_team = _party_rules(model, problem, plan, day, slots)
    _sequence_rules(model, problem, day, slots)
    hinted = _objective(model, plan, day, slots, by_team)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    solver.parameters.relative_gap_limit = 0.01  # near enough: the day has more to plan
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) or solver.objective_value >= hinted:
        log.info("schedule: day %s: solver %s, no better than the greedy day; greedy kept",
                 day, solver.status_name(status))
        return None
    out = {}
    for slot in slots:
        start = solver.value(slot.start)
        place = next(p for p, lit in slot.at.items() if lit is ONLY or solver.boolean_value(lit))
        out[slot.need.key] = Placed(slot.need.key, place, start, start + slot.need.length)
    return out
