"""Open data: the championship's public results as tables, for the Kabupaten's portal.

Each resource is a table with a Frictionless Table Schema (`RESOURCES`): categories,
teams, runs, matches, rankings and medals. Nothing personal of the pupils leaves
here: teams are code, name, school and level, never members or contacts. The data
package (`datapackage.json`) describes the CSV files, which the API serves; the
same rows are served as JSON for dashboards.

A dashboard polls cheaply with a cursor: `changes(since)` names the categories whose
results changed after the cursor and returns the new cursor. The cursor is the
highest id of every append-only fact table (gate edges, match records, score sheet
versions, audit records) and of runs, so it needs no clock and no extra writes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from scoreboard.errors import Invalid
from scoreboard.models import (
    AuditRecord,
    Category,
    GateEvent,
    MatchRecord,
    Run,
    ScoreSheetVersion,
    Team,
    Track,
)
from scoreboard.services.awards import medals
from scoreboard.services.cells import neutralise
from scoreboard.services.matches import list_matches
from scoreboard.services.ranking import category_ranking

Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # Table Schema types: string, integer, number, boolean
    description: str


@dataclass(frozen=True)
class Resource:
    name: str
    title: str
    fields: tuple[Field, ...]
    rows: Callable[[Session], Rows]
    primary_key: tuple[str, ...] = ()

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"fields": [
            {"name": f.name, "type": f.type, "description": f.description}
            for f in self.fields]}
        if self.primary_key:
            out["primaryKey"] = list(self.primary_key)
        return out


def _categories(session: Session) -> Rows:
    rows = session.execute(select(Category.slug, Category.name, Category.format, Track.slug)
                           .outerjoin(Track, Category.track_id == Track.id)
                           .order_by(Category.id)).all()
    return [{"slug": s, "name": n, "format": f, "track": t} for s, n, f, t in rows]


def _teams(session: Session) -> Rows:
    rows = session.execute(select(Team.code, Team.name, Team.institution, Team.level,
                                  Category.slug)
                           .join(Category, Team.category_id == Category.id)
                           .order_by(Team.code)).all()
    return [{"code": c, "name": n, "institution": i, "level": lv, "category": cat}
            for c, n, i, lv, cat in rows]


def _runs(session: Session) -> Rows:
    rows = session.execute(select(Run.id, Category.slug, Team.code, Run.attempt, Run.status,
                                  Run.elapsed_us)
                           .join(Category, Run.category_id == Category.id)
                           .join(Team, Run.team_id == Team.id)
                           .order_by(Run.id)).all()
    return [{"id": i, "category": c, "team": t, "attempt": a, "status": s, "elapsed_us": e}
            for i, c, t, a, s, e in rows]


def _matches(session: Session) -> Rows:
    out = []
    for m in list_matches(session, None, None):
        result = m.get("result") or {}
        out.append({"category": m["category"], "id": m["id"], "group": m.get("group") or "",
                    "stage": m["stage"], "round": m["round"], "status": m["status"],
                    "home": m["home"], "away": m["away"],
                    "home_score": result.get("home_score"),
                    "away_score": result.get("away_score"), "winner": m.get("winner")})
    return out


RANKING_FIELDS = ("rank", "team", "team_name", "status", "best_us", "score", "provisional",
                  "played", "wins", "points")


def _rankings(session: Session) -> Rows:
    out = []
    for slug in session.scalars(select(Category.slug).order_by(Category.id)):
        for entry in category_ranking(session, slug)["entries"]:
            row = {"category": slug}
            row.update({k: entry.get(k) for k in RANKING_FIELDS})
            out.append(row)
    return out


RESOURCES = (
    Resource("categories", "Kategori / Categories", (
        Field("slug", "string", "category id"), Field("name", "string", "category name"),
        Field("format", "string", "timed, match or judged"),
        Field("track", "string", "track slug of a timed category")), _categories, ("slug",)),
    Resource("teams", "Tim / Teams", (
        Field("code", "string", "team code"), Field("name", "string", "team name"),
        Field("institution", "string", "school"), Field("level", "string", "SD, SMP, SMA..."),
        Field("category", "string", "category slug")), _teams, ("code",)),
    Resource("runs", "Percobaan / Runs", (
        Field("id", "integer", "run id"), Field("category", "string", "category slug"),
        Field("team", "string", "team code"), Field("attempt", "integer", "attempt number"),
        Field("status", "string", "armed, running, finished, timeout, dnf, dsq or review"),
        Field("elapsed_us", "integer", "time in microseconds (finished runs)")), _runs, ("id",)),
    Resource("matches", "Pertandingan / Matches", (
        Field("category", "string", "category slug"), Field("id", "string", "match id"),
        Field("group", "string", "group name (groups stage)"),
        Field("stage", "string", "bracket stage"), Field("round", "integer", "round"),
        Field("status", "string", "match status"), Field("home", "string", "team code"),
        Field("away", "string", "team code"), Field("home_score", "integer", "home score"),
        Field("away_score", "integer", "away score"),
        Field("winner", "string", "winning team code")), _matches),
    Resource("rankings", "Peringkat / Rankings", (
        Field("category", "string", "category slug"), Field("rank", "integer", "rank"),
        Field("team", "string", "team code"), Field("team_name", "string", "team name"),
        Field("status", "string", "the team's status in the ranking"),
        Field("best_us", "integer", "best time in microseconds (timed)"),
        Field("score", "number", "score (judged)"),
        Field("provisional", "boolean", "judging still open (judged)"),
        Field("played", "integer", "matches played (match)"),
        Field("wins", "integer", "matches won (match)"),
        Field("points", "number", "table points (match)")), _rankings),
    Resource("medals", "Juara umum / Medal table", (
        Field("rank", "integer", "rank"), Field("institution", "string", "school"),
        Field("gold", "integer", "juara 1"), Field("silver", "integer", "juara 2"),
        Field("bronze", "integer", "juara 3"), Field("points", "integer", "points")),
        lambda s: medals(s)),
)
BY_NAME = {r.name: r for r in RESOURCES}


def resource(name: str) -> Resource:
    try:
        return BY_NAME[name]
    except KeyError:
        raise Invalid(f"resource: one of {', '.join(BY_NAME)} (got {name!r})") from None


def to_csv(res: Resource, rows: Rows) -> str:
    """RFC 4180 CSV with a header row; empty cells for nulls, true/false for booleans."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    names = [f.name for f in res.fields]
    writer.writerow(names)
    for row in rows:
        # text typed by schools never reaches a spreadsheet as a formula (services/cells.py)
        writer.writerow([neutralise(v) if isinstance(v, str) else _cell(v)
                         for v in (row.get(n) for n in names)])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def datapackage(event_name: str, slug: str, base_url: str) -> dict[str, Any]:
    """The Frictionless Data Package descriptor; `base_url` ends with `/`."""
    return {
        "profile": "tabular-data-package",
        "name": slug,
        "title": event_name,
        "licenses": [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0",
                      "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "resources": [{
            "name": r.name, "title": r.title, "path": f"{base_url}{r.name}.csv",
            "profile": "tabular-data-resource", "format": "csv", "mediatype": "text/csv",
            "encoding": "utf-8", "schema": r.schema()} for r in RESOURCES],
    }


