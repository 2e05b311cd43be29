"""Printed schedules (reportlab, as the results sheet): a team's schedule, a place's run
sheet, and the MC/announcer sheet (one row per start time, places as columns)."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from scoreboard.errors import NotFound
from scoreboard.models import Category, Event, Team
from scoreboard.services.results import pdf_fonts
from scoreboard.services.schedule import LiveRow, live
from scoreboard.services.schedule_build import load_places


def _kind(kind: str) -> str:
    return {"attempt": _("Percobaan"), "match": _("Pertandingan"),
            "interview": _("Penjurian")}.get(kind, kind)


def _what(row: LiveRow, names: dict[str, str], categories: dict[int, str]) -> str:
    teams = " vs ".join(f"{c} {names.get(c, '')}".strip() for c in row.slot.teams)
    ref = f" {row.slot.ref}" if row.slot.ref else ""
    return f"{teams} · {categories.get(row.slot.category_id, '')} · {_kind(row.slot.kind)}{ref}"


def _document(title: str, subtitle: str, header: list[str], rows: list[list[str]],
              widths: list[float], landscape_page: bool = False) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = pdf_fonts()
    head = ParagraphStyle("t", fontName=bold, fontSize=15, leading=19, alignment=1)
    sub = ParagraphStyle("s", fontName=regular, fontSize=11, leading=15, alignment=1)
    cell = ParagraphStyle("c", fontName=regular, fontSize=8.5, leading=10.5)
    out = io.BytesIO()
    size = landscape(A4) if landscape_page else A4
    doc = SimpleDocTemplate(out, pagesize=size, leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm, title=f"{title} — {subtitle}")
    data = [[Paragraph(_escape(h), cell) for h in header]]
    data += [[Paragraph(_escape(v), cell) for v in r] for r in rows] or [
        [Paragraph(_escape(_("Belum ada jadwal.")), cell)] + [""] * (len(header) - 1)]
    usable = size[0] - 24 * mm
    table = Table(data, colWidths=[usable * w for w in widths], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), bold, 9), ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecf4")),
        ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    doc.build([Paragraph(_escape(title), head), Paragraph(_escape(subtitle), sub),
               Spacer(1, 5 * mm), table])
    return out.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _context(session: Session) -> tuple[str, dict[str, str], dict[int, str], dict[str, Any]]:
    event = session.scalar(select(Event).order_by(Event.id))
    names = dict(session.execute(select(Team.code, Team.name)).all())
    categories = dict(session.execute(select(Category.id, Category.name)).all())
    places = {p.slug: p for p in load_places(session)}
    return (event.name if event else "kejurda"), names, categories, places


def _hm(moment: datetime | None) -> str:
    return moment.strftime("%H:%M") if moment else ""


def team_pdf(session: Session, code: str, now: datetime | None = None) -> bytes:
    """One team's slots: day, time, expected time, place, what."""
    team = session.scalar(select(Team).where(Team.code == code))
    if team is None:
        raise NotFound(f"team: {code[:40]!r} not found")
    title, names, categories, places = _context(session)
    rows = [[r.slot.start.strftime("%Y-%m-%d"), f"{_hm(r.slot.start)}–{_hm(r.slot.end)}",
             _hm(r.eta) if r.status != "done" else _("selesai"),
             places[r.slot.place].name if r.slot.place in places else r.slot.place,
             _what(r, names, categories)]
            for r in live(session, now) if team.code in r.slot.teams]
    return _document(title, f"{_('Jadwal tim')}: {team.code} {team.name}",
                     [_("Hari"), _("Jam"), _("Perkiraan"), _("Tempat"), _("Acara")], rows,
                     [0.14, 0.14, 0.11, 0.18, 0.43])


def place_pdf(session: Session, place: str, now: datetime | None = None) -> bytes:
    """A place's run sheet: every slot in order with a box to tick and a note."""
    title, names, categories, places = _context(session)
    if place not in places:
        raise NotFound(f"place: {place[:40]!r} is not a track or place of the event")
    rows = [[r.slot.start.strftime("%Y-%m-%d"), f"{_hm(r.slot.start)}–{_hm(r.slot.end)}",
             _what(r, names, categories), "[ ]" if r.status != "done" else "[x]", ""]
            for r in live(session, now) if r.slot.place == place]
    return _document(title, f"{_('Lembar jalan')}: {places[place].name}",
                     [_("Hari"), _("Jam"), _("Tim dan acara"), _("Hadir"), _("Catatan")], rows,
                     [0.13, 0.13, 0.48, 0.08, 0.18])


def announcer_pdf(session: Session, day: str | None = None, now: datetime | None = None
                  ) -> bytes:
    """The MC's sheet: one row per start time, one column per place, landscape."""
    title, names, categories, places = _context(session)
    rows_by_time: dict[datetime, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    used: list[str] = []
    for r in live(session, now):
        if day is not None and r.slot.start.date().isoformat() != day:
            continue
        teams = " vs ".join(f"{c} {names.get(c, '')}".strip() for c in r.slot.teams)
        rows_by_time[r.slot.start][r.slot.place].append(teams)
        if r.slot.place not in used:
            used.append(r.slot.place)
    columns = [p for p in places if p in used]
    rows = [[moment.strftime("%m-%d %H:%M")] + ["; ".join(cells.get(p, [])) for p in columns]
            for moment, cells in sorted(rows_by_time.items())]
    width = 0.88 / max(1, len(columns))
    return _document(title, _("Lembar pembawa acara") + (f" · {day}" if day else ""),
                     [_("Jam")] + [places[p].name for p in columns], rows,
                     [0.12] + [width] * len(columns), landscape_page=True)
