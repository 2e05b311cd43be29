"""Whether a category's result is final: official, and for a judged category published.

A result is official by the fair-play rule (`services.protests.official_state`: its
protest window has closed with no protest open, or the head judge finalised it); a judged
category must also be published by its head judge (locked scores may still reopen). Until
then rankings are shown as they stand, and certificates say "Peserta" instead of a rank: a
rank printed on paper cannot be corrected after a protest.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from judging.score_entry import JudgingState
from scoreboard.models import Category
from scoreboard.services.protests import official_state
from scoreboard.services.scores import state_of


def is_final(session: Session, category: Category) -> bool:
    """True once the category's result is final (see the module's note)."""
    if category.format == "judged" and \
            state_of(session, category)[0] is not JudgingState.PUBLISHED:
        return False
    return official_state(session, category)["state"] == "official"


def final_categories(session: Session) -> set[str]:
    """Slugs of every category whose result is final."""
    return {c.slug for c in session.scalars(select(Category)).all() if is_final(session, c)}
