"""The rules of timed runs: one run's state machine, edge validation, ranking.

This module is the stable import point of docs/internals.md §2; the rules
live in `timed_run` (a run), `timed_wire` (an edge from the wire) and
`timed_rank` (a category's ranking).
"""

from judging.errors import RuleViolation
from judging.timed_rank import (
    Attempt,
    RankEntry,
    RankingMethod,
    RankingRules,
    rank_timed,
    scored_times,
    team_status,
)
from judging.timed_run import (
    Edge,
    GateRef,
    RunState,
    RunStatus,
    TrackRules,
    abort,
    apply_edge,
    arm,
    catch_up,
    disqualify,
    expire,
    gap_us,
    is_rebound,
    replay,
    resolve_review,
)
from judging.timed_wire import parse_edge

__all__ = [
    "Attempt",
    "Edge",
    "GateRef",
    "RankEntry",
    "RankingMethod",
    "RankingRules",
    "RuleViolation",
    "RunState",
    "RunStatus",
    "TrackRules",
    "abort",
    "apply_edge",
    "arm",
    "catch_up",
    "disqualify",
    "expire",
    "gap_us",
    "is_rebound",
    "parse_edge",
    "rank_timed",
    "replay",
    "resolve_review",
    "scored_times",
    "team_status",
]
