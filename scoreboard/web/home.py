"""The start page (`/`, CONTRACT §7): public links for everyone and, once signed in, every
page of the person's role, so no page of the venue has to be reached by typing its URL.
The admin's part is the dashboard: counts of what the championship holds and every
administration page. `/panduan` shows the committee's guide (docs/panduan-panitia.md)."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, g, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scoreboard import refusals
from scoreboard.models import (
    Category,
    Event,
    MatchRecord,
    Registration,
    Run,
    ScoreSheetVersion,
    Team,
    Track,
    User,
)
from scoreboard.services import results
from scoreboard.web.admin_users import ROLE_NAMES

bp = Blueprint("home", __name__)
GUIDE = Path(__file__).resolve().parents[2] / "docs" / "panduan-panitia.md"
RUN_STATUSES = ("armed", "running", "finished", "timeout", "dnf", "dsq", "review",
                "not_started", "champion", "placed", "out", "in_play", "complete", "incomplete",
                "not_scored")


def _link(endpoint: str, label: str, **values: Any) -> dict[str, str]:
    return {"href": url_for(endpoint, **values), "label": label}


def public_links() -> list[dict[str, str]]:
    """What anyone may open, signed in or not."""
    return [_link("public.categories", _("Kategori dan peringkat")),
            _link("results.index", _("Hasil dan unduhan")),
            _link("registration.register", _("Daftar tim")),
            _link("fairplay.medals", _("Juara umum")),
            _link("schedule.public_schedule", _("Jadwal")),
            _link("display.index", _("Layar proyektor"))]


def _match_categories(session: Session) -> list[Category]:
    return list(session.scalars(select(Category).where(Category.format == "match")
                                .order_by(Category.id)))


def timekeeper_links(session: Session) -> list[dict[str, str]]:
    """The desk once per track (it opens on that track), then each match category's pads."""
    links = [_link("desk.index", _("Meja pencatat waktu: %(track)s", track=t.name),
                   lintasan=t.slug)
             for t in session.scalars(select(Track).order_by(Track.id))]
    links += referee_links(session)
    links += [_link("registration_admin.checkin", _("Daftar ulang")),
              _link("callup.index", _("Antrian panggilan")),
              _link("devices.index", _("Perangkat dan gerbang")),
              _link("schedule.announcer_pdf", _("Jadwal untuk pembawa acara (PDF)"))]
    return links


def referee_links(session: Session) -> list[dict[str, str]]:
    return [_link("brackets.referee", _("Wasit: %(category)s", category=c.name), slug=c.slug)
            for c in _match_categories(session)]


def judge_links(role: str) -> list[dict[str, str]]:
    links = [_link("judge.tablet", _("Tablet penilaian juri"))]
    if role in ("head_judge", "admin"):
        links += [_link("judge.head", _("Halaman ketua juri")),
                  _link("fairplay.protests_index", _("Sanggahan")),
                  _link("fairplay.inspect_index", _("Pemeriksaan robot")),
                  _link("results.certificate_pdf", _("Sertifikat (PDF)")),
                  _link("fairplay.awards_script", _("Naskah pengumuman juara (PDF)"))]
    return links


def admin_links() -> list[dict[str, str]]:
    return [_link("registration_admin.registrations", _("Pendaftaran")),
            _link("registration_admin.change_requests", _("Perubahan data tim")),
            _link("registration_admin.checkin", _("Daftar ulang")),
            _link("callup.index", _("Antrian panggilan")),
            _link("brackets.admin_index", _("Bagan pertandingan")),
            _link("display.admin", _("Layar proyektor: daftar putar")),
            _link("slides.admin", _("Slide sponsor dan pengumuman")),
            _link("schedule.admin", _("Jadwal: susun dan terbitkan")),
            _link("devices.index", _("Perangkat dan gerbang")),
            _link("admin_users.index", _("Pengguna")),
            _link("overlay.run", _("Overlay siaran: lintasan")),
            _link("overlay.next_up", _("Overlay siaran: berikutnya")),
            _link("home.guide", _("Panduan panitia"))]


