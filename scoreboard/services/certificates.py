"""Certificates for every participant, each with a serial the server can verify.

A serial is `<team id>-<member number>-<signature>`: the signature is an HMAC of the team,
the member and the member's name under the app's SECRET_KEY, so nothing needs storing and
a made-up or altered serial (or a name changed since printing) is rejected. The names are
those on record when the category's result was made final (services/result_final.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from scoreboard.errors import NotFound
from scoreboard.models import Category, Event, Team
from scoreboard.services.publication import is_final
from scoreboard.services.ranking import category_ranking
from scoreboard.services.result_final import final_of, make_final, names_on_record
from scoreboard.services.results import pdf_fonts

# The one spelling of a serial: no leading zeros, upper-case base32, nothing around it
# (fullmatch: `$` alone would also take a trailing newline). "007-1-…" or a lower-case
# signature would name the same certificate in a second spelling.
SERIAL = re.compile(r"([1-9]\d{0,11})-([1-9]\d{0,2})-([A-Z2-7]{16})")


@dataclass(frozen=True)
class Participant:
    serial: str
    name: str
    team: str
    team_name: str
    institution: str
    category: str
    rank: int | None


def _signature(secret: str, team_id: int, member: int, name: str) -> str:
    msg = f"kejurda-certificate|{team_id}|{member}|{name}".encode()
    digest = hmac.new(secret.encode(), msg, hashlib.sha256).digest()[:10]
    return base64.b32encode(digest).decode()


def serial_for(secret: str, team_id: int, member: int, name: str) -> str:
    return f"{team_id}-{member}-{_signature(secret, team_id, member, name)}"




def participants(session: Session, secret: str, category_slug: str | None = None,
                 team_code: str | None = None) -> list[Participant]:
    """Every participant (each member of each team), category by category, best rank
    first; only one team's members with `team_code`."""
    query = select(Category).order_by(Category.id)
    if category_slug is not None:
        query = query.where(Category.slug == category_slug)
    categories = session.scalars(query).all()
    if category_slug is not None and not categories:
        raise NotFound(f"category: {category_slug!r} not found")
    out = []
    for category in categories:
        teams = {t.code: t for t in session.scalars(
            select(Team).where(Team.category_id == category.id)).all()}
        final = is_final(session, category)  # a rank is printed only once it is final
        names_kept = final_of(session, category.id)
        if final and names_kept is None:
            # official because its protest window ran out, never finalised by hand: the names
            # are fixed now, at the first certificate, and every later one carries the same
            names_kept = make_final(session, category, "system:official")
            session.commit()
        for entry in category_ranking(session, category.slug)["entries"]:
            team = teams.get(entry["team"])
            if team is None or team_code not in (None, team.code):
                continue
            record = names_on_record(session, team, names_kept)
            for member, name in enumerate(record.members, start=1):
                out.append(Participant(serial_for(secret, team.id, member, name), name,
                                       team.code, record.team_name, record.institution,
                                       category.name, entry["rank"] if final else None))
    return out


def team_has_competed(session: Session, team: Team) -> bool:
    """A team's certificate is available once it has an attempt, a match or a score: its
    entry in the category's ranking is no longer "not_started"."""
    entries = category_ranking(session, team.category.slug)["entries"]
    return any(e["team"] == team.code and e["status"] != "not_started" for e in entries)


def verify(session: Session, secret: str, serial: str) -> Participant | None:
    """The participant a genuine serial belongs to, or None for a forged or stale one."""
    found = SERIAL.fullmatch(serial or "")
    if not found:
        return None
    team_id, member, signature = int(found[1]), int(found[2]), found[3]
    team = session.get(Team, team_id)
    if team is None:
        return None
    record = names_on_record(session, team)
    people = record.members
    if not 1 <= member <= len(people):
        return None
    expected = _signature(secret, team_id, member, people[member - 1])
    if not hmac.compare_digest(expected, signature):
        return None
    rank = next((e["rank"] for e in category_ranking(session, team.category.slug)["entries"]
                 if e["team"] == team.code), None) if is_final(session, team.category) else None
    return Participant(f"{team_id}-{member}-{signature}", people[member - 1], team.code,
                       record.team_name, record.institution, team.category.name, rank)


def event_name(session: Session) -> str:
    event = session.scalar(select(Event).order_by(Event.id))
    return event.name if event else "kejurda"


def _qr(canvas: Any, text: str, x: float, y: float, size: float, mask: int | None = None
        ) -> int:
    """Draw a QR code as one filled path: one rectangle per run of dark modules in a row.

    The path is written as literal PDF operators on an integer module grid (one `cm`
    transform), which is several times faster than reportlab's float formatting per
    rectangle; a given `mask` skips segno's search for the best of eight (any mask is a
    valid code). Returns the mask used, so a caller can reuse it for similar texts.
    """
    import segno

    qr = segno.make(text, error="m", mask=mask, boost_error=False)
    matrix = qr.matrix
    n = len(matrix)
    ops = [f"q 0 g {size / n:.4f} 0 0 {size / n:.4f} {x:.2f} {y:.2f} cm"]
    for row, bits in enumerate(matrix):
        col = 0
        while col < n:
            if bits[col] & 1:
                start = col
                while col < n and bits[col] & 1:
                    col += 1
                ops.append(f"{start} {n - row - 1} {col - start} 1 re")
            else:
                col += 1
    ops.append("f Q")
    canvas.addLiteral("\n".join(ops))
    return qr.mask


def render(people: Iterable[Participant], event: str, verify_url: Callable[[str], str]) -> bytes:
    """One A4 landscape page per participant; `verify_url(serial)` is what the QR opens."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    regular, bold = pdf_fonts()
    out = io.BytesIO()
    width, height = landscape(A4)
    pdf = Canvas(out, pagesize=(width, height), pageCompression=1)
    pdf.setTitle(_("Sertifikat") + " — " + event)
    texts = {"title": _("SERTIFIKAT"), "given": _("diberikan kepada"),
             "participant": _("Peserta"), "rank": _("Peringkat"), "serial": _("No. seri"),
             "scan": _("Pindai untuk verifikasi"), "team": _("Tim"), "category": _("Kategori")}
    mask = None
    for p in people:
        pdf.setLineWidth(3)
        pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
        pdf.setFont(bold, 18)
        pdf.drawCentredString(width / 2, height - 35 * mm, event)
        pdf.setFont(bold, 40)
        pdf.drawCentredString(width / 2, height - 60 * mm, texts["title"])
        pdf.setFont(regular, 16)
        pdf.drawCentredString(width / 2, height - 75 * mm, texts["given"])
        pdf.setFont(bold, 30)
        pdf.drawCentredString(width / 2, height - 92 * mm, p.name)
        pdf.setFont(regular, 15)
        pdf.drawCentredString(width / 2, height - 105 * mm,
                              f"{texts['team']} {p.team_name} · {p.institution}")
        pdf.drawCentredString(width / 2, height - 115 * mm, f"{texts['category']} {p.category}")
        pdf.setFont(bold, 24)
        standing = f"{texts['rank']} {p.rank}" if p.rank is not None else texts["participant"]
        pdf.drawCentredString(width / 2, height - 132 * mm, standing)
        mask = _qr(pdf, verify_url(p.serial), width - 60 * mm, 20 * mm, 38 * mm, mask)
        pdf.setFont(regular, 9)
        pdf.drawCentredString(width - 41 * mm, 16 * mm, texts["scan"])
        pdf.drawString(20 * mm, 18 * mm, f"{texts['serial']} {p.serial}")
        pdf.showPage()
    pdf.save()
    return out.getvalue()
