"""Fair-play pages: the inspector's tablet, the head judge's protests, the team's protest
form, and the public juara umum (medal) page.

Forms post back to these pages with their CSRF token (Flask-WTF's global protection);
a refused value is shown at its field, translated, and nothing is stored.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from judging.inspection import ItemKind
from scoreboard.errors import KejurdaError, NotFound
from scoreboard.models import Category, Inspection, Protest, Team
from scoreboard.refusals import explain
from scoreboard.services import awards, images, inspection, protests, schedule
from scoreboard.services import awards_script as awards_script_service
from scoreboard.services import registration as registration_service
from scoreboard.web.access import role_required
from scoreboard.web.registration import upload_dir

bp = Blueprint("fairplay", __name__)


# ------------------------------------------------------------------ inspection


@bp.get("/pemeriksaan")
@role_required("inspector", "head_judge")
def inspect_index():
    board = inspection.board(g.db.session, request.args.get("kategori") or None)
    categories = [c for c in g.db.session.scalars(select(Category).order_by(Category.id))
                  if inspection.checklist(c)]
    return render_template("fairplay/inspect_index.html", board=board, categories=categories)


def _category_team(slug: str, code: str) -> tuple[Category, Team]:
    category = g.db.session.scalar(select(Category).where(Category.slug == slug))
    team = g.db.session.scalar(select(Team).where(Team.code == code))
    if category is None or team is None or team.category_id != category.id:
        abort(404)
    if not inspection.checklist(category):
        abort(404)
    return category, team


def _number(text: str) -> float | int | str:
    text = text.strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return text  # the rules refuse it, naming the item
    return int(number) if number.is_integer() else number


def _values_from_form(items) -> dict[str, Any]:
    """The measured values as the rules take them; an empty field is 'not measured'."""
    values: dict[str, Any] = {}
    for item in items:
        name = f"v_{item.key}"
        if item.kind in (ItemKind.YES, ItemKind.NO):
            answer = request.form.get(name, "")
            if answer in ("ya", "tidak"):
                values[item.key] = answer == "ya"
        elif item.kind is ItemKind.BOX:
            sides = [request.form.get(f"{name}_{i}", "").strip() for i in (1, 2, 3)]
            if any(sides):
                values[item.key] = [_number(s) for s in sides]
        elif request.form.get(name, "").strip():
            values[item.key] = _number(request.form[name])
    return values


@bp.route("/pemeriksaan/<slug>/<code>", methods=["GET", "POST"])
@role_required("inspector", "head_judge")
def inspect(slug: str, code: str):
    category, team = _category_team(slug, code)
    items = inspection.checklist(category)
    error, status = None, 200
    if request.method == "POST":
        try:
            row = inspection.record(g.db.session, slug, code, _values_from_form(items),
                                    request.form.get("notes", ""), f"user:{current_user.name}",
                                    _photo(), upload_dir())
        except KejurdaError as exc:
            g.db.session.rollback()
            error, status = _refusal_text(exc.message), 422
        else:
            schedule.extend_known(g.db.session, f"user:{current_user.name}")
            flash(_("Lolos pemeriksaan teknis.") if row["status"] == "passed"
                  else _("Tidak lolos: perbaiki lalu periksa ulang."),
                  "info" if row["status"] == "passed" else "error")
            return redirect(url_for("fairplay.inspect", slug=slug, code=code), 303)
    history = inspection.history(g.db.session, category, team)
    return render_template("fairplay/inspect.html", category=category, team=team, items=items,
                           history=list(reversed(history)), error=error,
                           status=inspection.status(g.db.session, category, team).value,
                           next_team=_next_uninspected(category, team)), status


def _photo() -> images.Upload | None:
    """The form's optional photo, checked (Invalid naming `photo` when it is not an image)."""
    sent = request.files.get("photo")
    if sent is None or not sent.filename:
        return None
    return images.read_image(sent.stream, int(current_app.config["KEJURDA_UPLOAD_MAX_BYTES"]),
                             "photo")


def _send_photo(name: str | None) -> Response:
    path = images.stored(upload_dir(), name)
    if path is None:
        abort(404)
    resp = send_file(path, mimetype=images.media_type(path.name), max_age=0)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.get("/pemeriksaan/foto/<int:inspection_id>")
@role_required("inspector", "head_judge")
def inspection_photo(inspection_id: int):
    row = g.db.session.get(Inspection, inspection_id)
    return _send_photo(row.photo_file if row else None)


