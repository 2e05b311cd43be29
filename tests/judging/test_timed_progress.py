"""Progress of one run, and its view for the ranking."""


from judging.timed import (
    Attempt,
    Edge,
    GateRef,
    RankingRules,
    RunStatus,
    TrackRules,
    abort,
    apply_edge,
    arm,
    attempt_of,
    expire,
    progress,
    rank_timed,
)

A0, A1, A2, A3, B0 = (GateRef("a", 0), GateRef("a", 1), GateRef("a", 2), GateRef("a", 3),
                      GateRef("b", 0))
TRACK = TrackRules(A0, A1, (A2, B0, A3), min_run_us=1_000)


def ev(gate, t_us, boot="x"):
    return Edge(gate.source, boot, 1, gate.gate, "B", t_us)


def run(*edges, limit=100_000):
    state = arm(TRACK)
    for edge in edges:
        state = apply_edge(state, TRACK, edge, limit)
    return state


def test_progress_is_furthest_checkpoint():
    assert progress(arm(TRACK)) == (0, None)
    assert progress(run(ev(A0, 0), ev(A2, 3_000))) == (1, 3_000)
    # The sensor at B0 missed the robot: reaching A3 still counts as 3 of 3.
    assert progress(run(ev(A0, 0), ev(A2, 3_000), ev(A3, 7_000))) == (3, 7_000)
    # B0 is another device with no common clock: reached, time unknown.
    assert progress(run(ev(A0, 0), ev(A2, 3_000), ev(B0, 5, boot="y"))) == (2, None)


def test_attempt_of_a_run():
    s = abort(run(ev(A0, 0), ev(A2, 3_000), ev(A3, 7_000)), "robot left the line")
    assert attempt_of("LF-01", 2, s) == Attempt(
        "LF-01", 2, RunStatus.dnf, None, reached=3, reached_us=7_000
    )


def test_runs_to_ranking_end_to_end():
    rules = RankingRules(unfinished_by_progress=True)
    fast = run(ev(A0, 0), ev(A1, 9_500))                                    # 9.5 ms
    slow = run(ev(A0, 100), ev(A1, 9_600))                                  # 9.5 ms
    lost = expire(run(ev(A0, 0), ev(A2, 5_000)))                            # cp 1 at 5 ms
    attempts = [attempt_of("P", 1, fast), attempt_of("Q", 1, slow), attempt_of("R", 1, lost)]
    entries = rank_timed(["P", "Q", "R"], attempts, rules)
    assert [(e.rank, e.team, e.best_us, e.reached, e.reached_us) for e in entries] == [
        (1, "P", 9_500, 0, None),
        (1, "Q", 9_500, 0, None),
        (3, "R", None, 1, 5_000),
    ]
