"""A category's results as files: CSV (for machines), XLSX and a printable PDF sheet.

Everything comes from `category_ranking`, so the files always agree with the projector.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from scoreboard.errors import NotFound
from scoreboard.models import Category, Event, Team, User
from scoreboard.services import rounds
from scoreboard.services.cells import neutralise_row, text_cells
from scoreboard.services.protests import official_state
from scoreboard.services.publication import is_final
from scoreboard.services.ranking import category_ranking

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
CSV_COLUMNS = ("rank", "team", "team_name", "institution", "best_us", "best", "status",
               "times_us")
# what each format adds to the machine columns (CONTRACT §4's fields of its entries)
CSV_EXTRA = {"judged": ("score", "provisional"),
             "match": ("played", "wins", "points", "stage")}


def fmt_us(us: int | None) -> str:
    """µs → "12.345": truncated to the millisecond, never rounded up (docs/contract.md, "Times")."""
    if us is None or us < 0:
        return ""
    ms = us // 1000
    return f"{ms // 1000}.{ms % 1000:03d}"


def fmt_score(score: float | None) -> str:
    """A judged score as pages show it: two decimals ("87.50"), "" when not scored."""
    return "" if score is None else f"{score:.2f}"


# the labels of each language, made once: a 150-team ranking page asks for a label per row,
# and making all seventeen each time was nine tenths of its render (docs/performance.md,
# "One render at a time")
_LABELS: dict[str, dict[str, str]] = {}


def status_labels() -> dict[str, str]:
    """Every status a ranking entry or a run can have, in the page's language."""
    return dict(_kept_labels())  # the caller's own: the kept one stays as it is


def status_label(status: str) -> str:
    return _kept_labels().get(status, status)


def _kept_labels() -> dict[str, str]:
    language = str(get_locale())
    if language not in _LABELS:
        _LABELS[language] = _make_labels()
    return _LABELS[language]


def _make_labels() -> dict[str, str]:
    return {"finished": _("Selesai"), "timeout": _("Waktu habis"),
            "dnf": _("Tidak selesai"), "dsq": _("Diskualifikasi"),
            "review": _("Ditinjau juri"), "armed": _("Bersiap"), "running": _("Berjalan"),
            "not_started": _("Belum tampil"),
            # judged
            "complete": _("Dinilai lengkap"), "incomplete": _("Sebagian dinilai"),
            "not_scored": _("Belum dinilai"),
            # match
            "champion": _("Juara"), "placed": _("Selesai bertanding"), "out": _("Gugur"),
            "in_play": _("Masih bertanding"), "not_drawn": _("Belum diundi"),
            "out_in_groups": _("Gugur di fase grup")}


def live_texts() -> dict[str, Any]:
    """What static/js/results.js needs to write a result in the page's language: statuses,
    round names, the provisional mark, outcomes and every format's column titles."""
    return {"statuses": status_labels(), "rounds": rounds.labels(),
            "provisional": _("sementara"), "won": _("Menang"), "lost": _("Kalah"),
            "draw": _("Seri"),
            "headers": {fmt: result_headers(fmt) for fmt in ("timed", "judged", "match")}}


def category_results(session: Session, slug: str) -> dict[str, Any]:
    """The event, the category, whether its result is final, and its ranking rows with
    each team's school."""
    category = session.scalar(select(Category).where(Category.slug == slug))
    if category is None:
        raise NotFound(f"category: {slug!r} not found")
    ranking = category_ranking(session, slug)
    schools = dict(session.execute(select(Team.code, Team.institution)
                                   .where(Team.category_id == category.id)).all())
    rows = [{**e, "institution": schools.get(e["team"], "")} for e in ranking["entries"]]
    event = session.get(Event, category.event_id)
    final = is_final(session, category)
    since = official_state(session, category)["official_at"] if final else None
    return {"event": event.name if event else "", "category": category, "rows": rows,
            "final": final, "official_at": datetime.fromisoformat(since) if since else None}


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def to_csv(results: dict[str, Any]) -> str:
    """Machine columns: the timed ones for every format, then the format's own fields."""
    extra = CSV_EXTRA.get(results["category"].format, ())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS + extra)
    for r in results["rows"]:
        writer.writerow(neutralise_row(
            [r["rank"] if r["rank"] is not None else "", r["team"], r["team_name"],
             r["institution"], r.get("best_us") if r.get("best_us") is not None else "",
             fmt_us(r.get("best_us")), r["status"],
             ";".join(str(t) for t in r.get("times_us") or [])]
            + [_csv_value(r.get(k)) for k in extra]))
    return out.getvalue()


def result_headers(fmt: str) -> list[str]:
    """Titles of the columns a format's result takes (after rank and team, before status)."""
    return {"judged": [_("Nilai")],
            "match": [_("Main"), _("Menang"), _("Poin / babak")]}.get(fmt, [_("Waktu terbaik")])


def result_cells(entry: dict[str, Any], fmt: str, empty: str = "") -> list[str]:
    """A ranking entry's result as text, one per `result_headers` column: the best time,
    the judged score ("sementara" while provisional) or played, wins and points or the
    stage reached. static/js/results.js writes the same on live pages."""
    if fmt == "judged":
        score = fmt_score(entry.get("score"))
        if score and entry.get("provisional"):
            return [f"{score} ({_('sementara')})"]
        return [score or empty]
    if fmt == "match":
        stage = str(entry["points"]) if entry.get("points") is not None \
            else rounds.round_name(entry.get("stage"))
        return [str(entry.get("played", 0)), str(entry.get("wins", 0)), stage or empty]
    return [fmt_us(entry.get("best_us")) or empty]


