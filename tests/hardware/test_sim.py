"""The simulator: robot plans are a pure function of their inputs; robots play for real."""

import heapq
import json
import threading
import time
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.sim import SimDevice, SimulatedTracks
from hardware.sim_plan import PlannedEdge, plan_robot, team_base_run_s
from judging.timed import GateRef, RunStatus, TrackRules, apply_edge, arm, parse_edge
from tests.hardware.test_agent_support import TinyServer, wait_for

TRACK_A = {"slug": "lintasan-a", "name": "Lintasan A",
           "start": {"source": "esp32-a", "gate": 0}, "finish": {"source": "esp32-a", "gate": 1},
           "checkpoints": [{"source": "esp32-a", "gate": 2}], "min_run_ms": 2000}
LAP_B = {"slug": "lintasan-b", "name": "Lintasan B",
         "start": {"source": "pi-b", "gate": 0}, "finish": {"source": "pi-b", "gate": 0},
         "checkpoints": [], "min_run_ms": 2000}
SPLIT_C = {"slug": "lintasan-c", "name": "Lintasan C",
           "start": {"source": "esp32-c", "gate": 0}, "finish": {"source": "esp32-d", "gate": 1},
           "checkpoints": [{"source": "esp32-c", "gate": 2}, {"source": "esp32-d", "gate": 3}],
           "min_run_ms": 1000}


def E(offset_us, source, gate, edge):
    return PlannedEdge(offset_us, source, gate, edge)


def test_plan_is_an_exact_function_of_track_team_attempt_and_seed():
    plan = plan_robot(TRACK_A, "LF-SD-001", 1, seed=42)
    assert plan == plan_robot(TRACK_A, "LF-SD-001", 1, seed=42)
    assert plan.delay_us == 797447
    assert plan.outcome == "finished"
    assert plan.elapsed_us == 15935896
    assert plan.checkpoints_us == (7998028,)
    assert plan.start == ("esp32-a", 0)
    assert plan.finish == ("esp32-a", 1)
    assert plan.edges == (
        E(0, "esp32-a", 0, "B"), E(1536, "esp32-a", 0, "C"), E(1704, "esp32-a", 0, "B"),
        E(2328, "esp32-a", 0, "C"), E(2577, "esp32-a", 0, "B"), E(4275, "esp32-a", 0, "C"),
        E(4504, "esp32-a", 0, "B"), E(199778, "esp32-a", 0, "C"),
        E(7998028, "esp32-a", 2, "B"), E(7999765, "esp32-a", 2, "C"),
        E(8000066, "esp32-a", 2, "B"), E(8002024, "esp32-a", 2, "C"),
        E(8002778, "esp32-a", 2, "B"), E(8125955, "esp32-a", 2, "C"),
        E(15935896, "esp32-a", 1, "B"), E(15937737, "esp32-a", 1, "C"),
        E(15939131, "esp32-a", 1, "B"), E(15940148, "esp32-a", 1, "C"),
        E(15940573, "esp32-a", 1, "B"), E(16105406, "esp32-a", 1, "C"),
    )


def test_lap_track_finishes_on_the_start_gate_after_min_run():
    plan = plan_robot(LAP_B, "LF-SMP-002", 2, seed=7, scale=0.1)
    assert plan.delay_us == 62241
    assert plan.elapsed_us == 2100000  # 0.1 scale would be faster: held to min_run + 100 ms
    finish_breaks = [e for e in plan.edges if e.edge == "B" and e.offset_us >= 2000000]
    assert finish_breaks[0] == E(2100000, "pi-b", 0, "B")
    assert plan.edges[-1] == E(2269403, "pi-b", 0, "C")


def test_dnf_passes_the_start_and_never_finishes():
    plan = plan_robot(SPLIT_C, "LF-SD-009", 1, seed=3, dnf_rate=1.0)
    assert plan.outcome == "dnf"
    assert plan.elapsed_us is None
    assert plan.edges[0] == E(0, "esp32-c", 0, "B")
    assert not any(e.source == "esp32-d" and e.gate == 1 for e in plan.edges)
    reached = [cp is not None for cp in plan.checkpoints_us]
    assert reached in ([False, False], [True, False], [True, True])
    passed_gates = {e.gate for e in plan.edges} - {0}
    assert passed_gates == {gate for gate, hit in zip((2, 3), reached, strict=True) if hit}