def cursor(session: Session) -> str:
    """The current position in the championship's history (see the module's docstring)."""
    parts = [session.scalar(select(func.coalesce(func.max(col), 0)))
             for col in (GateEvent.id, MatchRecord.id, ScoreSheetVersion.id, AuditRecord.id,
                         Run.id)]
    return "-".join(str(int(p)) for p in parts)


def _parse_cursor(text: str) -> tuple[int, ...]:
    parts = text.split("-")
    if len(parts) != 5 or not all(p.isascii() and p.isdigit() and len(p) <= 18 for p in parts):
        raise Invalid("since: a cursor returned by this endpoint (five numbers joined by -)")
    return tuple(int(p) for p in parts)


def changes(session: Session, since: str | None) -> dict[str, Any]:
    """`{"cursor", "categories"}`: the categories changed after `since` (all without it)."""
    now = cursor(session)
    if since is None:
        slugs = list(session.scalars(select(Category.slug).order_by(Category.id)))
        return {"cursor": now, "categories": slugs}
    edge, record, sheet, audit, run = _parse_cursor(since)
    ids: set[int] = set()
    ids.update(session.scalars(select(Run.category_id).where(or_(
        Run.id > run, Run.start_event_id > edge, Run.finish_event_id > edge))))
    ids.update(session.scalars(select(MatchRecord.category_id).where(MatchRecord.id > record)))
    ids.update(session.scalars(select(ScoreSheetVersion.category_id)
                               .where(ScoreSheetVersion.id > sheet)))
    # corrections (penalties, DNF/DSQ, manual times) are audited against their run; draws
    # and the judging state (open, locked, published) against their category
    audited = session.execute(select(AuditRecord.entity, AuditRecord.entity_id).where(
        AuditRecord.id > audit,
        AuditRecord.entity.in_(("run", "draw", "category_judging")))).all()
    run_ids = [int(i) for e, i in audited if e == "run" and str(i).isdigit()]
    if run_ids:
        ids.update(session.scalars(select(Run.category_id).where(Run.id.in_(run_ids))))
    by_slug = [i for e, i in audited if e != "run"]
    if by_slug:
        ids.update(session.scalars(select(Category.id).where(Category.slug.in_(by_slug))))
    slugs = list(session.scalars(select(Category.slug).where(Category.id.in_(ids))
                                 .order_by(Category.id))) if ids else []
    return {"cursor": now, "categories": slugs}
