"""Registrations and teams out (CSV of docs/contract.md §3, XLSX) and teams in (the §3 import)."""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from scoreboard.errors import LoadError
from scoreboard.models import Category, Registration, Team
from scoreboard.services.cells import neutralise_row, text_cells
from scoreboard.services.teams_csv import HEADER, import_teams

if TYPE_CHECKING:  # imported where a workbook is made, as in results.py: openpyxl (and the
    # numpy it imports) would add ~0.15 s to every process's start
    from openpyxl import Workbook

REGISTRATION_COLUMNS = (
    "registration", "status", "reason", "team_code", "team_name", "institution", "npsn",
    "level", "category", "robot_name", "coach_name", "coach_phone", "members", "consent",
    "payment_proof", "payment_verified", "checked_in_at", "created_at", "updated_at",
)


def search(session: Session, status: str = "", category: str = "", text: str = "",
           payment: str = "") -> list[Registration]:
    """Registrations filtered by status, category slug, payment state and a search text
    (team, institution, NPSN, coach, phone, codes), newest first."""
    query = select(Registration).join(Category).order_by(Registration.id.desc())
    if status:
        query = query.where(Registration.status == status)
    if category:
        query = query.where(Category.slug == category)
    if payment == "verified":
        query = query.where(Registration.payment_verified.is_(True))
    elif payment == "proof":
        query = query.where(Registration.proof_file.is_not(None),
                            Registration.payment_verified.is_(False))
    elif payment == "none":
        query = query.where(Registration.proof_file.is_(None))
    if text.strip():
        like = f"%{text.strip()[:100]}%"
        query = query.where(or_(*(column.ilike(like) for column in (
            Registration.team_name, Registration.institution, Registration.npsn,
            Registration.coach_name, Registration.coach_phone, Registration.code,
            Registration.team_code, Registration.robot_name))))
    return list(session.scalars(query))


def _team_rows(session: Session) -> list[list[str]]:
    teams = session.execute(select(Team, Category.slug).join(Category).order_by(Team.code)).all()
    return [[t.code, t.name, t.institution, slug, t.level, ";".join(t.members), t.contact]
            for t, slug in teams]


def teams_csv(session: Session) -> str:
    """Every team in the teams CSV format (docs/contract.md §3): `kejurda teams import` takes it back."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(neutralise_row(row) for row in _team_rows(session))
    return out.getvalue()


def _naive_utc(moment: datetime | None) -> datetime | None:
    """Excel has no time zones: times go in as UTC without one."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _registration_row(reg: Registration) -> list:
    team = reg.team
    return [reg.code, reg.status, reg.reason or "", reg.team_code or "", reg.team_name,
            reg.institution, reg.npsn, reg.level, reg.category.slug, reg.robot_name,
            reg.coach_name, reg.coach_phone, ";".join(reg.members), reg.consent,
            reg.proof_file or "", reg.payment_verified,
            _naive_utc(team.checked_in_at if team is not None else None),
            _naive_utc(reg.created_at), _naive_utc(reg.updated_at)]


def _sheet(book: Workbook, title: str, header, rows) -> None:
    sheet = book.create_sheet(title)
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    text_cells(sheet)  # data typed by schools, never a formula (services/cells.py)
    sheet.freeze_panes = "A2"


def registrations_xlsx(session: Session, registrations: list[Registration]) -> bytes:
    """A workbook: sheet `Pendaftaran` (the given registrations, every column) and sheet
    `Tim` (every team, in the docs/contract.md §3 columns)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    _sheet(book, "Pendaftaran", REGISTRATION_COLUMNS, map(_registration_row, registrations))
    _sheet(book, "Tim", HEADER, _team_rows(session))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def import_csv(session: Session, data: bytes, filename: str) -> tuple[int, int]:
    """The docs/contract.md §3 import of an uploaded file: all rows or none; (created, updated).
    Errors name the uploaded file's name, its line, the value and the reason."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "teams.csv"
        path.write_bytes(data)
        try:
            result = import_teams(session, path)
        except LoadError as exc:
            session.rollback()
            raise LoadError(exc.message.replace(str(path), Path(filename).name or "teams.csv")) from None
    session.commit()
    return result
