"""Whether a category's result is final, and publishing it.

A judged category is final once its head judge publishes it (its judging state); a timed
or match category once the head judge or an admin publishes its result here. Until then
rankings are shown as they stand, and certificates say "Peserta" instead of a rank: a rank
printed on paper cannot be corrected after a protest.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from judging.score_entry import JudgingState
from scoreboard.errors import Conflict, Invalid, NotFound
from scoreboard.models import AuditRecord, Category, ResultPublication
from scoreboard.services.publish import publish
from scoreboard.services.scores import state_of

log = logging.getLogger(__name__)
REASON_MAX = 300


def is_final(session: Session, category: Category) -> bool:
    """True once the category's result is published (see the module's note)."""
    if category.format == "judged":
        return state_of(session, category)[0] is JudgingState.PUBLISHED
    return session.scalar(select(ResultPublication.id).where(
        ResultPublication.category_id == category.id)) is not None


def final_categories(session: Session) -> set[str]:
    """Slugs of every category whose result is final."""
    return {c.slug for c in session.scalars(select(Category)).all() if is_final(session, c)}


def _category(session: Session, slug: Any) -> Category:
    category = session.scalar(select(Category).where(Category.slug == slug)) \
        if isinstance(slug, str) else None
    if category is None:
        raise NotFound(f"category: {slug!r} not found")
    if category.format == "judged":
        raise Conflict(f"category: {slug!r} is judged: its head judge publishes it "
                       "(lock, then publish)")
    return category


def set_final(session: Session, slug: Any, final: bool, actor: str,
              reason: Any = None) -> dict[str, Any]:
    """Publish (`final`) or withdraw a timed or match category's result; audited."""
    category = _category(session, slug)
    if reason is not None and (not isinstance(reason, str) or len(reason) > REASON_MAX):
        raise Invalid(f"reason: a text of at most {REASON_MAX} characters")
    row = session.scalar(select(ResultPublication).where(
        ResultPublication.category_id == category.id))
    if final and row is None:
        session.add(ResultPublication(category_id=category.id, published_by=actor))
    elif not final and row is not None:
        session.delete(row)
    else:
        return {"category": category.slug, "final": final}
    session.add(AuditRecord(actor=actor, action="publish_result" if final else "withdraw_result",
                            entity="category", entity_id=category.slug,
                            old={"final": not final}, new={"final": final}, reason=reason))
    session.commit()
    log.info("category %s result %s by %s", category.slug,
             "published" if final else "withdrawn", actor)
    out = {"category": category.slug, "final": final}
    publish("result_final", out)
    return out