def test_team_speed_is_stable_across_attempts_and_tracks():
    base = team_base_run_s("LF-SD-001", 42)
    assert 8.0 <= base <= 20.0
    for attempt in (1, 2, 3):
        plan = plan_robot(SPLIT_C, "LF-SD-001", attempt, seed=42, dnf_rate=0)
        assert base * 0.95 * 1e6 - 1 <= plan.elapsed_us <= base * 1.05 * 1e6
    assert team_base_run_s("LF-SD-001", 43) != base


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 10**9), team=st.text(min_size=1, max_size=12),
       attempt=st.integers(1, 5), scale=st.floats(0.01, 3.0),
       track=st.sampled_from([TRACK_A, LAP_B, SPLIT_C]))
def test_every_plan_is_physically_plausible(seed, team, attempt, scale, track):
    plan = plan_robot(track, team, attempt, seed, scale, dnf_rate=0.3)
    assert plan.delay_us >= 50_000
    assert plan.edges[0] == E(0, track["start"]["source"], track["start"]["gate"], "B")
    assert [e.offset_us for e in plan.edges] == sorted(e.offset_us for e in plan.edges)
    passages = defaultdict(list)
    for edge in plan.edges:
        passages[(edge.source, edge.gate)].append(edge)
    for edges in passages.values():
        # Each passage: B, 1..3 bounces (C, B) within 1..5 ms, then C 50..200 ms later.
        for first in (i for i, e in enumerate(edges) if i == 0 or edges[i - 1].edge == "C"
                      and e.offset_us - edges[i - 1].offset_us > 5000):
            group = edges[first:]
            end = next(i for i, e in enumerate(group) if 50_000 <= e.offset_us
                       - group[0].offset_us and e.edge == "C")
            group = group[:end + 1]
            assert [e.edge for e in group] == ["B", *["C", "B"] * ((len(group) - 2) // 2), "C"]
            bounces = (len(group) - 2) // 2
            assert bounces in (1, 2, 3)
            assert all(1000 <= e.offset_us - group[0].offset_us <= 5000 for e in group[1:-1])
            assert 50_000 <= group[-1].offset_us - group[0].offset_us <= 200_000
    state = judge(track, as_wire_edges(plan))
    assert state.elapsed_us == plan.elapsed_us
    assert state.status is (RunStatus.finished if plan.outcome == "finished"
                            else RunStatus.running)
    assert state.checkpoints_us == plan.checkpoints_us
    min_run_us = track["min_run_ms"] * 1000
    if plan.outcome == "finished":
        finish = (track["finish"]["source"], track["finish"]["gate"], "B", plan.elapsed_us)
        assert finish in {(e.source, e.gate, e.edge, e.offset_us) for e in plan.edges}
        assert plan.elapsed_us >= min_run_us + 100_000
        assert all(cp is not None and 0 < cp < plan.elapsed_us for cp in plan.checkpoints_us)
    else:
        assert plan.elapsed_us is None


def judge(track, edges):
    """Time the edges with the championship's own rules (judging.timed)."""
    rules = TrackRules(
        start=GateRef(**track["start"]), finish=GateRef(**track["finish"]),
        checkpoints=tuple(GateRef(**ref) for ref in track["checkpoints"]),
        min_run_us=track["min_run_ms"] * 1000)
    state = arm(rules)
    for edge in edges:
        state = apply_edge(state, rules, parse_edge(edge), time_limit_us=None)
    return state


def as_wire_edges(plan):
    """The plan as the wire would carry it: each source its own boot, clock and seq."""
    seqs = defaultdict(int)
    edges = []
    for planned in plan.edges:
        seqs[planned.source] += 1
        uptime_us = 1_000_000 * len(planned.source)  # sources booted at different times
        edges.append({"source": planned.source, "boot": f"b00{len(planned.source):05x}",
                      "seq": seqs[planned.source], "gate": planned.gate, "edge": planned.edge,
                      "t_us": uptime_us + planned.offset_us,
                      "t_epoch_us": 1_764_452_840_000_000 + planned.offset_us})
    return edges


class Collector:
    """The sink: what the agent's outbox would commit."""

    def __init__(self):
        self.lock = threading.Lock()
        self.edges = []
        self.at = []

    def __call__(self, edge):
        with self.lock:
            self.edges.append(edge)
            self.at.append(time.time_ns() // 1000)
        return True


def read_truth(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def start_sim(srv, tmp_path, **options):
    sim = SimulatedTracks(srv.url, tmp_path, seed=5, scale=0.01, **options)
    sink = Collector()
    stop = threading.Event()
    thread = threading.Thread(target=sim.run, args=(sink, stop), daemon=True)
    thread.start()
    assert wait_for(lambda: sim.status()["live_connected"])
    return sim, sink, stop, thread


def armed(run_id, team, track, attempt=1, status="armed"):
    return {"id": run_id, "category": "lf", "team": team, "attempt": attempt,
            "status": status, "track": track}


def test_armed_runs_play_robots_in_real_time_with_ground_truth(tmp_path):
    srv = TinyServer(tracks=[TRACK_A, LAP_B, SPLIT_C]).start()
    sim, sink, stop, thread = start_sim(srv, tmp_path, dnf_rate=0.0)
    srv.emit_run(armed(7, "LF-SD-001", "lintasan-a"))
    srv.emit_run(armed(8, "LF-SD-002", "lintasan-c"))
    srv.emit_run(armed(9, "LF-SD-003", "lintasan-b", status="running"))
    srv.emit_run(armed(7, "LF-SD-001", "lintasan-a"))  # the same run again: one robot
    srv.emit_run(armed(10, "X", "unknown-track"))
    truth_path = tmp_path / "ground_truth.jsonl"
    assert wait_for(lambda: len(read_truth(truth_path)) == 2, timeout=15)
    # the truth is written at the finish beam; the beams clear up to 200 ms later
    planned = sum(len(plan_robot(track, team, 1, seed=5, scale=0.01, dnf_rate=0.0).edges)
                  for track, team in ((TRACK_A, "LF-SD-001"), (SPLIT_C, "LF-SD-002")))
    assert wait_for(lambda: len(sink.edges) == planned, timeout=5)
    stop.set()
    thread.join(timeout=5)
    srv.stop()

    truth = {t["run_id"]: t for t in read_truth(truth_path)}
    assert set(truth) == {7, 8}
    by_source = defaultdict(list)
    for edge in sink.edges:
        by_source[edge["source"]].append(edge)
    assert set(by_source) == {"esp32-a", "esp32-c", "esp32-d"}
    for source, edges in by_source.items():
        assert [e["seq"] for e in edges] == list(range(1, len(edges) + 1))
        assert len({e["boot"] for e in edges}) == 1
        assert [e["t_us"] for e in edges] == sorted(e["t_us"] for e in edges)
        assert sim.devices[source].boot == edges[0]["boot"]
    for run_id, track in ((7, TRACK_A), (8, SPLIT_C)):
        t = truth[run_id]
        plan = plan_robot(track, t["team"], 1, seed=5, scale=0.01, dnf_rate=0.0)
        assert t["outcome"] == "finished"
        assert t["elapsed_us"] == plan.elapsed_us
        assert t["checkpoints_us"] == list(plan.checkpoints_us)
        start = next(e for e in sink.edges if (e["source"], e["gate"]) == plan.start)
        finish = next(e for e in sink.edges if (e["source"], e["gate"]) == plan.finish)
        assert start["t_us"] == t["start_t_us"]
        assert finish["t_us"] == t["finish_t_us"]
        assert finish["t_epoch_us"] - start["t_epoch_us"] == plan.elapsed_us
        sources = {ref["source"] for ref in (track["start"], track["finish"],
                                             *track["checkpoints"])}
        state = judge(track, [e for e in sink.edges if e["source"] in sources])
        assert state.status is RunStatus.finished
        assert state.elapsed_us == t["elapsed_us"]
        assert list(state.checkpoints_us) == t["checkpoints_us"]
        assert sum(1 for e in sink.edges if e["source"] in (plan.start[0], plan.finish[0])
                   and e["gate"] in (plan.start[1], plan.finish[1])) >= 6
    same_clock = [e for e in sink.edges if e["source"] == "esp32-a"]
    assert same_clock[-1]["t_us"] - same_clock[0]["t_us"] == plan_robot(
        TRACK_A, "LF-SD-001", 1, seed=5, scale=0.01).duration_us
    # Edges leave at their true time: never early, and late only by the machine's load.
    for edge, sent_at in zip(sink.edges, sink.at, strict=True):
        assert -1_000 <= sent_at - edge["t_epoch_us"] <= 1_000_000
    assert list(read_truth(truth_path)[0]) == [
        "run_id", "team", "track", "outcome", "start_t_us", "finish_t_us", "elapsed_us",
        "checkpoints_us", "attempt", "start_source", "start_boot", "taken_off"]


def test_a_dnf_robot_writes_null_finish(tmp_path):
    srv = TinyServer(tracks=[LAP_B]).start()
    sim, sink, stop, thread = start_sim(srv, tmp_path, dnf_rate=1.0)
    srv.emit_run(armed(3, "LF-SD-004", "lintasan-b"))
    truth_path = tmp_path / "ground_truth.jsonl"
    assert wait_for(lambda: read_truth(truth_path), timeout=10)
    stop.set()
    thread.join(timeout=5)
    srv.stop()
    (truth,) = read_truth(truth_path)
    assert truth["outcome"] == "dnf"
    assert truth["finish_t_us"] is None
    assert truth["elapsed_us"] is None
    assert truth["checkpoints_us"] == []
    assert truth["start_t_us"] == sink.edges[0]["t_us"]
    assert [e["edge"] for e in sink.edges][0] == "B"
    assert sink.edges[-1]["t_us"] - sink.edges[0]["t_us"] <= 200_000


def test_simulator_reconnects_to_live(tmp_path):
    srv = TinyServer(tracks=[TRACK_A]).start()
    sim, sink, stop, thread = start_sim(srv, tmp_path, dnf_rate=0.0)
    srv.stop()
    assert wait_for(lambda: not sim.status()["live_connected"])
    srv.start()
    assert wait_for(lambda: sim.status()["live_connected"], timeout=15)
    srv.emit_run(armed(1, "LF-SD-001", "lintasan-a"))
    assert wait_for(lambda: read_truth(tmp_path / "ground_truth.jsonl"), timeout=10)
    stop.set()
    thread.join(timeout=5)
    srv.stop()
    status = sim.status()
    assert status["errors"]["live_dropped"] == 1
    assert status["devices"]["esp32-a"]["seq"] == len(sink.edges)


def test_an_aborted_run_takes_the_robot_off_the_track(tmp_path):
    srv = TinyServer(tracks=[TRACK_A]).start()
    sim = SimulatedTracks(srv.url, tmp_path, seed=5, scale=0.1, dnf_rate=0.0)
    sink = Collector()
    stop = threading.Event()
    thread = threading.Thread(target=sim.run, args=(sink, stop), daemon=True)
    thread.start()
    assert wait_for(lambda: sim.status()["live_connected"])
    srv.emit_run(armed(1, "LF-SD-001", "lintasan-a"))
    assert wait_for(lambda: sink.edges, timeout=5)
    srv.emit_run(armed(1, "LF-SD-001", "lintasan-a", status="dnf"))
    truth_path = tmp_path / "ground_truth.jsonl"
    assert wait_for(lambda: read_truth(truth_path), timeout=5)
    taken_off = len(sink.edges)
    srv.emit_run(armed(2, "LF-SD-001", "lintasan-a", attempt=2))
    assert wait_for(lambda: len(read_truth(truth_path)) == 2, timeout=10)
    plan = plan_robot(TRACK_A, "LF-SD-001", 2, seed=5, scale=0.1, dnf_rate=0.0)
    assert wait_for(lambda: len(sink.edges) == taken_off + len(plan.edges), timeout=5)
    stop.set()
    thread.join(timeout=5)
    srv.stop()
    first, second = read_truth(truth_path)
    assert first["outcome"] == "dnf"
    assert first["taken_off"] is True
    assert (first["finish_t_us"], first["elapsed_us"], first["checkpoints_us"]) == (
        None, None, [None])
    assert first["start_t_us"] == sink.edges[0]["t_us"]
    assert {e["gate"] for e in sink.edges[:taken_off]} == {0}
    assert second["taken_off"] is False
    assert second["elapsed_us"] == plan.elapsed_us
    assert len(sink.edges) == taken_off + len(plan.edges)


def test_an_armed_run_in_the_connect_snapshot_gets_a_robot(tmp_path):
    srv = TinyServer(tracks=[TRACK_A])
    srv.live_runs = [armed(4, "LF-SD-005", "lintasan-a"),
                     armed(5, "LF-SD-006", "lintasan-a", status="running")]
    srv.start()
    sim, sink, stop, thread = start_sim(srv, tmp_path, dnf_rate=0.0)
    assert wait_for(lambda: read_truth(tmp_path / "ground_truth.jsonl"), timeout=10)
    stop.set()
    thread.join(timeout=5)
    srv.stop()
    (truth,) = read_truth(tmp_path / "ground_truth.jsonl")
    assert (truth["run_id"], truth["team"], truth["outcome"]) == (4, "LF-SD-005", "finished")
    assert truth["elapsed_us"] == plan_robot(TRACK_A, "LF-SD-005", 1, seed=5, scale=0.01,
                                             dnf_rate=0.0).elapsed_us


def play_until(sim, done):
    """Run the simulator's queued actions in their order, without waiting for their
    times, until `done()`; the rest stays queued, as when the agent is killed -9."""
    while not done():
        _due, _n, action = heapq.heappop(sim._queue)
        action()


def test_the_truth_is_written_when_the_finish_beam_breaks_not_when_it_clears(tmp_path):
    # The rehearsal's fault: the agent was killed -9 between a robot's finish and its
    # finish beam clearing; the server had timed the run from edges already out, and the
    # run's true time died with the process.
    sim = SimulatedTracks("http://unused", tmp_path, seed=5, scale=0.01, dnf_rate=0.0)
    sim.tracks = {"lintasan-b": LAP_B}
    sim.devices = {"pi-b": SimDevice("pi-b")}
    sink = Collector()
    sim._sink = sink
    plan = plan_robot(LAP_B, "LF-SD-006", 1, seed=5, scale=0.01, dnf_rate=0.0)
    sim.place(armed(12, "LF-SD-006", "lintasan-b"), plan)
    play_until(sim, lambda: len(sink.edges) > 1 and sink.edges[-1]["t_us"]
               - sink.edges[0]["t_us"] == plan.elapsed_us)
    (truth,) = read_truth(tmp_path / "ground_truth.jsonl")
    assert (truth["run_id"], truth["outcome"], truth["elapsed_us"]) == (
        12, "finished", plan.elapsed_us)
    assert truth["finish_t_us"] == sink.edges[-1]["t_us"]
    assert sink.edges[-1]["edge"] == "B" and len(sink.edges) < len(plan.edges)
    # played to the end (beam cleared, the robot's last action): still one truth
    play_until(sim, lambda: not sim._queue)
    assert len(sink.edges) == len(plan.edges)
    assert read_truth(tmp_path / "ground_truth.jsonl") == [truth]


def test_the_simulated_hosts_wall_clock_is_stepped_by_its_file(tmp_path, monkeypatch):
    from hardware.sim import SimWallClock

    monkeypatch.setattr(time, "time_ns", lambda: 1_764_000_000_123_456_789)
    clock = SimWallClock(tmp_path)
    assert (clock.step_us(), clock.now_us()) == (0, 1_764_000_000_123_456)
    (tmp_path / "wall-step-us").write_text("2000000\n")
    assert (clock.step_us(), clock.now_us()) == (2_000_000, 1_764_000_002_123_456)
    (tmp_path / "wall-step-us").write_text("")
    assert clock.now_us() == 1_764_000_000_123_456
