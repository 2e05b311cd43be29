"""The audit trail: who changed what, when and why, one immutable row per change.

Every service writes it through `audit(...)`, and only with an action of `ACTIONS`, so
the trail speaks one vocabulary that a reader (or a report) can rely on. A new kind of
change adds its action here first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from scoreboard.models import AuditRecord

# entity -> the actions recorded on it
ACTIONS: dict[str, frozenset[str]] = {
    # a timed run: the timekeeper's and referee's acts, and the server's own
    "run": frozenset({"arm", "abort", "dsq", "resolve", "expire", "revive", "penalty"}),
    "registration": frozenset({"register", "edit", "payment", "proof", "review:pending",
                               "review:approved", "review:waitlisted", "review:rejected",
                               # name, school or members after approval: a request, decided
                               "change_request", "change_request:approved",
                               "change_request:rejected"}),
    # a team at the venue: checked in, called to an arena
    "team": frozenset({"check_in", "inspect", "callup:join", "callup:no_show", "callup:leave"}),
    "protest": frozenset({"protest", "protest:accepted", "protest:rejected"}),
    # a category's results declared final (after its protests are decided)
    "category": frozenset({"finalise", "result_final",
                           # a correction of a result already official (official_change.py)
                           "change_official"}),
    "draw": frozenset({"draw", "reseed", "publish"}),
    "score_sheet": frozenset({"score", "correct"}),
    # a judged category's state, named by the state it enters
    "category_judging": frozenset({"open", "locked", "published"}),
    "display_screen": frozenset({"playlist"}),
    # a sponsor or announcement image for the projector (services/slides.py)
    "slide": frozenset({"upload", "delete"}),
    "user": frozenset({"create", "reset_password", "activate", "deactivate", "assign"}),
    # a device or API token withdrawn (`kejurda token revoke`)
    "token": frozenset({"revoke"}),
    # the schedule: a version generated (or extended when new matches became known)
    "schedule": frozenset({"schedule:generate"}),
    # the whole event: personal data deleted after it (services/privacy.py)
    "event": frozenset({"privacy_purge"}),
}


def audit(session: Session, actor: str, action: str, entity: str, entity_id: object, *,
          old: dict[str, Any] | None = None, new: dict[str, Any] | None = None,
          reason: str | None = None) -> AuditRecord:
    """Add one audit record to `session` (committed with the change it describes).

    Raises ValueError for an action outside the vocabulary: a programming mistake, never a
    user's.
    """
    if action not in ACTIONS.get(entity, ()):
        raise ValueError(f"audit: {action!r} on {entity!r} is not in the vocabulary")
    record = AuditRecord(actor=actor, action=action, entity=entity,
                         entity_id=str(entity_id)[:64], old=old, new=new, reason=reason)
    session.add(record)
    return record
