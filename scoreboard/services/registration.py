"""Online registration: submit, edit by private link, review, payment proof, check-in.

The rules are in judging.registration; this module loads, asks them, stores, and
publishes. A refusal that belongs to one field of the form is a `FieldRefused`, so the
page can show it at that field; `key` names the rule for the message catalogue.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from judging import registration as rules
from judging.registration import Refusal, Status
from scoreboard.config import private_dir, write_private
from scoreboard.errors import Conflict, Invalid, KejurdaError, NotFound
from scoreboard.models import CallUpEntry, Category, MatchDraw, Registration, Run, Team
from scoreboard.services.audit import audit
from scoreboard.services.category_config import category_config
from scoreboard.services.matches import list_matches
from scoreboard.services.publish import publish, read_then_publish
from scoreboard.services.ranking import category_ranking

log = logging.getLogger(__name__)
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud at a desk
PROOF_HEAD = 16


class FieldRefused(Invalid):
    """A registration refused because of one field's value."""

    def __init__(self, field: str, key: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.key = field, key


@dataclass(frozen=True)
class CategoryInfo:
    """What the form shows about a category."""

    slug: str
    name: str
    levels: tuple[str, ...]
    size_min: int
    size_max: int | None
    capacity: int | None
    taken: int
    closes: datetime | None

    @property
    def remaining(self) -> int | None:
        return rules.remaining(self.capacity, self.taken)

    def is_open(self, now: datetime) -> bool:
        return rules.is_open(now, self.closes)


def now_utc() -> datetime:
    return datetime.now(UTC)


def _info(category: Category, taken: int) -> CategoryInfo:
    config = category_config(category)
    return CategoryInfo(
        slug=category.slug, name=category.name, levels=config.levels,
        size_min=config.team_size_min, size_max=config.team_size_max,
        capacity=config.capacity, taken=taken, closes=config.registration_closes)


def categories(session: Session) -> list[CategoryInfo]:
    """Every category with its levels, team size, capacity and places taken."""
    taken = dict(session.execute(select(Team.category_id, func.count(Team.id))
                                 .group_by(Team.category_id)).all())
    rows = session.scalars(select(Category).order_by(Category.id)).all()
    return [_info(c, taken.get(c.id, 0)) for c in rows]


def _taken(session: Session, category: Category) -> int:
    return session.scalar(select(func.count(Team.id)).where(Team.category_id == category.id)) or 0


def _category(session: Session, slug: str) -> Category:
    category = session.scalar(select(Category).where(Category.slug == slug))
    if category is None:
        raise FieldRefused("category", "unknown_category", f"{slug!r} is not a category")
    return category


def check_entry(session: Session, data: dict[str, Any], category: Category,
                 own: Registration | None) -> str:
    """Level, team size and duplicates; returns the duplicate key."""
    info = _info(category, 0)
    if not rules.level_admits(info.levels, data["level"]):
        raise FieldRefused("category", "level_closed",
                           f"{category.slug} is not open for level {data['level']}")
    try:
        rules.check_members(data["members"], info.size_min, info.size_max)
    except Refusal as exc:
        raise FieldRefused("members", exc.key, str(exc)) from None
    key = rules.duplicate_key(data["team_name"], data["institution"], category.slug)
    query = select(Registration.id).where(Registration.dup_key == key,
                                          Registration.status != Status.REJECTED.value)
    if own is not None:
        query = query.where(Registration.id != own.id)
    clash = session.scalar(query.limit(1)) is not None
    if not clash:
        teams = session.scalars(select(Team).where(Team.category_id == category.id)).all()
        clash = any(rules.duplicate_key(t.name, t.institution, category.slug) == key
                    and (own is None or t.id != own.team_id) for t in teams)
    if clash:
        raise FieldRefused("team_name", "duplicate",
                           "this team of this institution is already registered in this category")
    return key


def _new_code(session: Session) -> str:
    while True:
        code = "KJ-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        if session.scalar(select(Registration.id).where(Registration.code == code)) is None:
            return code


FIELDS = ("team_name", "institution", "npsn", "level", "robot_name", "coach_name",
          "coach_phone", "members")
# what results and certificates name: after approval these change only through a request
# an admin approves (services/registration_changes.py)
IDENTITY = ("team_name", "institution", "npsn", "members")


def submit(session: Session, data: dict[str, Any], source_ip: str,
           now: datetime | None = None) -> Registration:
    """Store a new registration (pending, or waitlisted if the category is full).

    `data` holds the form's cleaned values: FIELDS, `category` (a slug), `consent`."""
    now = now or now_utc()
    category = _category(session, data["category"])
    info = _info(category, _taken(session, category))
    try:
        status = rules.intake(now, info.closes, info.capacity, info.taken)
    except Refusal as exc:
        raise FieldRefused("category", exc.key, str(exc)) from None
    key = check_entry(session, data, category, None)
    reg = Registration(code=_new_code(session), edit_key=secrets.token_hex(16),
                       status=status.value, category=category, dup_key=key,
                       consent=bool(data["consent"]), source_ip=source_ip[:64],
                       created_at=now, updated_at=now,
                       **{f: data[f] for f in FIELDS})
    session.add(reg)
    session.flush()
    audit(session, "public", "register", "registration", reg.code,
          new={"status": reg.status, "category": category.slug})
    session.commit()
    log.info("registration %s: %s (%s) in %s, %s", reg.code, reg.team_name, reg.institution,
             category.slug, reg.status)
    return reg


def update(session: Session, reg: Registration, data: dict[str, Any],
           now: datetime | None = None) -> Registration:
    """The team changes its details through its private link, until the deadline.
    Once approved, the category and level are fixed (the team code belongs to them)."""
    now = now or now_utc()
    if not rules.is_open(now, _info(reg.category, 0).closes):
        raise FieldRefused("category", "closed", "registration has closed; changes are locked")
    if reg.status == Status.APPROVED.value:
        data = {**data, "category": reg.category.slug, "level": reg.level,
                **{f: getattr(reg, f) for f in IDENTITY}}
    category = _category(session, data["category"])
    if category.id != reg.category_id:
        info = _info(category, _taken(session, category))
        try:
            rules.intake(now, info.closes, info.capacity, info.taken)
        except Refusal as exc:
            raise FieldRefused("category", exc.key, str(exc)) from None
    reg.dup_key = check_entry(session, data, category, reg)
    old = {f: getattr(reg, f) for f in FIELDS} | {"category": reg.category.slug}
    for field in FIELDS:
        setattr(reg, field, data[field])
    reg.category, reg.updated_at = category, now
    if reg.team is not None:
        sync_team(reg.team, reg)
    audit(session, "team", "edit", "registration", reg.code, old=old,
          new={f: getattr(reg, f) for f in FIELDS} | {"category": category.slug})
    session.commit()
    return reg


# ---------------------------------------------------------------- private link


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="kejurda-registration-edit")


