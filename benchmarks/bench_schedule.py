"""Schedule generation for a Blitar-size championship (goal: <= 60 s), and the
schedule's length against a lower bound (the total work of the busiest group of places).

1,000 teams (3,000 pupils, some of them in two teams), 7 days, 6 tracks and rings,
3 judging rooms:
- 4 timed categories on 4 tracks, 150 teams each, 3 attempts in 3 sessions, 4-minute
  slots, 10 minutes' rest; SD on days 1-3, SMP on days 3-5, SMA on days 5-7;
- 2 sumo categories on 2 rings, 100 teams each in round-robin groups of 5 (every match
  is known at once: 400 matches), 6-minute matches, 10 minutes' rest;
- 2 judged categories in 3 judging rooms, 100 teams each, 15-minute interviews.

Run: python benchmarks/bench_schedule.py [--time-limit 40] [--seed 2026] [--workers 2]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from judging.schedule import Need, Problem, busy_span, check, lower_bound  # noqa: E402
from judging.schedule_config import Calendar, Place  # noqa: E402
from judging.schedule_greedy import greedy  # noqa: E402

LEVELS = {"SD": (0, 1, 2), "SMP": (2, 3, 4), "SMA": (4, 5, 6)}
GOAL_S = 60.0


def championship(seed: int) -> Problem:
    rnd = random.Random(seed)
    calendar = Calendar(tuple(date(2027, 7, 5) + timedelta(days=i) for i in range(7)),
                        8 * 60, 16 * 60, ((12 * 60, 13 * 60),))
    places = tuple([Place(f"lintasan-{i}", f"Lintasan {i}", "track") for i in range(4)]
                   + [Place(f"ring-{i}", f"Ring {i}", "ring") for i in range(2)]
                   + [Place(f"ruang-{i}", f"Ruang Juri {i}", "judging_room") for i in range(3)])
    teams = [f"T{i:04d}" for i in range(1000)]
    pupils = {t: [f"P{3 * i + k:04d}" for k in range(3)] for i, t in enumerate(teams)}
    for t in rnd.sample(teams, 150):  # one pupil in two teams (robotics clubs do this)
        other = rnd.choice(teams)
        if other != t:
            pupils[t][0] = pupils[other][0]
    level = {t: rnd.choice(list(LEVELS)) for t in teams}
    needs: list[Need] = []
    for c in range(4):
        for t in teams[150 * c:150 * (c + 1)]:
            for k in (1, 2, 3):
                needs.append(Need(f"lf{c}/{t}/{k}", f"lf{c}", "attempt", (t,),
                                  (f"lintasan-{c}",), 4, LEVELS[level[t]], 10, k, k,
                                  tuple(pupils[t])))
    for c in range(2):
        entrants = teams[600 + 100 * c:700 + 100 * c]
        for g in range(20):
            group = entrants[5 * g:5 * g + 5]
            days = LEVELS[level[group[0]]]
            for a in range(5):
                for b in range(a + 1, 5):
                    pair = (group[a], group[b])
                    needs.append(Need(f"sumo{c}/G{g}-{a}{b}", f"sumo{c}", "match", pair,
                                      ("ring-0", "ring-1"), 6, days, 10,
                                      pupils=tuple(pupils[pair[0]] + pupils[pair[1]])))
    for c in range(2):
        for t in teams[800 + 100 * c:900 + 100 * c]:
            needs.append(Need(f"kreatif{c}/{t}", f"kreatif{c}", "interview", (t,),
                              ("ruang-0", "ruang-1", "ruang-2"), 15, LEVELS[level[t]],
                              pupils=tuple(pupils[t])))
    return Problem(calendar, places, tuple(needs))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-limit", type=float, default=40.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    from scoreboard.services.schedule_solver import generate

    problem = championship(args.seed)
    began = time.monotonic()
    base = greedy(problem)
    greedy_s = time.monotonic() - began
    plan, report = generate(problem, args.time_limit, args.workers)
    began = time.monotonic()
    problems = check(problem, plan)
    check_s = time.monotonic() - began
    bound = lower_bound(problem)
    print(f"slots: {len(problem.needs)} (attempts, matches, interviews), "
          f"pupils in two teams: yes")
    print(f"greedy: {greedy_s:.2f} s, length {busy_span(problem, base)} min, "
          f"ratio {busy_span(problem, base) / bound:.3f}")
    print(f"generate (greedy + CP-SAT per day): {report.seconds:.2f} s "
          f"(goal <= {GOAL_S:.0f} s), days improved by the solver: {report.days_improved}")
    print(f"placed {len(plan.placed)}, impossible {len(plan.impossible)}, "
          f"checker: {len(problems)} broken rules ({check_s:.2f} s)")
    print(f"length {report.span} open minutes at the busiest group of places; "
          f"lower bound {bound}; ratio {report.ratio:.3f}")
    for name, result in (("greedy", base), ("generated", plan)):
        waits = _waits(problem, result)
        ends = sum(_day_ends(result).values())
        print(f"{name}: team waits (first to last slot minus work, same day) mean "
              f"{waits[0]:.1f} min, max {waits[1]} min; sum of each place's daily end "
              f"{ends} min after opening")


def _day_ends(plan) -> dict[tuple[str, int], int]:
    ends: dict[tuple[str, int], int] = {}
    for p in plan.placed.values():
        ends[(p.place, p.day)] = max(ends.get((p.place, p.day), 0), p.end % 1440 - 8 * 60)
    return ends


def _waits(problem: Problem, plan) -> tuple[float, int]:
    spans: dict[tuple[str, int], list] = {}
    for key, p in plan.placed.items():
        for team in problem.need(key).teams:
            spans.setdefault((team, p.day), []).append(p)
    waits = [max(p.end for p in group) - min(p.start for p in group)
             - sum(p.end - p.start for p in group) for group in spans.values() if len(group) > 1]
    return (sum(waits) / len(waits) if waits else 0.0, max(waits, default=0))


if __name__ == "__main__":
    main()
