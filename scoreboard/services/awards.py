"""Podiums and the juara umum medal table, from every category's current ranking.

The rules (places from ranks, points, ordering and shared ranks) are
`judging.awards`; this module only loads each category's ranking and its teams'
schools. A category counts as soon as it has ranked teams, so the table fills as
categories finish.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from judging.awards import Place, PointsScheme, Ranked, medal_table, parse_points, podium
from scoreboard.models import Category, Event, Team
from scoreboard.services.category_config import category_config
from scoreboard.services.ranking import category_ranking


def points_scheme(session: Session) -> PointsScheme:
    """The event's `[awards]` points (defaults: 5, 3, 1 for juara 1-3, none for harapan)."""
    event = session.scalar(select(Event).order_by(Event.id))
    return parse_points((event.options or {}).get("awards") if event else None)


def category_places(session: Session, category: Category) -> list[Place]:
    """The juara (and harapan, if the category awards them) of one category."""
    schools = dict(session.execute(select(Team.code, Team.institution)
                                   .where(Team.category_id == category.id)).all())
    entries = category_ranking(session, category.slug)["entries"]
    ranked = [Ranked(e["team"], schools.get(e["team"], ""), e.get("rank")) for e in entries]
    return podium(category.slug, ranked, category_config(category).harapan)


def all_places(session: Session) -> list[Place]:
    """Every category's places, in the categories' order."""
    places: list[Place] = []
    for category in session.scalars(select(Category).order_by(Category.id)):
        places += category_places(session, category)
    return places


def medals(session: Session) -> list[dict[str, Any]]:
    """`GET /api/v1/medals`: `[{"rank", "institution", "gold", "silver", "bronze", "points"}]`."""
    return [row.as_dict() for row in medal_table(all_places(session), points_scheme(session))]
