"""Schedule pages: the public schedule for phones, printed schedules, the admin's page
with the generate button, and each team's next turn on its team pages."""

from __future__ import annotations

from datetime import date, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import Length, Optional

from scoreboard.errors import KejurdaError
from scoreboard.models import Category, Team
from scoreboard.services import schedule, schedule_callup, schedule_ical, schedule_print
from scoreboard.services.schedule_build import load_places, local
from scoreboard.web.access import role_required

bp = Blueprint("schedule", __name__)


class GenerateForm(FlaskForm):
    reason = StringField(validators=[Optional(), Length(max=300)])


def _pdf(body: bytes, name: str) -> Response:
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})


@bp.app_template_global()
def next_turn_of(team: Team | None) -> dict | None:
    """The team's next slot with its ETA, for its team pages (None: nothing planned)."""
    if team is None:
        return None
    try:
        return schedule_callup.next_turn(g.db.session, team.code)
    except KejurdaError:
        return None


@bp.app_template_global()
def today() -> date:
    """The venue's local date (to show a next turn's day only when it is not today)."""
    return datetime.now().date()


@bp.get("/jadwal")
def public_schedule():
    """The schedule on phones: filter by day, place or team; times as expected now."""
    session = g.db.session
    args = {k: (request.args.get(k) or "").strip() or None for k in ("team", "place", "day")}
    error, rows = None, []
    try:
        rows = schedule.rows(session, **args)
    except KejurdaError as exc:
        error = exc.message
    places = load_places(session)
    days = sorted({r.slot.start.date().isoformat() for r in schedule.live(session)})
    names = dict(session.execute(select(Team.code, Team.name)).all())
    categories = dict(session.execute(select(Category.slug, Category.name)).all())
    return render_template("schedule/public.html", rows=rows, places=places, days=days,
                           args=args, error=error, names=names, categories=categories,
                           upcoming=schedule_callup.next_per_place(session)), 422 if error else 200


@bp.get("/jadwal/tim/<code>.pdf")
def team_pdf(code: str):
    try:
        return _pdf(schedule_print.team_pdf(g.db.session, code[:32]), f"jadwal-{code[:32]}.pdf")
    except KejurdaError:
        abort(404)


@bp.get("/jadwal/tim/<code>.ics")
def team_ical(code: str):
    """The team's schedule as a calendar feed (a phone subscribes to it)."""
    try:
        body = schedule_ical.team_calendar(g.db.session, code[:32])
    except KejurdaError:
        abort(404)
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'inline; filename="jadwal-{code[:32]}.ics"'})


@bp.get("/jadwal/tempat/<place>.pdf")
@role_required("timekeeper", "head_judge", "judge")
def place_pdf(place: str):
    try:
        return _pdf(schedule_print.place_pdf(g.db.session, place[:64]), f"lembar-{place[:64]}.pdf")
    except KejurdaError:
        abort(404)


@bp.get("/jadwal/mc.pdf")
@role_required("timekeeper", "head_judge")
def announcer_pdf():
    day = request.args.get("day") or None
    try:
        schedule.parse_day(day)
    except KejurdaError:
        abort(400)
    return _pdf(schedule_print.announcer_pdf(g.db.session, day), "lembar-mc.pdf")


def reason_label(reason: str | None) -> str:
    """A version's reason: the server's own in the page's language, a person's as typed."""
    if reason == schedule.EXTENDED:
        return _("pertandingan baru sudah diketahui")
    return reason or ""


@bp.route("/admin/jadwal", methods=["GET", "POST"])
@role_required()
def admin():
    """The schedule in force, what could not be placed and why, and the generate button."""
    session = g.db.session
    form, message, status = GenerateForm(), None, 200
    if request.method == "POST":
        if not form.validate():
            abort(400)
        try:
            schedule_callup.generate_and_call(session, current_user.name,
                                              time_limit_s=current_app.config["KEJURDA_SCHEDULE_TIME_LIMIT_S"],
                                              reason=form.reason.data or None)
            session.commit()
            return redirect(url_for("schedule.admin"), 303)
        except KejurdaError as exc:
            session.rollback()
            message, status = exc.message, exc.status
    current = schedule.latest(session)
    made = local(current.created_at) if current is not None else None
    return render_template("schedule/admin.html", form=form, current=current, made=made,
                           message=message, reason=reason_label(current and current.reason),
                           places=load_places(session), title=_("Jadwal")), status