def edit_token(secret: str, reg: Registration) -> str:
    """The signed token of a registration's private edit link."""
    return _serializer(secret).dumps([reg.id, reg.edit_key])


def by_token(session: Session, secret: str, token: str) -> Registration:
    """The registration a private link points to, or NotFound (a bad or revoked link)."""
    try:
        reg_id, key = _serializer(secret).loads(token)
    except (BadSignature, ValueError, TypeError):
        raise NotFound("link: invalid or revoked") from None
    reg = session.get(Registration, reg_id) if isinstance(reg_id, int) else None
    if reg is None or not secrets.compare_digest(str(key), reg.edit_key):
        raise NotFound("link: invalid or revoked")
    return reg


# ---------------------------------------------------------------- review


def get(session: Session, reg_id: int) -> Registration:
    reg = session.get(Registration, reg_id) if 0 < reg_id < 2**63 else None
    if reg is None:
        raise NotFound(f"registration {reg_id} not found")
    return reg


def sync_team(team: Team, reg: Registration) -> None:
    team.name, team.institution = reg.team_name, reg.institution
    team.level, team.members, team.contact = reg.level, list(reg.members), reg.coach_phone


def _approve(session: Session, reg: Registration) -> Team:
    code = reg.team_code
    if code is None or session.scalar(select(Team.id).where(Team.code == code)) is not None:
        # codes once given to other registrations stay theirs, even while withdrawn
        codes = [*session.scalars(select(Team.code)),
                 *session.scalars(select(Registration.team_code)
                                  .where(Registration.team_code.is_not(None)))]
        code = rules.next_team_code(reg.category.slug, codes)
    team = Team(code=code, category_id=reg.category_id)
    sync_team(team, reg)
    session.add(team)
    session.flush()
    reg.team, reg.team_code = team, code
    return team


