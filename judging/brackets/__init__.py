"""Brackets derived from seeding and stored results.

Build a bracket once from the seeded entrants (`single.build`, `double.build`,
`round_robin.build`, `groups.draw`), store only results keyed by match id, and
call `resolve` whenever a result changes to get every match's state.
"""

from judging.brackets.graph import (
    Bracket,
    BracketKind,
    BracketState,
    BracketWarning,
    MatchSpec,
    MatchState,
    MatchStatus,
    Slot,
    SlotKind,
    Stage,
    WarningKind,
    resolve,
)

__all__ = [
    "Bracket",
    "BracketKind",
    "BracketState",
    "BracketWarning",
    "MatchSpec",
    "MatchState",
    "MatchStatus",
    "Slot",
    "SlotKind",
    "Stage",
    "WarningKind",
    "resolve",
]
