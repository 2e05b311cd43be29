"""The CP-SAT schedule: on any small championship, the rules' checker accepts its plan,
it places whatever the greedy planner places, and it never makes a day longer."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from judging.schedule import busy_span, check
from judging.schedule_greedy import greedy
from scoreboard.services.schedule_solver import generate
from tests.judging.schedule_strategies import problems


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(with_fixed=True))
def test_solver_plans_break_no_rule(problem):
    plan, report = generate(problem, time_limit_s=3, workers=1)
    assert check(problem, plan) == []
    base = greedy(problem)
    assert set(plan.placed) == set(base.placed)
    assert plan.impossible == base.impossible
    assert report.span == busy_span(problem, plan) <= report.greedy_span


def test_the_solver_finishes_the_day_earlier_than_the_greedy():
    from datetime import date

    from judging.schedule import Need, Problem
    from judging.schedule_config import Calendar
    from tests.judging.schedule_strategies import PLACES

    calendar = Calendar((date(2027, 7, 5),), 480, 720)
    # in list order two rings take 30, 30, then 20, 20, 20: 70 minutes; 60 is possible
    needs = tuple(Need(f"sumo/M{i}", "sumo", "match", (f"A{i}", f"B{i}"), ("r1", "r2"),
                       length, (0,)) for i, length in enumerate((30, 30, 20, 20, 20)))
    problem = Problem(calendar, PLACES, needs)
    assert max(p.end for p in greedy(problem).placed.values()) == 550
    plan, report = generate(problem, time_limit_s=5, workers=1)
    assert check(problem, plan) == []
    assert max(p.end for p in plan.placed.values()) == 540
    assert (report.days_improved, report.greedy_span, report.span) == ([0], 70, 60)
