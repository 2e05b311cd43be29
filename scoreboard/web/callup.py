"""The call-up (panggilan): one queue of teams per track or match category, kept by the
timekeepers at `/admin/antrian` (add a team, call it, mark it gone); the projector shows
the queues (the `callup` scene) and a team's page shows its places.

One name throughout: model `scoreboard.models.callup.CallUpEntry`, service
`scoreboard.services.callup`, this blueprint `callup`, templates `callup/`. An "arena" is
the track or category slug a queue belongs to.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_login import current_user

from scoreboard.errors import KejurdaError
from scoreboard.services import callup, schedule_callup
from scoreboard.web.access import role_required
from scoreboard.web.registration_forms import CodeForm

bp = Blueprint("callup", __name__, url_prefix="/admin/antrian")
ACTIONS = ("join", "no_show", "leave")


@bp.get("")
@role_required("timekeeper")
def index():
    """Every track and arena that has a queue."""
    return render_template("callup/index.html", arenas=callup.arenas(g.db.session))


@bp.route("/<arena>", methods=["GET", "POST"])
@role_required("timekeeper")
def queue(arena: str):
    """One track's or arena's call-up queue: add, call (no show), came."""
    session = g.db.session
    try:
        callup.check_arena(session, arena)
    except KejurdaError:
        abort(404)
    form, status = CodeForm(), 200
    if request.method == "POST":
        action = request.form.get("action", "join")
        if action not in ACTIONS:
            abort(400)
        if form.validate():
            try:
                actor = f"user:{current_user.name}"
                if action == "leave":  # the schedule's next team joins the queue
                    schedule_callup.came(session, arena, form.code.data, actor)
                else:
                    getattr(callup, action)(session, arena, form.code.data, actor)
                return redirect(url_for("callup.queue", arena=arena), 303)
            except KejurdaError as exc:
                session.rollback()
                form.code.errors = [exc.message]
                status = exc.status
        else:
            status = 422
    names = dict(callup.arenas(session))
    return render_template("callup/queue.html", arena=arena, arena_name=names[arena],
                           entries=callup.queue(session, arena), form=form,
                           blank=CodeForm(formdata=None)), status
