"""The announcer's awards script (naskah MC): every category's winners in ceremony order.

Within a category the places are called from the last one up (harapan, then juara 3, 2
and 1), as an awards ceremony does; each line names the team, its school and its
members, since the pupils walk up to the stage. It is a private document (members'
names): only the committee prints it.
"""

from __future__ import annotations

import io
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from scoreboard.models import Category, Event, Team
from scoreboard.services.awards import category_places
from scoreboard.services.protests import official_state
from scoreboard.services.results import pdf_fonts


def ceremony(session: Session) -> dict[str, Any]:
    """The event's name and, per category with winners, its places from last to first."""
    event = session.scalar(select(Event).order_by(Event.id))
    teams = {t.code: t for t in session.scalars(select(Team))}
    out = []
    for category in session.scalars(select(Category).order_by(Category.id)):
        places = category_places(session, category)
        if not places:
            continue
        lines = [{"label": (_("Harapan %(n)d", n=p.harapan) if p.harapan
                            else _("Juara %(n)d", n=p.place)),
                  "team": teams[p.team].name, "institution": p.institution,
                  "members": list(teams[p.team].members or [])}
                 for p in sorted(places, key=lambda p: (-p.place, p.team))]
        out.append({"category": category.name, "state": official_state(session, category),
                    "lines": lines})
    return {"event": event.name if event else "", "categories": out}


def to_pdf(script: dict[str, Any]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = pdf_fonts()
    title = ParagraphStyle("t", fontName=bold, fontSize=16, leading=20, alignment=1)
    head = ParagraphStyle("h", fontName=bold, fontSize=13, leading=17, spaceBefore=8)
    cell = ParagraphStyle("c", fontName=regular, fontSize=10, leading=12)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm,
                            title=f"{script['event']} — {_('Naskah pembacaan juara')}")
    story = [Paragraph(_esc(script["event"]), title),
             Paragraph(_esc(_("Naskah pembacaan juara")), title), Spacer(1, 4 * mm)]
    for block in script["categories"]:
        state = (_("resmi") if block["state"]["state"] == "official" else _("sementara"))
        story.append(Paragraph(_esc(f"{block['category']} ({state})"), head))
        rows = [[Paragraph(_esc(v), cell) for v in (
            line["label"], line["team"], line["institution"], ", ".join(line["members"]))]
            for line in block["lines"]]
        table = Table(rows, colWidths=[28 * mm, 45 * mm, 50 * mm, 57 * mm])
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(table)
    if not script["categories"]:
        story.append(Paragraph(_esc(_("Belum ada juara.")), cell))
    doc.build(story)
    return out.getvalue()


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
