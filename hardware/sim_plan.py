"""Robots as plans: what a simulated robot does on a track, as a pure function.

``plan_robot(track, team, attempt, seed, scale, dnf_rate)`` returns every gate edge the
robot causes, at true times relative to the moment it breaks the start beam, and the
ground truth (elapsed time, checkpoints, outcome). Same inputs, same plan: tests can
assert exact times, and a championship can be replayed with its seed.

A gate passage is: the beam breaks (``B``) at the passage time; it bounces 1..3 times
within 1..5 ms (each bounce a ``C`` then a ``B``); it clears (``C``) 50..200 ms after
the first break. Bounce and clear are sensor physics and are not scaled; the delay
before the start and the run itself are multiplied by ``scale``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

MIN_DELAY_US = 50_000
FINISH_MARGIN_US = 100_000


@dataclass(frozen=True)
class PlannedEdge:
    """One edge at ``offset_us`` after the robot breaks the start beam."""

    offset_us: int
    source: str
    gate: int
    edge: str


@dataclass(frozen=True)
class RobotPlan:
    """A robot's whole run on a track, relative to its true start."""

    track: str
    team: str
    attempt: int
    start: tuple[str, int]
    finish: tuple[str, int]
    delay_us: int
    edges: tuple[PlannedEdge, ...]
    outcome: str
    elapsed_us: int | None
    checkpoints_us: tuple[int | None, ...]

    @property
    def duration_us(self) -> int:
        """Time from the true start to the robot's last edge."""
        return self.edges[-1].offset_us


def team_base_run_s(team: str, seed: int) -> float:
    """A team's typical run time at scale 1: 8..20 s, stable per (team, seed)."""
    return random.Random(f"kejurda-sim:{seed}:team:{team}").uniform(8.0, 20.0)


def gate_passage(rng: random.Random, at_us: int, source: str, gate: int) -> list[PlannedEdge]:
    """The edges of one passage through a gate whose beam first breaks at ``at_us``."""
    bounces = rng.randint(1, 3)
    times = sorted(rng.sample(range(1_000, 5_001), 2 * bounces))
    edges = [PlannedEdge(at_us, source, gate, "B")]
    for index, offset in enumerate(times):
        edges.append(PlannedEdge(at_us + offset, source, gate, "C" if index % 2 == 0 else "B"))
    edges.append(PlannedEdge(at_us + rng.randint(50_000, 200_000), source, gate, "C"))
    return edges


def _gate(ref: dict) -> tuple[str, int]:
    return str(ref["source"]), int(ref["gate"])


def plan_robot(
    track: dict,
    team: str,
    attempt: int,
    seed: int,
    scale: float = 1.0,
    dnf_rate: float = 0.05,
) -> RobotPlan:
    """Plan one attempt of ``team`` on ``track`` (a ``GET /api/v1/tracks`` entry)."""
    rng = random.Random(f"kejurda-sim:{seed}:run:{track['slug']}:{team}:{attempt}")
    start, finish = _gate(track["start"]), _gate(track["finish"])
    checkpoints = [_gate(ref) for ref in track.get("checkpoints") or []]
    min_run_us = int(track.get("min_run_ms") or 0) * 1000
    delay_us = max(MIN_DELAY_US, int(rng.uniform(0.3, 1.5) * scale * 1e6))
    run_us = int(team_base_run_s(team, seed) * rng.uniform(0.95, 1.05) * scale * 1e6)
    # The server ignores a finish earlier than min_run_ms, and on a lap track the finish
    # must come after the start beam has cleared.
    start_edges = gate_passage(rng, 0, *start)
    run_us = max(run_us, min_run_us + FINISH_MARGIN_US, start_edges[-1].offset_us + 10_000)
    slot = 1 / (len(checkpoints) + 1)
    checkpoint_at = [
        int(run_us * slot * (index + 1 + rng.uniform(-0.4, 0.4)))
        for index in range(len(checkpoints))
    ]
    dnf = rng.random() < dnf_rate
    reached = rng.randint(0, len(checkpoints)) if dnf else len(checkpoints)
    edges = list(start_edges)
    for (source, gate), at_us in zip(checkpoints[:reached], checkpoint_at, strict=False):
        edges.extend(gate_passage(rng, at_us, source, gate))
    if not dnf:
        edges.extend(gate_passage(rng, run_us, *finish))
    edges.sort(key=lambda e: e.offset_us)
    return RobotPlan(
        track=str(track["slug"]),
        team=team,
        attempt=attempt,
        start=start,
        finish=finish,
        delay_us=delay_us,
        edges=tuple(edges),
        outcome="dnf" if dnf else "finished",
        elapsed_us=None if dnf else run_us,
        checkpoints_us=tuple(
            at_us if index < reached else None for index, at_us in enumerate(checkpoint_at)
        ),
    )
