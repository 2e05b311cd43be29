"""How long a timed ranking of 1,000 teams x 3 attempts takes (goal: < 50 ms).

Run: python benchmarks/bench_ranking_timed.py
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from judging.timed import Attempt, RankingMethod, RankingRules, RunStatus, rank_timed  # noqa: E402

TEAMS = 1_000
ATTEMPTS = 3
REPEATS = 20
GOAL_MS = 50.0


def field(seed: int = 2026) -> tuple[list[str], list[Attempt]]:
    """A category with a realistic mix: mostly finished, some DNF, timeouts and DSQs."""
    rnd = random.Random(seed)
    teams = [f"LF-{i:04d}" for i in range(TEAMS)]
    statuses = [RunStatus.finished] * 7 + [RunStatus.dnf, RunStatus.timeout, RunStatus.dsq]
    attempts = []
    for team in teams:
        for n in range(1, ATTEMPTS + 1):
            status = rnd.choice(statuses)
            elapsed = rnd.randint(8_000_000, 60_000_000) // 1_000 * 1_000  # ms steps: real ties
            attempts.append(Attempt(
                team, n, status, elapsed if status is RunStatus.finished else None,
            ))
    return teams, attempts


def best_ms(teams: list[str], attempts: list[Attempt], rules: RankingRules | None) -> float:
    """The fastest of REPEATS rankings, in milliseconds."""
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        rank_timed(teams, attempts, rules)
        best = min(best, (time.perf_counter() - started) * 1_000)
    return best


def main() -> int:
    teams, attempts = field()
    cases = {
        "best (internals §2)": None,
        "sum_best_2": RankingRules(RankingMethod.sum_best_n, n=2),
    }
    worst = 0.0
    for name, rules in cases.items():
        ms = best_ms(teams, attempts, rules)
        worst = max(worst, ms)
        sys.stdout.write(f"{TEAMS} teams x {ATTEMPTS} attempts, {name}: {ms:.2f} ms\n")
    verdict = "OK" if worst < GOAL_MS else "TOO SLOW"
    sys.stdout.write(f"goal < {GOAL_MS:.0f} ms: {verdict}\n")
    return 0 if worst < GOAL_MS else 1


if __name__ == "__main__":
    sys.exit(main())
