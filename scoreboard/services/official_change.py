"""Changing a result after it became official.

Once a category's result is official (services/protests.official_state) its certificates
and result sheet may already be printed. A correction then (a run disqualified or timed by
hand, a penalty, a match score) needs the head judge (or an admin) and a reason; it is
stored through the usual correction use case and then recorded here as a new finalisation
naming what changed: the result stays official, from the moment of the change, the names
on record are taken anew, and the verification page tells whoever checks an earlier
certificate that documents printed before that moment are superseded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoreboard.errors import Forbidden, Invalid
from scoreboard.models import Category, Finalisation
from scoreboard.services import result_final
from scoreboard.services.audit import audit
from scoreboard.services.protests import official_state
from scoreboard.services.publish import publish

MAY_CHANGE = ("head_judge", "admin")
REASON_MAX = 500


def check(session: Session, category: Category, role: str, reason: Any) -> str | None:
    """Before a result of `category` changes: None while it is not official (the usual
    rules apply); else the reason, once the caller may change an official result."""
    state = official_state(session, category)
    if state["state"] != "official":
        return None
    if role not in MAY_CHANGE:
        raise Forbidden(f"category {category.slug!r}: the result is official since "
                        f"{state['official_at']}; only the head judge may change it, with a "
                        "reason (hasil sudah resmi: hanya ketua juri yang dapat mengubahnya)")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > REASON_MAX:
        raise Invalid(f"reason: changing an official result needs a reason of 1 to "
                      f"{REASON_MAX} characters (alasan wajib untuk mengubah hasil resmi)")
    return reason.strip()


def record(session: Session, category: Category, actor: str, reason: str,
           what: dict[str, Any]) -> None:
    """After the change was stored: the new finalisation, the names anew, the screens told."""
    session.add(Finalisation(category=category, reason=reason, created_by=actor, change=what))
    audit(session, actor, "change_official", "category", category.slug, new=what,
          reason=reason)
    result_final.make_final(session, category, actor)
    session.commit()
    publish("official", official_state(session, category))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def changes(session: Session, category_id: int) -> list[dict[str, Any]]:
    """Every change made to the category's official result, oldest first."""
    rows = session.scalars(select(Finalisation).where(
        Finalisation.category_id == category_id, Finalisation.change.is_not(None))
        .order_by(Finalisation.id))
    return [{"at": _aware(r.created_at), "by": r.created_by.split(":", 1)[-1],
             "reason": r.reason, "change": r.change} for r in rows]
