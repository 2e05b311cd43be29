"""Every category's ranking: one ranker per format (`RANKERS`); the timed one lives here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from judging import timed
from scoreboard.errors import Invalid, NotFound
from scoreboard.models import Category, Run, Team
from scoreboard.services.category_config import timed_config
from scoreboard.services.matches import match_entries
from scoreboard.services.penalties import penalty_adder
from scoreboard.services.scores import judged_entries

Ranker = Callable[[Session, Category], list[dict[str, Any]]]


def category_ranking(session: Session, slug: str) -> dict[str, Any]:
    """`{"category", "entries"}` as in docs/contract.md §4: best first, every team listed."""
    category = session.scalar(select(Category).where(Category.slug == slug))
    if category is None:
        raise NotFound(f"category: {slug!r} not found")
    ranker = RANKERS.get(category.format)
    if ranker is None:  # the event file admits only the formats below
        raise Invalid(f"format: {category.format!r} of category {slug!r} has no ranking")
    return {"category": slug, "entries": ranker(session, category)}


def timed_entries(session: Session, category: Category) -> list[dict[str, Any]]:
    # only the two columns: loading whole Team rows (members JSON and all) made this the
    # slowest step after every edge, competing with the delivery of the `run` event
    names = dict(session.execute(select(Team.code, Team.name)
                                 .where(Team.category_id == category.id)
                                 .order_by(Team.code)).all())
    rows = session.execute(select(Team.code, Run.attempt, Run.status, Run.elapsed_us,
                                  Run.penalties)
                           .join(Team, Run.team_id == Team.id)
                           .where(Run.category_id == category.id)).all()
    # a finished run ranks by its time with the timekeeper's penalties added
    penalised = penalty_adder(category)
    attempts = [timed.Attempt(code, attempt, status, penalised(elapsed, counts))
                for code, attempt, status, elapsed, counts in rows]
    # the event file's `ranking` (and `best_n`) choose how finished times rank
    rules = timed_config(category).ranking_rules
    entries = timed.rank_timed(list(names), attempts, rules)
    out = []
    for e in entries:
        entry = {"rank": e.rank, "team": e.team, "team_name": names[e.team],
                 "best_us": e.best_us, "status": e.status, "times_us": list(e.times_us)}
        if rules.method != "best":
            entry["score_us"] = e.score_us
        out.append(entry)
    return out


# Each format's ranker: every team of the category once, best first, each entry with at
# least `rank`, `team`, `team_name`, `best_us` (null outside timed) and `status`.
RANKERS: Mapping[str, Ranker] = MappingProxyType({
    "timed": timed_entries,
    "match": match_entries,
    "judged": judged_entries,
})
