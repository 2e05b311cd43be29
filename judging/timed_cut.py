"""The qualification cut: which timed-ranking teams go on to a knockout."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from judging.errors import RuleViolation
from judging.timed_rank import RankEntry


@dataclass(frozen=True, slots=True)
class QualificationCut:
    """The result of cutting a ranking at `size` seats.

    `qualified`: the teams sure of a seat, in seeding order (seed 1 first).
    `tied`: teams sharing the rank at the cut line, more than the seats left
    for them; `open_seats` is how many of them go through after a run-off or
    the head judge's decision (0 and empty when the cut is clean). Fewer
    ranked teams than seats leaves seats empty: byes for the bracket.
    """

    size: int
    qualified: tuple[str, ...]
    tied: tuple[str, ...] = ()
    open_seats: int = 0

    @property
    def settled(self) -> bool:
        """True when no tie at the cut line needs breaking."""
        return not self.tied


def qualification_cut(entries: Sequence[RankEntry], size: int) -> QualificationCut:
    """Cut a ranking (as `rank_timed` returns it) to the top `size` teams.

    Only ranked teams can qualify. Teams sharing a rank are never split
    silently: if they straddle the line, they are returned as `tied` with
    the number of seats left for them. Raises RuleViolation if `size` is not
    an integer >= 2 or the entries are not in ranking order.
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 2:
        raise RuleViolation("size: must be an integer >= 2")
    ranked = [e for e in entries if e.rank is not None]
    if any(a.rank > b.rank for a, b in zip(ranked, ranked[1:], strict=False)):
        raise RuleViolation("entries: must be in ranking order")
    if len(ranked) <= size:
        return QualificationCut(size, tuple(e.team for e in ranked))
    line_rank = ranked[size - 1].rank
    if ranked[size].rank != line_rank:
        return QualificationCut(size, tuple(e.team for e in ranked[:size]))
    qualified = tuple(e.team for e in ranked if e.rank < line_rank)
    tied = tuple(e.team for e in ranked if e.rank == line_rank)
    return QualificationCut(size, qualified, tied, size - len(qualified))


def settle_cut(cut: QualificationCut, runoff_order: Sequence[str]) -> QualificationCut:
    """Break the tie at the cut line with the order a run-off (or judge) decided.

    `runoff_order` must list exactly the tied teams, best first; the first
    `open_seats` of them qualify behind the sure ones. Raises RuleViolation
    otherwise.
    """
    if sorted(runoff_order) != sorted(cut.tied):
        raise RuleViolation("runoff_order: must list exactly the tied teams")
    winners = tuple(runoff_order[: cut.open_seats])
    return QualificationCut(cut.size, cut.qualified + winners)
