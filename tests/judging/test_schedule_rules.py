"""The schedule's rules: the checker finds every broken rule, the greedy planner never
breaks one, and a slot that cannot be placed is reported with its reason."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings

from judging.schedule import DAY, Need, Placed, Plan, Problem, busy_span, check, lower_bound
from judging.schedule_config import (
    Calendar,
    Place,
    ScheduleError,
    parse_calendar,
    parse_category_schedule,
    parse_place,
)
from judging.schedule_greedy import greedy
from tests.judging.schedule_strategies import PLACES, problems

CAL = Calendar((date(2027, 7, 5), date(2027, 7, 6)), 480, 720, ((600, 630),))


def _need(key: str, team: str, place: str = "t1", length: int = 10, **kw) -> Need:
    return Need(key, kw.pop("category", "lf"), kw.pop("kind", "attempt"), (team,), (place,),
                length, kw.pop("days", (0, 1)), **kw)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_greedy_plans_break_no_rule(problem):
    plan = greedy(problem)
    assert check(problem, plan) == []
    # every need is placed or reported impossible, with a reason, never both
    assert set(plan.placed) | set(plan.impossible) == {n.key for n in problem.needs}
    assert all(reason.strip() for reason in plan.impossible.values())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(with_fixed=True))
def test_a_replan_keeps_what_happened_and_plans_nothing_in_the_past(problem):
    plan = greedy(problem)
    assert check(problem, plan) == []
    for key, placed in plan.placed.items():
        assert placed.start >= problem.need(key).not_before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_the_schedule_is_never_shorter_than_the_lower_bound(problem):
    plan = greedy(problem)
    if not plan.impossible and plan.placed:
        assert busy_span(problem, plan) >= lower_bound(problem)


def test_the_checker_names_each_broken_rule():
    a = _need("lf/A/1", "A", rest=20, order=1)
    a2 = _need("lf/A/2", "A", rest=20, order=2)
    b = _need("lf/B/1", "B", order=1, pupils=("ani",))
    c = _need("kr/C", "C", place="j1", category="kr", kind="interview", pupils=("ani",))
    problem = Problem(CAL, PLACES, (a, a2, b, c))
    plan = Plan(placed={
        "lf/A/1": Placed("lf/A/1", "t1", 480, 490),
        "lf/A/2": Placed("lf/A/2", "t1", 495, 505),  # rests 5 of 20 minutes
        "lf/B/1": Placed("lf/B/1", "t1", 500, 510),  # overlaps A/2 on t1
        "kr/C": Placed("kr/C", "j1", 505, 515),  # ani is in B and C at once
    })
    found = check(problem, plan)
    assert "A: rests 5 min between lf/A/1 and lf/A/2, needs 20" in found
    assert "place t1: lf/A/2 and lf/B/1 overlap" in found
    assert "ani in two places at once: lf/B/1 and kr/C overlap" in found
    assert len(found) == 3


def test_the_checker_refuses_breaks_hours_days_places_and_missing_slots():
    a = _need("lf/A/1", "A", days=(1,))
    b = _need("lf/B/1", "B")
    c = _need("lf/C/1", "C")
    problem = Problem(CAL, PLACES, (a, b, c))
    plan = Plan(placed={"lf/A/1": Placed("lf/A/1", "t1", 590, 600),  # day 0, not its day
                        "lf/B/1": Placed("lf/B/1", "t2", 595, 605)})  # across the break
    assert sorted(check(problem, plan)) == [
        "lf/A/1: day 0 is not one of its days [1]",
        "lf/B/1: 595-605 is not inside one open period (outside the day's hours or across "
        "a break)",
        "lf/B/1: place 't2' is not one of ['t1']",
        "lf/C/1: must be placed or reported impossible, exactly one",
    ]


def test_sessions_and_attempt_order_are_checked():
    a1 = _need("lf/A/1", "A", session=1, order=1)
    a2 = _need("lf/A/2", "A", session=2, order=2)
    b1 = _need("lf/B/1", "B", session=1, order=1, place="t2")
    problem = Problem(CAL, (*PLACES, Place("t2", "T2", "track")), (a1, a2, b1))
    plan = Plan(placed={"lf/A/1": Placed("lf/A/1", "t1", 480, 490),
                        "lf/A/2": Placed("lf/A/2", "t1", 490, 500),
                        "lf/B/1": Placed("lf/B/1", "t2", 495, 505)})
    assert check(problem, plan) == [
        "lf day 0: session 2 (lf/A/2) starts before session 1 ends (lf/B/1)"]


def test_impossible_slots_say_why():
    no_day = _need("lf/A/1", "A", days=())
    too_long = _need("kr/K", "K", place="j1", length=200, category="kr", kind="interview")
    no_place = Need("sumo/M1", "sumo", "match", ("X", "Y"), (), 5, (0,))
    crowded = [_need(f"lf/T{i}/1", f"T{i}", length=60) for i in range(9)]
    problem = Problem(CAL, PLACES, (no_day, too_long, no_place, *crowded))
    plan = greedy(problem)
    assert check(problem, plan) == []
    assert plan.impossible["lf/A/1"] == "lf: its level competes on no day of [schedule]"
    assert plan.impossible["kr/K"] == ("a slot of 200 min is longer than any open period "
                                       "(120 min) of its days")
    assert plan.impossible["sumo/M1"].startswith("no place for a match of sumo")
    # 2 days x (120 + 90) open minutes: six 60-minute slots fit, three do not
    late = sorted(k for k in plan.impossible if k.startswith("lf/T"))
    assert len(late) == 3
    assert plan.impossible[late[0]] == "no room left on its days (2027-07-05, 2027-07-06) at t1"


def test_lower_bound_is_the_work_of_the_busiest_group_of_places():
    needs = [_need(f"lf/T{i}/1", f"T{i}", length=10) for i in range(4)]
    needs += [Need(f"sumo/M{i}", "sumo", "match", (f"S{i}", f"S{i + 9}"), ("r1", "r2"), 9,
                   (0,)) for i in range(6)]
    assert lower_bound(Problem(CAL, PLACES, tuple(needs))) == 40  # t1: 40; rings: 54 / 2 = 27


def test_calendar_open_periods_skip_breaks():
    assert CAL.open_periods(1) == [(DAY + 480, DAY + 600), (DAY + 630, DAY + 720)]
    assert CAL.open_minutes() == 210


@pytest.mark.parametrize(("table", "key", "reason"), [
    ({"days": []}, "days", "required, a list of 1 to 60 dates"),
    ({"days": ["2027-13-01"]}, "days", "'2027-13-01' is not a date (YYYY-MM-DD)"),
    ({"days": ["2027-07-06", "2027-07-05"]}, "days", "must be in order, each date once"),
    ({"days": ["2027-07-05"], "day_start": "8:00"}, "day_start",
     'must be a time "HH:MM" (got \'8:00\')'),
    ({"days": ["2027-07-05"], "day_start": "16:00", "day_end": "08:00"}, "day_end",
     "must be after day_start (16:00)"),
    ({"days": ["2027-07-05"], "breaks": [{"start": "07:00", "end": "07:30"}]}, "breaks",
     "break 1: 07:00-07:30 must lie inside day_start..day_end and end after it starts"),
    ({"days": ["2027-07-05"], "lunch": "12:00"}, "lunch", "unknown key (kunci tidak dikenal)"),
])
def test_bad_schedule_tables_name_the_key(table, key, reason):
    with pytest.raises(ScheduleError) as caught:
        parse_calendar(table)
    assert (caught.value.key, caught.value.reason) == (key, reason)


def test_places_and_category_schedules_are_checked():
    with pytest.raises(ScheduleError, match="kind: must be one of ring, field, judging_room"):
        parse_place({"slug": "r1", "name": "Ring", "kind": "arena"})
    places = {"r1": Place("r1", "Ring 1", "ring"), "t1": Place("t1", "T1", "track")}
    rules = parse_category_schedule({"slot_min": 4, "days": {"SD": ["2027-07-06"]}}, "match",
                                    calendar=CAL, places=places, levels=("SD", "SMP"))
    assert (rules.slot_min, rules.kind, rules.days_of("SD", CAL), rules.days_of("SMP", CAL)) \
        == (4, "ring", (1,), (0, 1))
    with pytest.raises(ScheduleError) as caught:
        parse_category_schedule({"places": ["t1"]}, "judged", calendar=CAL, places=places)
    assert caught.value.key == "schedule.places"
    with pytest.raises(ScheduleError) as caught:
        parse_category_schedule({"sessions": 4}, "timed", calendar=CAL, places=places,
                                track="t1", attempts=3)
    assert (caught.value.key, caught.value.reason) == ("schedule.sessions",
                                                       "must be at most attempts (3)")
    with pytest.raises(ScheduleError) as caught:
        parse_category_schedule({"days": {"SMA": ["2027-07-05"]}}, "timed", calendar=CAL,
                                places=places, track="t1", levels=("SD",))
    assert caught.value.reason == "level 'SMA' is not one of the category's levels (SD)"
