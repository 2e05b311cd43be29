"""Load or update the event described by an organiser's TOML file (docs/contract.md §2).

Everything is validated before anything is written; the write is one transaction, so a
bad file leaves the database exactly as it was.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from judging import timed
from judging.awards import parse_points
from judging.categories import DEFAULT_ATTEMPTS, parse_category
from judging.errors import RuleViolation
from judging.registration import Refusal, parse_deadline
from scoreboard.errors import LoadError
from scoreboard.models import Category, Event, Track
from scoreboard.services import event_file_schedule as schedule_part

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
FORMATS = ("timed", "match", "judged")
LANGUAGES = ("id", "en")
TOP_KEYS = {"event", "track", "category", "awards", "schedule", "place"}
EVENT_KEYS = {"name", "slug", "language", "require_checkin", "public_members"}
TRACK_KEYS = {"slug", "name", "start", "finish", "checkpoints", "min_run_ms"}


@dataclass
class _Where:
    """Where in the file a value lives, to name it in an error."""

    path: Path
    text: str
    table: str = ""
    index: int = 0
    label: str = ""

    def fail(self, key: str, reason: str) -> LoadError:
        where = f"{self.table} {self.label}".strip()
        line = self._line_of(key)
        at = f"{self.path}:{line}" if line else str(self.path)
        return LoadError(f"{at}: [{where}] key '{key}': {reason}" if where
                         else f"{at}: key '{key}': {reason}")

    def _line_of(self, key: str) -> int | None:
        lines = self.text.splitlines()
        header = re.compile(rf"^\s*\[\[?\s*{re.escape(self.table)}\s*\]?\]\s*$") if self.table else None
        start, seen = 0, -1
        if header is not None:
            for no, line in enumerate(lines):
                if header.match(line):
                    seen += 1
                    if seen == self.index:
                        start = no
                        break
        name = re.escape(key.split('.')[0])
        keyre = re.compile(rf"^\s*{name}\s*=")
        for no in range(start, len(lines)):
            if (no > start or header is None) and re.match(r"^\s*\[", lines[no]):
                break  # the next table: the key is not in this one
            if keyre.match(lines[no]):
                return no + 1
        if header is None:
            table_re = re.compile(rf"^\s*\[\[?\s*{name}\s*[\].]")
            for no, line in enumerate(lines):
                if table_re.match(line):
                    return no + 1
            return None
        return start + 1 if seen == self.index else None


def _check_keys(table: dict, allowed: set[str], where: _Where) -> None:
    for key in table:
        if key not in allowed:
            raise where.fail(key, "unknown key (kunci tidak dikenal)")


def _req_str(table: dict, key: str, where: _Where, max_len: int = 200) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise where.fail(key, "required, a non-empty string")
    if len(value) > max_len:
        raise where.fail(key, f"longer than {max_len} characters")
    return value.strip()


def _slug(table: dict, where: _Where) -> str:
    value = _req_str(table, "slug", where, 64)
    if not SLUG.match(value):
        raise where.fail("slug", f"{value!r} must be lowercase letters, digits and '-'")
    return value


def _int(table: dict, key: str, where: _Where, default: int | None, lo: int, hi: int) -> int | None:
    value = table.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise where.fail(key, f"must be an integer from {lo} to {hi} (got {value!r})")
    return value


def _gate(value: Any, key: str, where: _Where) -> dict:
    if not isinstance(value, dict) or set(value) != {"source", "gate"}:
        raise where.fail(key, 'must be { source = "...", gate = N }')
    source, gate = value["source"], value["gate"]
    if not isinstance(source, str) or not source.strip() or len(source) > 64:
        raise where.fail(key, "source must be a non-empty string of at most 64 characters")
    if isinstance(gate, bool) or not isinstance(gate, int) or not 0 <= gate <= 255:
        raise where.fail(key, f"gate must be an integer from 0 to 255 (got {gate!r})")
    return {"source": source.strip(), "gate": gate}


def _parse_track(table: Any, where: _Where) -> dict:
    if not isinstance(table, dict):
        raise where.fail("track", "must be a table")
    where.label = repr(table["slug"]) if isinstance(table.get("slug"), str) else ""
    _check_keys(table, TRACK_KEYS, where)
    slug = _slug(table, where)
    where.label = repr(slug)
    checkpoints = table.get("checkpoints", [])
    if not isinstance(checkpoints, list):
        raise where.fail("checkpoints", "must be a list of gates")
    track = {
        "slug": slug,
        "name": _req_str(table, "name", where),
        "start": _gate(table.get("start"), "start", where),
        "finish": _gate(table.get("finish"), "finish", where),
        "checkpoints": [_gate(c, "checkpoints", where) for c in checkpoints],
        "min_run_ms": _int(table, "min_run_ms", where, 0, 0, 3_600_000),
    }
    try:  # the rules' own checks: no gate twice, a checkpoint is not the start or finish
        timed.TrackRules(timed.GateRef(**track["start"]), timed.GateRef(**track["finish"]),
                         tuple(timed.GateRef(**c) for c in track["checkpoints"]),
                         track["min_run_ms"] * 1000)
    except RuleViolation as exc:
        raise where.fail("checkpoints", str(exc).split(": ", 1)[-1]) from None
    return track


def _not_plain(value: Any) -> str | None:
    """Why `value` cannot be stored as a category option (JSON), or None if it can."""
    if isinstance(value, bool | int | str):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"must be a finite number (got {value!r})"
    if isinstance(value, list):
        return next((p for p in map(_not_plain, value) if p), None)
    if isinstance(value, dict):
        return next((p for p in map(_not_plain, value.values()) if p), None)
    return f"must be a string, number, boolean, list or table (got {type(value).__name__})"


def _deadline(value: Any, where: _Where) -> str:
    """`registration_closes` as an ISO 8601 text with its offset (options are JSON)."""
    try:
        closes: datetime = parse_deadline(value)
    except Refusal as exc:
        raise where.fail("registration_closes", str(exc).partition(": ")[2]) from None
    return closes.isoformat()


def _engine_check(table: dict, where: _Where) -> None:
    """The competition engine validates every category key and value (docs/engine.md)."""
    try:
        parse_category(table)
    except RuleViolation as exc:
        detail = str(exc).split(": ", 1)[-1] if str(exc).startswith("category") else str(exc)
        path, _, reason = detail.partition(": ")
        key = re.split(r"[.\[]", path)[0]  # "criteria[0].weight" is key 'criteria'
        raise where.fail(key, f"{reason} ({path})" if path != key else reason) from None


def _parse_category(table: Any, where: _Where, tracks: set[str],
                    plan: dict | None = None) -> dict:
    if not isinstance(table, dict):
        raise where.fail("category", "must be a table")
    where.label = repr(table["slug"]) if isinstance(table.get("slug"), str) else ""
    fmt = table.get("format")
    if fmt not in FORMATS:
        raise where.fail("format", f"must be one of {', '.join(FORMATS)} (got {fmt!r})")
    slug = _slug(table, where)
    where.label = repr(slug)
    name = _req_str(table, "name", where)
    for key, value in table.items():  # before the engine: dates and nan cannot be stored
        problem = _not_plain(value) if key not in ("registration_closes", "schedule") else None
        if problem:
            raise where.fail(key, problem)
    if fmt == "timed":
        track = table.get("track")
        if not isinstance(track, str) or track not in tracks:
            raise where.fail("track", f"must name a track of this file (got {track!r})")
    _engine_check(table, where)
    columns = {"slug", "name", "format", "track", "attempts", "time_limit_s", "ranking"}
    cat = {"slug": slug, "name": name, "format": fmt, "track": None,
           "attempts": DEFAULT_ATTEMPTS, "time_limit_s": None, "ranking": "best",
           "options": {k: v for k, v in table.items() if k not in columns}}
    if "registration_closes" in cat["options"]:
        cat["options"]["registration_closes"] = _deadline(table["registration_closes"], where)
    if "schedule" in table or (plan and plan.get("calendar")):
        cat["options"]["schedule"] = schedule_part.category_schedule(table, where, plan or {})
    if fmt == "timed":
        cat["track"] = table["track"]
        cat["attempts"] = _int(table, "attempts", where, DEFAULT_ATTEMPTS, 1, 100)
        cat["time_limit_s"] = _int(table, "time_limit_s", where, None, 1, 86_400)
        cat["ranking"] = table.get("ranking", "best")
    return cat


def parse_event_file(path: str | Path) -> dict:
    """Read and validate an event file; raise LoadError naming file, line, key and reason."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LoadError(f"{path}: cannot read the file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise LoadError(f"{path}: not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        at = f"{path}:{found.group(1)}" if found else str(path)
        raise LoadError(f"{at}: invalid TOML: {exc}") from None
    where = _Where(path, text)
    _check_keys(data, TOP_KEYS, where)
    ev = data.get("event")
    if not isinstance(ev, dict):
        raise where.fail("event", "a [event] table is required")
    where = _Where(path, text, "event")
    _check_keys(ev, EVENT_KEYS, where)
    language = ev.get("language", "id")
    if language not in LANGUAGES:
        raise where.fail("language", f"must be one of {', '.join(LANGUAGES)} (got {language!r})")
    checkin = ev.get("require_checkin", False)
    if not isinstance(checkin, bool):
        raise where.fail("require_checkin", f"must be true or false (got {checkin!r})")
    event = {"slug": _slug(ev, where), "name": _req_str(ev, "name", where), "language": language}
    if checkin:
        event["require_checkin"] = True
    tracks = [_parse_track(t, _Where(path, text, "track", i))
              for i, t in enumerate(_table_list(data, "track", path, text))]
    track_slugs = {t["slug"] for t in tracks}
    _no_repeats([t["slug"] for t in tracks], "track", path, text)
    _no_shared_gates(tracks, path, text)
    plan = schedule_part.parse(data, tracks, path, text, _Where, _table_list)
    categories = [_parse_category(c, _Where(path, text, "category", i), track_slugs, plan)
                  for i, c in enumerate(_table_list(data, "category", path, text))]
    _no_repeats([c["slug"] for c in categories], "category", path, text)
    options: dict[str, Any] = {}
    if "awards" in data:
        options["awards"] = _awards(data["awards"], _Where(path, text, "awards"))
    public_members = ev.get("public_members", False)
    if not isinstance(public_members, bool):
        raise where.fail("public_members", f"must be true or false (got {public_members!r})")
    if public_members:
        options["public_members"] = True
    if options:
        event["options"] = options
    return {"event": event, "tracks": tracks, "categories": categories, "schedule": plan}


def _awards(table: object, where: _Where) -> dict:
    """`[awards]`: points per place for the juara umum table (judging.awards)."""
    if not isinstance(table, dict):
        raise where.fail("awards", "must be a table [awards]")
    try:
        parse_points(table)
    except RuleViolation as exc:
        key, _, reason = str(exc).partition(": ")
        raise where.fail(key.removeprefix("awards."), reason) from None
    return dict(table)


def _table_list(data: dict, key: str, path: Path, text: str) -> list:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise _Where(path, text).fail(key, f"must be an array of tables [[{key}]]")
    return value


def _no_shared_gates(tracks: list[dict], path: Path, text: str) -> None:
    """A gate belongs to one place on one track (a lap track's start is its finish):
    an edge of a shared gate would drive two runs, or a checkpoint that never counts."""
    owner: dict[tuple[str, int], str] = {}
    for i, track in enumerate(tracks):
        places = [("start", track["start"])]
        if track["finish"] != track["start"]:
            places.append(("finish", track["finish"]))
        places += [("checkpoints", c) for c in track["checkpoints"]]
        for key, gate in places:
            ref = (gate["source"], gate["gate"])
            if ref in owner:
                raise _Where(path, text, "track", i, repr(track["slug"])).fail(
                    key, f"gate {{ source = {ref[0]!r}, gate = {ref[1]} }} is already the "
                         f"{owner[ref]}")
            owner[ref] = f"{key.rstrip('s')} of track {track['slug']!r}"


def _no_repeats(slugs: list[str], table: str, path: Path, text: str) -> None:
    for i, slug in enumerate(slugs):
        if slug in slugs[:i]:
            raise _Where(path, text, table, i, repr(slug)).fail("slug", "used twice in this file")


def load_event(session: Session, path: str | Path) -> Event:
    """Create or update the event, its tracks and categories from `path` (idempotent)."""
    parsed = parse_event_file(path)
    ev = parsed["event"]
    event = session.scalar(select(Event).where(Event.slug == ev["slug"])) or Event(slug=ev["slug"])
    event.name, event.language = ev["name"], ev["language"]
    event.require_checkin = ev.get("require_checkin", False)
    event.options = ev.get("options", {})
    session.add(event)
    session.flush()
    by_slug: dict[str, Track] = {}
    for t in parsed["tracks"]:
        track = session.scalar(select(Track).where(Track.slug == t["slug"])) or Track(slug=t["slug"])
        track.event_id, track.name = event.id, t["name"]
        track.start_source, track.start_gate = t["start"]["source"], t["start"]["gate"]
        track.finish_source, track.finish_gate = t["finish"]["source"], t["finish"]["gate"]
        track.checkpoints, track.min_run_ms = t["checkpoints"], t["min_run_ms"]
        session.add(track)
        by_slug[t["slug"]] = track
    session.flush()
    for c in parsed["categories"]:
        cat = session.scalar(select(Category).where(Category.slug == c["slug"])) or Category(slug=c["slug"])
        cat.event_id, cat.name, cat.format = event.id, c["name"], c["format"]
        cat.track_id = by_slug[c["track"]].id if c["track"] else None
        cat.attempts, cat.time_limit_s, cat.ranking = c["attempts"], c["time_limit_s"], c["ranking"]
        cat.options = c["options"]
        session.add(cat)
    session.flush()
    schedule_part.store(session, event, parsed["schedule"])
    return event
