"""A category's results as files: CSV (for machines), XLSX and a printable PDF sheet.

Everything comes from `category_ranking`, so the files always agree with the projector.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from scoreboard.errors import NotFound
from scoreboard.models import Category, Event, Team, User
from scoreboard.services.cells import neutralise_row, text_cells
from scoreboard.services.ranking import category_ranking

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
CSV_COLUMNS = ("rank", "team", "team_name", "institution", "best_us", "best", "status",
               "times_us")


def fmt_us(us: int | None) -> str:
    """µs → "12.345": truncated to the millisecond, never rounded up (docs/contract.md, "Times")."""
    if us is None or us < 0:
        return ""
    ms = us // 1000
    return f"{ms // 1000}.{ms % 1000:03d}"


def status_label(status: str) -> str:
    labels = {"finished": _("Selesai"), "timeout": _("Waktu habis"),
              "dnf": _("Tidak selesai"), "dsq": _("Diskualifikasi"),
              "review": _("Ditinjau juri"), "armed": _("Bersiap"), "running": _("Berjalan"),
              "not_started": _("Belum tampil"),
              # match categories (judging.brackets.placements) and judged ones (judging.rubric)
              "champion": _("Juara"), "placed": _("Berperingkat"), "out": _("Gugur"),
              "in_play": _("Masih bertanding"), "complete": _("Dinilai lengkap"),
              "incomplete": _("Belum lengkap dinilai"), "not_scored": _("Belum dinilai")}
    return labels.get(status, status)


def category_results(session: Session, slug: str) -> dict[str, Any]:
    """The event, the category and its ranking rows with each team's school."""
    category = session.scalar(select(Category).where(Category.slug == slug))
    if category is None:
        raise NotFound(f"category: {slug!r} not found")
    ranking = category_ranking(session, slug)
    schools = dict(session.execute(select(Team.code, Team.institution)
                                   .where(Team.category_id == category.id)).all())
    rows = [{**e, "institution": schools.get(e["team"], "")} for e in ranking["entries"]]
    event = session.get(Event, category.event_id)
    return {"event": event.name if event else "", "category": category, "rows": rows}


def to_csv(results: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in results["rows"]:
        writer.writerow(neutralise_row([
            r["rank"] if r["rank"] is not None else "", r["team"], r["team_name"],
            r["institution"], r.get("best_us") if r.get("best_us") is not None else "",
            fmt_us(r.get("best_us")), r["status"],
            ";".join(str(t) for t in r.get("times_us") or [])]))
    return out.getvalue()


def _headers() -> list[str]:
    return [_("Peringkat"), _("Kode"), _("Tim"), _("Sekolah"), _("Waktu terbaik"),
            _("Status")]


def _cells(r: dict[str, Any]) -> list[Any]:
    return [r["rank"] if r["rank"] is not None else "–", r["team"], r["team_name"],
            r["institution"], fmt_us(r.get("best_us")), status_label(r["status"])]


def to_xlsx(results: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = results["category"].slug[:31]
    ws.append([results["event"]])
    ws.append([results["category"].name])
    ws.append([])
    ws.append(_headers() + [_("Waktu terbaik (µs)")])
    for cell in ws[4]:
        cell.font = Font(bold=True)
    ws["A1"].font = Font(bold=True, size=14)
    for r in results["rows"]:
        ws.append(_cells(r) + [r.get("best_us")])
    text_cells(ws)  # names typed by schools, never formulas (services/cells.py)
    for col, width in zip("ABCDEFG", (10, 14, 28, 30, 14, 16, 18), strict=True):
        ws.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def pdf_fonts() -> tuple[str, str]:
    """DejaVu from the system when present (every Latin letter), else the built-in Helvetica."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if not (regular.exists() and bold.exists()):
        return "Helvetica", "Helvetica-Bold"
    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
    return "DejaVuSans", "DejaVuSans-Bold"


def head_judges(session: Session) -> list[str]:
    return list(session.scalars(select(User.name).where(User.role == "head_judge",
                                                        User.active.is_(True))
                                .order_by(User.name)).all())


def to_pdf(results: dict[str, Any], judges: list[str]) -> bytes:
    """The printable result sheet: event, category, ranks and times, head judges' signatures."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = pdf_fonts()
    title = ParagraphStyle("t", fontName=bold, fontSize=16, leading=20, alignment=1)
    sub = ParagraphStyle("s", fontName=regular, fontSize=12, leading=16, alignment=1)
    cell = ParagraphStyle("c", fontName=regular, fontSize=9, leading=11)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm,
                            title=f"{results['event']} — {results['category'].name}")
    data = [_headers()] + [[Paragraph(_escape(str(v)), cell) for v in _cells(r)]
                           for r in results["rows"]]
    table = Table(data, colWidths=[14 * mm, 22 * mm, 42 * mm, 48 * mm, 22 * mm, 32 * mm],
                  repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), bold, 9), ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecf4")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story = [Paragraph(_escape(results["event"]), title),
             Paragraph(_escape(_("Hasil Kategori") + ": " + results["category"].name), sub),
             Spacer(1, 6 * mm), table, Spacer(1, 14 * mm)]
    names = judges or [""]
    sign = [[_("Ketua Juri") for _n in names], ["" for _n in names],
            [f"( {n or '.' * 30} )" for n in names]]
    block = Table(sign, colWidths=[60 * mm] * len(names), rowHeights=[6 * mm, 20 * mm, 6 * mm],
                  hAlign="RIGHT")
    block.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), regular, 10),
                               ("ALIGN", (0, 0), (-1, -1), "CENTER")]))
    story.append(block)
    doc.build(story)
    return out.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
