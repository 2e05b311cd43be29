"""A team's result as a picture (PNG, 1080×1080) to share on WhatsApp or Instagram.

The card says what a parent would repeat: the event, the category, the place (juara or
rank) and the team's measure (best time, judged score or match points), the team and its
school, and whether the result is still provisional. It never shows members' names: a
shared picture is public. Drawn with Pillow on the server, fonts from the system (DejaVu)
or Pillow's own, so nothing is fetched.
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select
from sqlalchemy.orm import Session

from scoreboard.errors import NotFound
from scoreboard.models import Event, Team
from scoreboard.services.protests import official_state
from scoreboard.services.ranking import category_ranking
from scoreboard.services.results import FONT_DIR, fmt_us

SIZE = 1080
BACKGROUND, INK, ACCENT, MUTED = "#0d1b3e", "#ffffff", "#ffc928", "#b8c4e0"


def _font(size: int, bold: bool = False) -> ImageFont.ImageFont:
    path = FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    if Path(path).exists():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def card_facts(session: Session, code: str) -> dict[str, Any]:
    """What the card says, in the page's language."""
    team = session.scalar(select(Team).where(Team.code == code[:64]))
    if team is None:
        raise NotFound(f"team: {code!r} not found")
    event = session.scalar(select(Event).order_by(Event.id))
    entry = next((e for e in category_ranking(session, team.category.slug)["entries"]
                  if e["team"] == team.code), {})
    rank = entry.get("rank")
    if rank is None:
        headline = _("Peserta")
    elif rank <= 3:
        headline = _("Juara %(n)d", n=rank)
    else:
        headline = _("Peringkat %(n)d", n=rank)
    if entry.get("best_us") is not None:
        measure = f"{fmt_us(entry['best_us'])} s"
    elif entry.get("score") is not None:
        measure = _("Nilai %(score)s", score=entry["score"])
    elif entry.get("points") is not None:
        measure = _("%(points)s poin", points=entry["points"])
    else:
        measure = ""
    state = official_state(session, team.category)["state"]
    return {"event": event.name if event else "kejurda", "category": team.category.name,
            "headline": headline, "measure": measure, "team": team.name,
            "institution": team.institution, "code": team.code,
            "provisional": state != "official"}


def _lines(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    """Wrap `text` to `width` pixels (by words; a very long word is cut)."""
    for chars in range(48, 8, -2):
        lines = textwrap.wrap(text, chars) or [""]
        if all(draw.textlength(line, font=font) <= width for line in lines):
            return lines[:3]
    return textwrap.wrap(text, 8)[:3]


def render(facts: dict[str, Any]) -> bytes:
    """The PNG bytes of the card."""
    image = Image.new("RGB", (SIZE, SIZE), BACKGROUND)
    draw = ImageDraw.Draw(image)
    margin, width, y = 80, SIZE - 160, 90
    blocks = [(facts["event"], _font(40, True), MUTED, 52),
              (facts["category"], _font(52, True), INK, 64),
              ("", None, None, 40),
              (facts["headline"], _font(120, True), ACCENT, 140),
              (facts["measure"], _font(72, True), INK, 90),
              ("", None, None, 40),
              (facts["team"], _font(60, True), INK, 72),
              (facts["institution"], _font(44), MUTED, 56)]
    for text, font, colour, step in blocks:
        if font is None or not text:
            y += step if font is None else 0
            continue
        for line in _lines(draw, text, font, width):
            draw.text((margin, y), line, font=font, fill=colour)
            y += step
    footer = facts["code"]
    if facts["provisional"]:
        footer += " · " + _("hasil sementara")
    draw.rectangle((0, SIZE - 110, SIZE, SIZE), fill=ACCENT)
    draw.text((margin, SIZE - 82), "kejurda", font=_font(48, True), fill=BACKGROUND)
    small = _font(36)
    draw.text((SIZE - margin - draw.textlength(footer, font=small), SIZE - 74), footer,
              font=small, fill=BACKGROUND)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