def _withdraw(session: Session, reg: Registration) -> None:
    team = reg.team
    if team is None:
        return
    runs = session.scalar(select(func.count(Run.id)).where(Run.team_id == team.id)) or 0
    if runs:
        raise Conflict(f"registration {reg.code}: team {team.code} already has {runs} run(s); "
                       "it cannot leave the category")
    drawn = session.scalar(select(MatchDraw).where(MatchDraw.category_id == team.category_id))
    if drawn is not None and team.code in (drawn.seeded or []):
        raise Conflict(f"registration {reg.code}: team {team.code} is in the draw of "
                       f"{reg.category.slug}; it cannot leave the category")
    for entry in session.scalars(select(CallUpEntry).where(CallUpEntry.team_id == team.id)):
        session.delete(entry)
    reg.team = None
    session.flush()
    session.delete(team)
    try:
        session.flush()
    except IntegrityError:  # other results (e.g. judges' sheets) still name the team
        session.rollback()
        raise Conflict(f"registration {reg.code}: team {team.code} already has results; "
                       "it cannot leave the category") from None


def review(session: Session, reg_id: int, target: str, reason: str, actor: str,
           now: datetime | None = None) -> Registration:
    """Approve, waitlist, reject (or reopen) a registration; capacity is enforced."""
    reg = get(session, reg_id)
    try:
        wanted = Status(target)
    except ValueError:
        raise Invalid(f"status: {target!r} is not one of "
                      f"{', '.join(s.value for s in Status)}") from None
    if len(reason) > 300:
        raise FieldRefused("reason", "reason_long", "at most 300 characters")
    info = _info(reg.category, _taken(session, reg.category))
    try:
        rules.review(Status(reg.status), wanted, reason, info.capacity, info.taken)
    except Refusal as exc:
        raise (Conflict(str(exc)) if exc.key in ("full", "same_status", "transition")
               else FieldRefused("reason", exc.key, str(exc))) from None
    old = {"status": reg.status, "team": reg.team_code}
    if wanted is Status.APPROVED:
        _approve(session, reg)
    elif reg.status == Status.APPROVED.value:
        _withdraw(session, reg)
    reg.status, reg.reason = wanted.value, reason.strip() or None
    reg.reviewed_by, reg.reviewed_at = actor, now or now_utc()
    audit(session, actor, f"review:{wanted.value}", "registration", reg.code, old=old,
          new={"status": reg.status, "team": reg.team_code}, reason=reason.strip() or None)
    session.commit()
    log.info("registration %s %s by %s (team %s)", reg.code, reg.status, actor, reg.team_code)
    if wanted is Status.APPROVED or old["status"] == Status.APPROVED.value:
        _announce_ranking(session, reg.category.slug)
    return reg


def _announce_ranking(session: Session, slug: str) -> None:
    """The category's ranking lists every team, so a team that comes or goes changes it."""
    with read_then_publish(session):
        try:
            ranking = category_ranking(session, slug)
        except Exception:  # a format's ranker failing must not undo a stored decision
            log.exception("ranking of %s after a registration review", slug)
            return
        publish("ranking", ranking)


