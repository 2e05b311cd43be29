"""Benchmarks of the competition engine (goal: each under 50 ms).

Run: ``python benchmarks/bench_engine.py``. Prints the best and median of
several repetitions in milliseconds; asserts nothing.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from judging.brackets import double, resolve, round_robin  # noqa: E402
from judging.match import MatchResult  # noqa: E402
from judging.standings import standings  # noqa: E402

REPEATS = 7


def play_double_elimination(entrants: int = 512) -> int:
    """Build a double-elimination bracket and play it out wave by wave; returns matches played."""
    teams = [f"T{i:03d}" for i in range(entrants)]
    bracket = double.build(teams)
    results: list[MatchResult] = []
    while True:
        state = resolve(bracket, results)
        ready = state.ready
        if not ready:
            break
        for index, m in enumerate(ready):
            # Deterministic upsets: every third callable match goes to the away side.
            upset = index % 3 == 0
            results.append(MatchResult(m.match_id, m.home, m.away, m.away if upset else m.home,
                                       int(not upset), int(upset)))
    assert state.champion is not None
    return len(results)


_FULL: list = []


def resolve_full_bracket() -> int:
    """One `resolve` of a fully played 512-entrant double elimination: the cost per stored result."""
    if not _FULL:
        teams = [f"T{i:03d}" for i in range(512)]
        bracket = double.build(teams)
        results: list[MatchResult] = []
        while ready := resolve(bracket, results).ready:
            results += [MatchResult(m.match_id, m.home, m.away, m.home, 1, 0) for m in ready]
        _FULL.extend((bracket, results))
    bracket, results = _FULL
    return len(resolve(bracket, results).matches)


def group_tables(groups: int = 16, size: int = 8) -> int:
    """Standings of ``groups`` round-robin groups of ``size`` teams, every match played."""
    rows = 0
    for g in range(groups):
        teams = [f"G{g:02d}-{i}" for i in range(size)]
        bracket = round_robin.build(teams, prefix=f"G{g:02d}-")
        results = []
        for n, m in enumerate(bracket.matches):
            home, away = bracket.entrants[int(m.home.ref) - 1], bracket.entrants[int(m.away.ref) - 1]
            goals = (n * 7 % 4, n * 5 % 3)
            winner = None if goals[0] == goals[1] else home if goals[0] > goals[1] else away
            results.append(MatchResult(m.match_id, home, away, winner, *goals))
        rows += len(standings(teams, results))
    return rows


def measure(name: str, func: Callable[[], int]) -> None:
    """Run ``func`` REPEATS times and print best/median wall time and best CPU time.

    CPU time is printed too because a shared machine's wall time is noisy.
    """
    wall, cpu = [], []
    for _ in range(REPEATS):
        start, start_cpu = time.perf_counter(), time.process_time()
        size = func()
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    sys.stdout.write(f"{name}: wall best {min(wall):.1f} ms, median {statistics.median(wall):.1f}"
                     f" ms; cpu best {min(cpu):.1f} ms ({size} items)\n")


def main() -> None:
    """Run every benchmark."""
    measure("double elimination, 512 entrants, build + play out", play_double_elimination)
    measure("resolve once, 512-entrant double elimination fully played", resolve_full_bracket)
    measure("standings, 16 groups of 8", group_tables)


if __name__ == "__main__":
    main()
