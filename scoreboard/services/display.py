"""Projector screens: which scenes each screen rotates through (set by an admin)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoreboard.errors import Invalid, NotFound
from scoreboard.models import Category, DisplayScreen, Slide
from scoreboard.models.base import utcnow
from scoreboard.services import callup, schedule
from scoreboard.services.audit import audit
from scoreboard.services.publish import publish
from scoreboard.services.schedule_callup import upcoming

SCREEN = re.compile(r"^[a-z0-9-]{1,32}$")
# scene -> does it need a category?
SCENES = {"live": False, "ranking": True, "bracket": True, "match": False, "callup": False,
          "announcement": False, "next": False,  # next: "Berikutnya", the schedule per place
          "medals": False,  # the juara umum table (services/awards.py)
          "inspection": False,  # who still has to pass technical inspection (a category: one)
          "slide": False}  # an uploaded sponsor or announcement image (services/slides.py)
MAX_SCENES = 30
SECONDS = (3, 600)
TEXT_MAX = 300
DEFAULT_SECONDS = 15


def check_screen(slug: Any) -> str:
    if not isinstance(slug, str) or not SCREEN.match(slug):
        raise NotFound("screen: 1 to 32 characters a-z, 0-9 or '-' (layar tidak ditemukan)")
    return slug


def _stamp(when: datetime) -> str:
    """One fixed-width UTC form whatever the database hands back (SQLite drops the zone,
    isoformat() drops zero microseconds), so screens can order playlists by comparing text."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def screen_dict(slug: str, row: DisplayScreen | None) -> dict[str, Any]:
    return {"screen": slug, "playlist": list(row.playlist) if row else [],
            "updated_at": _stamp(row.updated_at) if row else None}


def get_screen(session: Session, slug: str) -> dict[str, Any]:
    """A screen's playlist; a screen nobody configured has an empty one (live run + ranking)."""
    slug = check_screen(slug)
    return screen_dict(slug, session.scalar(select(DisplayScreen).where(DisplayScreen.slug == slug)))


def list_screens(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(select(DisplayScreen).order_by(DisplayScreen.slug)).all()
    return [screen_dict(r.slug, r) for r in rows]


def _scene(session: Session, i: int, item: Any) -> dict[str, Any]:
    where = f"playlist[{i}]"
    if not isinstance(item, dict):
        raise Invalid(f"{where}: must be an object with 'scene'")
    kind = item.get("scene")
    if not isinstance(kind, str) or kind not in SCENES:  # an object is not hashable
        raise Invalid(f"{where}.scene: one of {', '.join(SCENES)}")
    seconds = item.get("seconds", DEFAULT_SECONDS)
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not (
            SECONDS[0] <= seconds <= SECONDS[1]):
        raise Invalid(f"{where}.seconds: an integer from {SECONDS[0]} to {SECONDS[1]}")
    out: dict[str, Any] = {"scene": kind, "seconds": seconds}
    # fields another kind of scene uses still have their type, whatever this scene is
    if item.get("arena") is not None and not isinstance(item["arena"], str):
        raise Invalid(f"{where}.arena: a track or category slug of this event")
    text = item.get("text")
    if text is not None and (not isinstance(text, str) or len(text) > TEXT_MAX):
        raise Invalid(f"{where}.text: a text of 1 to {TEXT_MAX} characters")
    if kind == "callup" and item.get("arena") is not None:
        if item["arena"] not in {slug for slug, _name in callup.arenas(session)}:
            raise NotFound(f"{where}.arena: {item['arena'][:40]!r} is not a track or "
                           "category of this event")
        out["arena"] = item["arena"]
    category = item.get("category")
    if SCENES[kind] or category is not None:
        if not isinstance(category, str):
            raise Invalid(f"{where}.category: a category slug of this event")
        # a well-formed slug that names nothing is a missing resource, as in /runs
        if session.scalar(select(Category.id).where(Category.slug == category)) is None:
            raise NotFound(f"{where}.category: {category[:40]!r} is not a category of "
                           "this event")
        out["category"] = category
    slide = item.get("slide")
    if kind == "slide" or slide is not None:
        if isinstance(slide, bool) or not isinstance(slide, int):
            raise Invalid(f"{where}.slide: the number of an uploaded slide "
                          "(GET /api/v1/display/slides)")
        if session.get(Slide, slide) is None:
            raise NotFound(f"{where}.slide: {slide} is not an uploaded slide")
        out["slide"] = slide
    if kind == "announcement":
        if not isinstance(text, str) or not text.strip() or len(text) > TEXT_MAX:
            raise Invalid(f"{where}.text: a text of 1 to {TEXT_MAX} characters")
        out["text"] = text.strip()
    return out


def set_playlist(session: Session, slug: Any, playlist: Any, actor: str) -> dict[str, Any]:
    """Replace a screen's playlist (validated whole), audit it, then tell the screens."""
    slug = check_screen(slug)
    if not isinstance(playlist, list) or len(playlist) > MAX_SCENES:
        raise Invalid(f"playlist: a list of at most {MAX_SCENES} scenes")
    scenes = [_scene(session, i, item) for i, item in enumerate(playlist)]
    row = session.scalar(select(DisplayScreen).where(DisplayScreen.slug == slug))
    old = {"playlist": list(row.playlist)} if row else None
    if row is None:
        row = DisplayScreen(slug=slug)
        session.add(row)
    row.playlist = scenes
    row.updated_at = utcnow()
    row.updated_by = actor
    audit(session, actor, "playlist", "display_screen", slug, old=old, new={"playlist": scenes})
    session.commit()
    out = screen_dict(slug, row)
    publish("display", out)
    return out


def callup_queues(session: Session, arena: str | None = None, limit: int = 8
                  ) -> list[dict[str, Any]]:
    """The first teams waiting at each track or arena ("bersiap di lintasan"), in calling
    order: the projector's call-up scene. Only arenas with someone waiting are listed."""
    out = []
    rows = schedule.live(session)
    for slug, name in callup.arenas(session):
        if arena is not None and slug != arena:
            continue
        waiting = callup.queue(session, slug)[:limit]
        if waiting or arena is not None:
            eta = _etas(session, slug, rows)
            out.append({"arena": slug, "name": name, "queue": [
                {"position": i, "team": e.team.code, "team_name": e.team.name,
                 "institution": e.team.institution, "calls": e.calls,
                 **({"eta": eta.get(e.team.code)} if rows else {})}
                for i, e in enumerate(waiting, start=1)]})
    return out


def _etas(session: Session, arena: str, rows: list) -> dict[str, str]:
    """Team -> its expected turn at the arena ("HH:MM"), from the schedule if there is one."""
    if not rows:
        return {}
    return {code: eta.strftime("%H:%M") for code, eta in upcoming(session, arena, rows=rows)}