def set_payment_verified(session: Session, reg_id: int, verified: bool, actor: str) -> Registration:
    reg = get(session, reg_id)
    old = reg.payment_verified
    reg.payment_verified = verified
    audit(session, actor, "payment", "registration", reg.code,
          old={"payment_verified": old}, new={"payment_verified": verified})
    session.commit()
    return reg


# ---------------------------------------------------------------- payment proof


def save_proof(session: Session, reg: Registration, stream: IO[bytes], folder: Path,
               max_bytes: int) -> Registration:
    """Keep a payment proof (checked by content, at most `max_bytes`) outside the static
    folder; a new proof replaces the old one."""
    data = stream.read(max_bytes + 1)
    if not data:
        raise FieldRefused("proof", "upload_empty", "no file was sent")
    if len(data) > max_bytes:
        raise FieldRefused("proof", "upload_large", f"larger than {max_bytes} bytes")
    try:
        ext, mime = rules.sniff_upload(data[:PROOF_HEAD])
    except Refusal as exc:
        raise FieldRefused("proof", exc.key, str(exc)) from None
    private_dir(folder)  # payment proofs: for the committee only (0700 / 0600)
    name = f"{reg.code}-{secrets.token_hex(8)}.{ext}"
    write_private(folder / name, data)
    previous = reg.proof_file
    reg.proof_file, reg.proof_type, reg.payment_verified = name, mime, False
    audit(session, "team", "proof", "registration", reg.code,
          new={"proof_file": name, "bytes": len(data)})
    session.commit()
    if previous and previous != name:
        (folder / previous).unlink(missing_ok=True)
    return reg


def proof_path(reg: Registration, folder: Path) -> Path:
    if not reg.proof_file:
        raise NotFound(f"registration {reg.code}: no payment proof")
    path = folder / reg.proof_file
    if not path.is_file():
        raise NotFound(f"registration {reg.code}: the proof file is missing")
    return path


def team_runs(session: Session, team: Team) -> list[Run]:
    """The team's runs so far, in order (its schedule and results on its own page)."""
    return list(session.scalars(select(Run).where(Run.team_id == team.id).order_by(Run.id)))


def team_matches(session: Session, team: Team) -> list[dict[str, Any]]:
    """The team's matches in its category's published draw, in bracket order (the match
    objects of the matches API), so its own page shows whom it meets and the results."""
    if team.category.format != "match":
        return []
    try:
        rows = list_matches(session, team.category.slug, None)
    except KejurdaError:
        return []
    return [m for m in rows if team.code in (m.get("home"), m.get("away"))]


# ---------------------------------------------------------------- check-in


def find_team(session: Session, code: str) -> Team:
    """A team by its team code or by its registration's code (what the QR holds)."""
    code = (code or "").strip().upper()
    if not code or len(code) > 32:
        raise Invalid("code: a team or registration code")
    team = session.scalar(select(Team).where(func.upper(Team.code) == code))
    if team is None:
        reg = session.scalar(select(Registration).where(Registration.code == code))
        if reg is not None and reg.team is None:
            raise Conflict(f"registration {reg.code} is {reg.status}, not approved")
        team = reg.team if reg is not None else None
    if team is None:
        raise NotFound(f"code {code!r}: no such team or registration")
    return team


def check_in(session: Session, code: str, actor: str,
             now: datetime | None = None) -> tuple[Team, bool]:
    """Mark a team present at the venue; returns (team, newly checked in)."""
    team = find_team(session, code)
    if team.checked_in_at is not None:
        return team, False
    team.checked_in_at = now or now_utc()
    audit(session, actor, "check_in", "team", team.code)
    session.commit()
    log.info("team %s checked in by %s", team.code, actor)
    return team, True
