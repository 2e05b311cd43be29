"""Pupils' personal data: what the public sees, and deleting contacts after the event.

Most participants are children (UU PDP No. 27/2022): public pages and the open data show
team names and schools only; members' names appear on public pages only when the event
file says `public_members = true`. After the event, `purge` deletes what is only needed
to run it: phone numbers, coaches' names, source addresses, uploaded payment proofs and
the photos of inspections and protests.
Members' names stay, because certificates and their verification page name them.
See docs/privacy.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scoreboard.errors import Conflict, Invalid
from scoreboard.models import (
    AuditRecord,
    Event,
    Inspection,
    MatchRecord,
    Protest,
    Registration,
    Run,
    ScoreSheetVersion,
    Team,
)
from scoreboard.models.base import utcnow
from scoreboard.services.audit import audit

log = logging.getLogger(__name__)


def members_public(session: Session) -> bool:
    """Whether public pages may show members' names (the event's `public_members`)."""
    event = session.scalar(select(Event).order_by(Event.id))
    return bool(event and (event.options or {}).get("public_members"))


def last_activity(session: Session) -> datetime | None:
    """The latest moment anything of the championship was stored."""
    moments = [session.scalar(select(func.max(col))) for col in (
        Run.armed_at, MatchRecord.at, ScoreSheetVersion.created_at, Registration.updated_at,
        AuditRecord.at)]
    found = [m if m.tzinfo else m.replace(tzinfo=utcnow().tzinfo) for m in moments if m]
    return max(found) if found else None


@dataclass(frozen=True)
class Purged:
    contacts: int
    uploads: int


def _purge_photos(session: Session, upload_dir: Path) -> int:
    """Inspection and protest photos (they may show pupils): files deleted, records kept."""
    deleted = 0
    for model in (Inspection, Protest):
        for row in session.scalars(select(model).where(model.photo_file.is_not(None))):
            path = upload_dir / row.photo_file
            if path.is_file():
                path.unlink()
                deleted += 1
            row.photo_file = None
    return deleted


def purge(session: Session, upload_dir: Path, after_days: int, actor: str,
          now: datetime | None = None) -> Purged:
    """Delete contacts and uploads once the event is `after_days` days past its last record."""
    if isinstance(after_days, bool) or not isinstance(after_days, int) or after_days < 0:
        raise Invalid("after: a whole number of days >= 0")
    now = now or utcnow()
    last = last_activity(session)
    if last is not None and now - last < timedelta(days=after_days):
        age = (now - last).days
        raise Conflict(f"after: the event's last record is {age} day(s) old, not yet "
                       f"{after_days}; nothing was deleted (belum waktunya, tidak ada yang "
                       "dihapus)")
    contacts = uploads = 0
    for team in session.scalars(select(Team).where(Team.contact != "")):
        team.contact = ""
        contacts += 1
    for reg in session.scalars(select(Registration)):
        if reg.coach_phone or reg.coach_name or reg.source_ip:
            reg.coach_phone, reg.coach_name, reg.source_ip = "", "", ""
            contacts += 1
        if reg.proof_file:
            path = upload_dir / reg.proof_file
            if path.is_file():
                path.unlink()
                uploads += 1
            reg.proof_file, reg.proof_type = None, None
    uploads += _purge_photos(session, upload_dir)
    audit(session, actor, "privacy_purge", "event", "*",
          new={"contacts": contacts, "uploads": uploads})
    session.commit()
    log.info("privacy purge by %s: %d contacts, %d uploads deleted", actor, contacts, uploads)
    return Purged(contacts, uploads)