def counts(session: Session) -> list[dict[str, Any]]:
    """The dashboard's numbers: what the championship holds right now."""
    def n(stmt) -> int:
        return session.scalar(stmt) or 0

    return [
        {"label": _("Kategori"), "value": n(select(func.count(Category.id)))},
        {"label": _("Tim"), "value": n(select(func.count(Team.id)))},
        {"label": _("Pendaftaran menunggu"),
         "value": n(select(func.count(Registration.id)).where(Registration.status == "pending"))},
        {"label": _("Percobaan selesai"),
         "value": n(select(func.count(Run.id)).where(Run.status == "finished"))},
        {"label": _("Hasil pertandingan"),
         "value": n(select(func.count(func.distinct(MatchRecord.match_id))))},
        {"label": _("Lembar nilai juri"), "value": n(select(func.count(ScoreSheetVersion.id)))},
        {"label": _("Pengguna aktif"),
         "value": n(select(func.count(User.id)).where(User.active.is_(True)))},
    ]


def role_sections(session: Session, role: str) -> list[dict[str, Any]]:
    """The signed-in person's own pages, one section per duty of the role."""
    sections = []
    if role == "admin":
        sections.append({"title": _("Administrasi"), "links": admin_links()})
    if role in ("admin", "timekeeper"):
        sections.append({"title": _("Pencatat waktu dan wasit"),
                         "links": timekeeper_links(session)})
    if role == "head_judge":
        sections.append({"title": _("Wasit"), "links": referee_links(session) + [
            _link("schedule.announcer_pdf", _("Jadwal untuk pembawa acara (PDF)"))]})
    if role in ("admin", "judge", "head_judge"):
        sections.append({"title": _("Juri"), "links": judge_links(role)})
    if role == "inspector":
        sections.append({"title": _("Pemeriksaan robot"),
                         "links": [_link("fairplay.inspect_index", _("Pemeriksaan robot"))]})
    return sections


@bp.get("/")
def index():
    session = g.db.session
    event = session.scalar(select(Event).order_by(Event.id))
    signed_in = current_user.is_authenticated
    role = current_user.role if signed_in else None
    return render_template("home/index.html", event=event, public=public_links(),
                           sections=role_sections(session, role) if role else [],
                           counts=counts(session) if role == "admin" else None)


_HEADING = re.compile(r"^(#{1,4})\s+(.*)$")
_ITEM = re.compile(r"^\s*(?:[-*]|\d+\.)\s+(.*)$")
_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")


def _inline(text: str) -> str:
    out = html.escape(text)
    out = _CODE.sub(r"<code>\1</code>", out)
    return _BOLD.sub(r"<strong>\1</strong>", out)


def render_guide(text: str) -> str:
    """The guide's Markdown subset (headings, lists, paragraphs, `code`, **bold**) as HTML;
    every character of the file is escaped first, so the page shows text and nothing else."""
    parts: list[str] = []
    in_list = False
    paragraph: list[str] = []

    def close() -> None:
        nonlocal in_list
        if paragraph:
            parts.append("<p>" + _inline(" ".join(paragraph)) + "</p>")
            paragraph.clear()
        if in_list:
            parts.append("</ul>")
            in_list = False

    for line in text.splitlines():
        heading, item = _HEADING.match(line), _ITEM.match(line)
        if heading:
            close()
            level = len(heading.group(1))
            parts.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif item:
            if paragraph:
                parts.append("<p>" + _inline(" ".join(paragraph)) + "</p>")
                paragraph.clear()
            if not in_list:
                parts.append("<ul>")
                in_list = True
            parts.append(f"<li>{_inline(item.group(1))}</li>")
        elif not line.strip():
            close()
        elif in_list and line.startswith("  "):
            parts[-1] = parts[-1][:-5] + " " + _inline(line.strip()) + "</li>"
        else:
            if in_list:
                parts.append("</ul>")
                in_list = False
            paragraph.append(line.strip())
    close()
    return "\n".join(parts)


@bp.get("/panduan")
def guide():
    """The committee's guide, readable on the venue's own network (no internet needed)."""
    if not GUIDE.is_file():
        abort(404)
    return render_template("home/guide.html",
                           body=render_guide(GUIDE.read_text(encoding="utf-8")))


@bp.app_template_global("role_label")
def role_label(role: str) -> str:
    """A role's name in the page's language (never the stored key such as head_judge)."""
    return str(ROLE_NAMES.get(role, role))


@bp.app_template_global("kj_texts")
def kj_texts() -> dict[str, Any]:
    """What static/js/kj-api.js says in the page's language: refusals, statuses, failures."""
    statuses = {s: results.status_label(s) for s in RUN_STATUSES}
    return {"refusals": refusals.client_table(), "statuses": statuses,
            "offline": _("Tidak terhubung ke server; coba lagi sebentar lagi."),
            "signin": _("Sesi berakhir: silakan masuk lagi."),
            "http": _("Server menolak (kode %(status)s).", status="{status}")}