@bp.get("/sanggah/<int:protest_id>/foto")
@role_required("head_judge")
def protest_photo(protest_id: int):
    row = g.db.session.get(Protest, protest_id)
    return _send_photo(row.photo_file if row else None)


def _next_uninspected(category: Category, team: Team) -> str | None:
    board = [r for r in inspection.board(g.db.session, category.slug)
             if r["status"] != "passed" and r["team"] != team.code]
    return board[0]["team"] if board else None


def _refusal_text(message: str) -> str:
    """The service's message as a person reads it: the item's reason, translated."""
    field, _sep, reason = message.partition(": ")
    if field == "photo":
        return explain(message)["message"]
    reasons = {"a number": _("isi dengan angka"), "three numbers >= 0": _("isi tiga angka"),
               "yes or no": _("pilih ya atau tidak")}
    key = field.removeprefix("values.")
    return f"{key}: {reasons.get(reason, reason)}"


# ------------------------------------------------------------------ protests (head judge)


@bp.get("/sanggah")
@role_required("head_judge")
def protests_index():
    rows = protests.list_protests(g.db.session)
    rows.sort(key=lambda p: (p["status"] != "open", -p["id"]))
    return render_template("fairplay/protests.html", protests=rows)


@bp.post("/sanggah/<int:protest_id>")
@role_required("head_judge")
def decide(protest_id: int):
    body: dict[str, Any] = {"accept": request.form.get("decision") == "terima",
                            "reason": request.form.get("reason", "")}
    home, away = request.form.get("home_score", ""), request.form.get("away_score", "")
    if body["accept"] and (home.strip() or away.strip()):
        try:
            body["correction"] = {"home_score": int(home), "away_score": int(away)}
        except ValueError:
            flash(_("Skor koreksi harus angka bulat."), "error")
            return redirect(url_for("fairplay.protests_index"), 303)
    elif body["accept"] and request.form.get("dsq"):
        body["correction"] = {"status": "dsq"}
    try:
        protests.decide(g.db.session, protest_id, body, f"user:{current_user.name}")
    except KejurdaError as exc:
        g.db.session.rollback()
        flash(_("Tidak dapat diputuskan: %(why)s", why=exc.message), "error")
    else:
        flash(_("Sanggah sudah diputuskan."), "info")
    return redirect(url_for("fairplay.protests_index"), 303)


# ------------------------------------------------------------------ the team's protest


def _team_of(token: str) -> Team:
    try:
        reg = registration_service.by_token(g.db.session, current_app.config["SECRET_KEY"],
                                            token)
    except NotFound:
        abort(404)
    if reg.team is None:
        abort(404)
    return reg.team


@bp.route("/daftar/<token>/sanggah", methods=["GET", "POST"])
def team_protest(token: str):
    team = _team_of(token)
    error, status = None, 200
    if request.method == "POST":
        body = {"target": request.form.get("target", ""), "reason": request.form.get("reason")}
        target, _sep, target_id = body["target"].partition(":")
        body.update(target=target, target_id=target_id or team.code)
        try:
            protests.file_protest(g.db.session, team, body, f"team:{team.code}", _photo(),
                                  upload_dir())
        except KejurdaError as exc:
            g.db.session.rollback()
            error, status = _refusal_text(exc.message), 422
        else:
            flash(_("Sanggah terkirim. Ketua juri akan memutuskan."), "info")
            return redirect(url_for("fairplay.team_protest", token=token), 303)
    mine = [p for p in protests.list_protests(g.db.session) if p["team"] == team.code]
    return render_template("fairplay/team_protest.html", team=team, token=token, error=error,
                           targets=protests.contestable(g.db.session, team),
                           protests=mine), status


# ------------------------------------------------------------------ juara umum


@bp.get("/juara-umum")
def medals():
    session = g.db.session
    categories = list(session.scalars(select(Category).order_by(Category.id)))
    podiums = [(c, awards.category_places(session, c), protests.official_state(session, c))
               for c in categories]
    names = dict(session.execute(select(Team.code, Team.name)).all())
    return render_template("fairplay/medals.html", table=awards.medals(session),
                           podiums=podiums, names=names)


@bp.get("/hasil/naskah-juara.pdf")
@role_required("head_judge")
def awards_script():
    body = awards_script_service.to_pdf(awards_script_service.ceremony(g.db.session))
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": 'inline; filename="naskah-juara.pdf"'})
