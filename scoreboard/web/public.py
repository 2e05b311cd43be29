"""Public pages for phones: categories, a category's ranking, a team. No login anywhere."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, abort, g, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from scoreboard.errors import KejurdaError, NotFound
from scoreboard.models import Category, Run, Team
from scoreboard.services import results, rounds
from scoreboard.services.matches_state import bracket_dict, load_view
from scoreboard.services.privacy import members_public
from scoreboard.services.publication import is_final
from scoreboard.services.ranking import category_ranking
from scoreboard.services.result_card import card_facts
from scoreboard.services.result_card import render as render_card
from scoreboard.services.runs import run_dict

bp = Blueprint("public", __name__)
# a run's statuses (the stream overlays name them); ranking entries have more, see _labels
STATUSES = ("armed", "running", "finished", "timeout", "dnf", "dsq", "review", "not_started")


@bp.get("/kategori")
def categories():
    rows = g.db.session.scalars(select(Category).order_by(Category.id)).all()
    return render_template("public/categories.html", categories=rows)


@bp.get("/kategori/<slug>")
def ranking(slug: str):
    category = g.db.session.scalar(select(Category).where(Category.slug == slug))
    if category is None:
        abort(404)
    return render_template("public/ranking.html", category=category, status_labels=_labels(),
                           ranking=category_ranking(g.db.session, slug),
                           final=is_final(g.db.session, category),
                           headers=results.result_headers(category.format),
                           texts=result_texts())


@bp.get("/tim/<code>")
def team(code: str):
    session = g.db.session
    row = session.scalar(select(Team).where(Team.code == code[:64]))
    if row is None:
        abort(404)
    try:
        entries = category_ranking(session, row.category.slug)["entries"]
    except NotFound:
        abort(404)
    entry = next((e for e in entries if e["team"] == row.code), None)
    runs = session.scalars(select(Run).where(Run.team_id == row.id).order_by(Run.attempt)).all()
    fmt = row.category.format
    # pupils' names only where the event file allows it (docs/privacy.md)
    members = list(row.members or []) if members_public(session) else []
    return render_template("public/team.html", team=row, entry=entry, status_labels=_labels(),
                           runs=[run_dict(r) for r in runs], texts=result_texts(),
                           members=members, share=share_link(row),
                           final=is_final(session, row.category),
                           headers=results.result_headers(fmt),
                           matches=team_matches(session, row) if fmt == "match" else [])


def result_texts() -> dict[str, Any]:
    """What static/js/results.js needs to write a result in the page's language."""
    return results.live_texts()


def team_matches(session: Any, team: Team) -> list[dict[str, Any]]:
    """The team's matches in bracket order: round, opponent, score and outcome."""
    try:
        state = bracket_dict(load_view(session, team.category.slug))
    except KejurdaError:
        return []
    out = []
    for m in state["matches"]:
        if team.code not in (m["home"], m["away"]) or m["status"] in ("bye", "skipped"):
            continue
        side, other = ("home", "away") if m["home"] == team.code else ("away", "home")
        result = m["result"] or {}
        score = (f"{result.get(side + '_score')}–{result.get(other + '_score')}"
                 if m["result"] else "")
        outcome = "" if not m["winner"] else ("won" if m["winner"] == team.code else "lost")
        if m["status"] == "done" and not m["winner"]:
            outcome = "draw"
        out.append({"id": m["id"], "round": rounds.round_name(m["round_key"]),
                    "opponent": state["teams"].get(m[other], "?") if m[other] else "?",
                    "score": score, "outcome": outcome, "status": m["status"]})
    return out


def _labels() -> dict[str, str]:
    """Status names in the page's language (runs and every format's ranking entries), for
    the live updates in public.js."""
    return results.status_labels()


@bp.app_template_global("result_cells")
def result_cells(entry: dict[str, Any] | None, fmt: str) -> list[str]:
    """A ranking entry's result columns as the pages show them ("—" where nothing yet)."""
    if entry is None:
        return ["—" for _h in results.result_headers(fmt)]
    return results.result_cells(entry, fmt, empty="—")


@bp.app_template_filter("time_us")
def time_us(us: int | None) -> str:
    """µs → "12.345" (truncated) in templates; "—" when there is no time."""
    return results.fmt_us(us) or "—"


@bp.app_template_filter("status_label")
def status_label(status: str) -> str:
    return results.status_label(status)


@bp.get("/tim/<code>/kartu.png")
def result_card(code: str):
    """The team's result as a picture to share (WhatsApp, Instagram)."""
    try:
        facts = card_facts(g.db.session, code)
    except NotFound:
        abort(404)
    return Response(render_card(facts), mimetype="image/png",
                    headers={"Cache-Control": "public, max-age=30"})


def share_link(team: Team) -> str:
    """A wa.me share link whose message carries the team's result card and page (WhatsApp's
    documented link: on a phone it opens the app and lets the sender pick the chat)."""
    page = url_for("public.team", code=team.code, _external=True)
    card = url_for("public.result_card", code=team.code, _external=True)
    text = _("Hasil %(team)s di %(category)s: %(page)s (kartu: %(card)s)", team=team.name,
             category=team.category.name, page=page, card=card)
    return "https://wa.me/?text=" + quote(text)
