"""The rehearsal's run-times check: a run whose time is not its robot's fails it, even
when its agent was killed while it ran."""

from hardware.sim_plan import plan_robot
from scoreboard.rehearsal.checks import Report, check_run_times
from scoreboard.rehearsal.play import Ledger

LAP = {"slug": "lintasan-pi", "start": {"source": "pi-1", "gate": 0},
       "finish": {"source": "pi-1", "gate": 0}, "checkpoints": [], "min_run_ms": 80}
PLAN = plan_robot(LAP, "LF-SD-006", 1, seed=1, scale=0.02, dnf_rate=0.0)


def run(status, elapsed_us):
    return {"id": 12, "track": "lintasan-pi", "team": "LF-SD-006", "attempt": 1,
            "status": status, "elapsed_us": elapsed_us, "checkpoints_us": [],
            "reason": None}


def check(final, kills, truth=None):
    ledger = Ledger()
    ledger.runs[12] = final
    ledger.run_window[12] = (10.0, 11.0)
    rep = Report()
    outcome = check_run_times(rep, ledger, truth or {}, kills, lambda _run: PLAN)
    return rep.failed, outcome


def test_a_run_lost_with_its_agent_passes_with_its_robots_planned_time():
    failed, outcome = check(run("finished", PLAN.elapsed_us), kills=[10.5])
    assert failed == []
    assert outcome["lost with its agent"] == 1


def test_a_run_lost_with_its_agent_that_timed_out_passes():
    assert check(run("timeout", None), kills=[10.5])[0] == []


def test_a_run_lost_with_its_agent_timed_by_another_edge_fails():
    failed, _ = check(run("finished", PLAN.elapsed_us + 1), kills=[10.5])
    assert failed and failed[0].startswith("run times equal the ground truth")


def test_a_finished_run_without_truth_and_no_kill_while_it_ran_fails():
    assert check(run("finished", PLAN.elapsed_us), kills=[11.2])[0]


def test_a_finished_run_equal_to_its_truth_passes_and_another_time_fails():
    truth = {12: {"outcome": "finished", "elapsed_us": PLAN.elapsed_us, "checkpoints_us": []}}
    assert check(run("finished", PLAN.elapsed_us), kills=[], truth=truth)[0] == []
    assert check(run("finished", PLAN.elapsed_us - 5), kills=[], truth=truth)[0]


ACROSS = {"outcome": "finished", "elapsed_us": 512_345, "checkpoints_us": [41_000],
          "across_reboot": True}


def across(status, elapsed_us, checkpoints_us=(41_000,), bound=1_200, reason=None):
    ledger = Ledger()
    ledger.runs[12] = {"id": 12, "track": "lintasan-esp", "team": "LF-SMP-002",
                       "attempt": 1, "status": status, "elapsed_us": elapsed_us,
                       "checkpoints_us": list(checkpoints_us), "reason": reason}
    ledger.run_window[12] = (10.0, 11.0)
    rep = Report()
    check_run_times(rep, ledger, {12: ACROSS}, [], None, {12: bound})
    return rep.failed


def test_a_run_across_a_reboot_timed_from_wall_clock_estimates_is_reported_apart(capsys):
    assert across("finished", 512_345 + 1_200) == []
    assert across("finished", 512_345 - 400) == []
    line = capsys.readouterr().out.splitlines()[-1]
    assert line == ("rehearsal: check run times equal the ground truth (finished 1; 1 timed "
                    "across a reboot from wall-clock estimates, 0.400 ms from the truth, "
                    "bound 1.200 ms): 1 — ok")


def test_a_run_across_a_reboot_outside_its_bound_or_without_estimates_fails():
    assert across("finished", 512_345 + 1_201)
    assert across("finished", 512_345, bound=None)
    assert across("finished", 512_345, checkpoints_us=(41_001,))
    assert across("timeout", None)


def test_a_run_across_a_reboot_in_review_with_a_reason_passes():
    assert across("review", None, checkpoints_us=(), reason="no common clock") == []
    assert across("review", None, checkpoints_us=(), reason=None)


def test_a_host_clock_step_leaking_into_wall_clock_estimates_is_found():
    from collections import namedtuple

    from scoreboard.rehearsal.checks import wall_clock_problems

    Row = namedtuple("Row", "source boot seq t_us t_epoch_us t_epoch_err_us")
    epoch = 1_764_000_000_000_000
    rows = [Row("pi-1", "8b69e141", 1, 1_000_000, epoch + 1_000_000, 600),
            # 10 s later: 200 ppm of drift (2 ms), both errors and 1 ms of slack allowed
            Row("pi-1", "8b69e141", 2, 11_000_000, epoch + 11_000_000 + 4_200, 600),
            Row("esp32-1", "52e6b438", 1, 50_000, epoch + 7, None)]
    assert wall_clock_problems(rows) == (1, [])
    stepped = [rows[0], rows[1]._replace(t_epoch_us=epoch + 11_000_000 + 4_201)]
    assert wall_clock_problems(stepped) == (1, [
        "pi-1/8b69e141 seq 1→2: wall-clock estimates 4201 µs apart from the device clock, "
        "bound 3200 µs"])
    ntp = [rows[0], rows[1]._replace(t_epoch_us=epoch + 9_000_000)]
    assert wall_clock_problems(ntp)[1][0].startswith("pi-1/8b69e141 seq 1→2: wall-clock "
                                                     "estimates 2000000 µs apart")