def _headers(fmt: str) -> list[str]:
    """Column titles for people: rank, code, team, school, the format's result, status."""
    return [_("Peringkat"), _("Kode"), _("Tim"), _("Sekolah"), *result_headers(fmt),
            _("Status")]


def _cells(r: dict[str, Any], fmt: str) -> list[Any]:
    own: list[Any] = result_cells(r, fmt)
    if fmt == "match":  # numbers stay numbers in the spreadsheet
        own[:2] = [r.get("played", 0), r.get("wins", 0)]
    return [r["rank"] if r["rank"] is not None else "–", r["team"], r["team_name"],
            r["institution"], *own, status_label(r["status"])]


def to_xlsx(results: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    fmt = results["category"].format
    wb = Workbook()
    ws = wb.active
    ws.title = results["category"].slug[:31]
    ws.append([results["event"]])
    ws.append([results["category"].name])
    ws.append([_final_note(results)])
    headers = _headers(fmt) + ([_("Waktu terbaik (µs)")] if fmt == "timed" else [])
    ws.append(headers)
    for cell in ws[4]:
        cell.font = Font(bold=True)
    ws["A1"].font = Font(bold=True, size=14)
    for r in results["rows"]:
        ws.append(_cells(r, fmt) + ([r.get("best_us")] if fmt == "timed" else []))
    widths = {"Kode": 14}
    for i, title in enumerate(headers):
        letter = chr(ord("A") + i)
        ws.column_dimensions[letter].width = {2: 30, 3: 30}.get(i, widths.get(title, 14))
    for row in ws.iter_rows(min_row=5, min_col=3, max_col=4):
        for cell in row:  # long names wrap in their cell instead of spilling into the next
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    text_cells(ws)  # names typed by schools, never formulas (services/cells.py)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _final_note(results: dict[str, Any]) -> str:
    """"Hasil resmi sejak 06-12-2026 10:15" (the venue's local time), or "Hasil sementara"."""
    if not results.get("final"):
        return _("Hasil sementara")
    since = results.get("official_at")
    if since is None:
        return _("Hasil resmi")
    return _("Hasil resmi sejak %(when)s", when=since.astimezone().strftime("%d-%m-%Y %H:%M"))


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


def head_judges(session: Session) -> list[tuple[str, str]]:
    """Who signs the sheet: each active head judge's full name (else the sign-in name) and
    role, in the page's language."""
    rows = session.execute(select(User.name, User.full_name).where(
        User.role == "head_judge", User.active.is_(True)).order_by(User.name)).all()
    return [(full or name, _("Ketua Juri")) for name, full in rows]


# column widths in mm (A4 portrait, 180 mm between the margins): the team and school
# columns take what the format's own columns leave
_WIDTHS = {"timed": [22, 24, 46, 40, 22, 26], "judged": [22, 24, 42, 36, 30, 26],
           "match": [20, 22, 34, 26, 14, 18, 24, 22]}


def to_pdf(results: dict[str, Any], judges: list[tuple[str, str]]) -> bytes:
    """The printable result sheet: event, category, ranks and results, signatures.

    Every cell is a paragraph that wraps inside its column (a word longer than the column,
    such as a name without spaces, is split: reportlab's `splitLongWords`), so a long team
    name makes its row taller and never runs into the next column."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    fmt = results["category"].format
    regular, bold = pdf_fonts()
    title = ParagraphStyle("t", fontName=bold, fontSize=16, leading=20, alignment=1)
    sub = ParagraphStyle("s", fontName=regular, fontSize=12, leading=16, alignment=1)
    cell = ParagraphStyle("c", fontName=regular, fontSize=9, leading=11, splitLongWords=1)
    head = ParagraphStyle("h", parent=cell, fontName=bold, fontSize=8)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm,
                            title=f"{results['event']} — {results['category'].name}")
    data = [[Paragraph(_escape(h), head) for h in _headers(fmt)]]
    data += [[Paragraph(_escape(str(v)), cell) for v in _cells(r, fmt)] for r in results["rows"]]
    table = Table(data, colWidths=[w * mm for w in _WIDTHS.get(fmt, _WIDTHS["timed"])],
                  repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecf4")),
        ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story = [Paragraph(_escape(results["event"]), title),
             Paragraph(_escape(_("Hasil Kategori") + ": " + results["category"].name), sub),
             Paragraph(_escape(_final_note(results)), sub),
             Spacer(1, 6 * mm), table, Spacer(1, 14 * mm), _signatures(judges, regular)]
    doc.build(story)
    return out.getvalue()


def _signatures(judges: list[tuple[str, str]], font: str) -> Any:
    """One signature block per signer: role, room to sign, "( full name )"; blank lines
    to fill in by hand when no head judge has an account."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Table, TableStyle

    signers = judges or [("", _("Ketua Juri"))]
    style = ParagraphStyle("g", fontName=font, fontSize=10, leading=12, alignment=1)
    width = min(80, 180 // len(signers))
    sign = [[Paragraph(_escape(role), style) for _n, role in signers],
            ["" for _s in signers],
            [Paragraph(_escape(f"( {name or '.' * 30} )"), style) for name, _r in signers]]
    block = Table(sign, colWidths=[width * mm] * len(signers),
                  rowHeights=[None, 20 * mm, None], hAlign="RIGHT")
    block.setStyle(TableStyle([("ALIGN", (0, 0), (-1, -1), "CENTER")]))
    return block


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
