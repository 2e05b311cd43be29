"""Import teams from the organisers' CSV (docs/contract.md §3): all rows or none."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoreboard.errors import LoadError
from scoreboard.models import Category, Team
from scoreboard.services.cells import restore

HEADER = ["code", "name", "institution", "category", "level", "members", "contact"]
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
LIMITS = {"name": 120, "institution": 200, "level": 40, "contact": 80}
MAX_MEMBER = 80
MAX_MEMBERS = 20


def _fail(path: Path, line: int, column: str, value: str, reason: str) -> LoadError:
    shown = value if len(value) <= 60 else value[:57] + "..."
    return LoadError(f"{path}:{line}: column '{column}' value {shown!r}: {reason}")


def _row(path: Path, line: int, row: dict, categories: dict[str, Category]) -> dict:
    code = row["code"].strip()
    if not code:
        raise _fail(path, line, "code", code, "required (wajib diisi)")
    if not CODE.match(code):
        raise _fail(path, line, "code", code, "must be 1-32 letters, digits, '.', '_' or '-'")
    name = row["name"].strip()
    if not name:
        raise _fail(path, line, "name", name, "required (wajib diisi)")
    for column, limit in LIMITS.items():
        if len(row[column].strip()) > limit:
            raise _fail(path, line, column, row[column], f"longer than {limit} characters")
    slug = row["category"].strip()
    if slug not in categories:
        raise _fail(path, line, "category", slug, "no such category in the loaded event")
    members = [m.strip() for m in row["members"].split(";") if m.strip()]
    if len(members) > MAX_MEMBERS or any(len(m) > MAX_MEMBER for m in members):
        raise _fail(path, line, "members", row["members"],
                    f"at most {MAX_MEMBERS} members of at most {MAX_MEMBER} characters")
    return {"code": code, "name": name, "institution": row["institution"].strip(),
            "category_id": categories[slug].id, "level": row["level"].strip(),
            "members": members, "contact": row["contact"].strip()}


def parse_teams_csv(session: Session, path: str | Path) -> list[dict]:
    """Validate every row; raise LoadError naming the line, value and reason."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise LoadError(f"{path}: cannot read the file ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        bad = exc.object[exc.start: exc.end]
        raise LoadError(f"{path}:{line}: not UTF-8 text (bytes {bad!r}); save the file as "
                        "CSV UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise LoadError(f"{path}:1: not a valid CSV header ({exc})") from None
    if header is None or [h.strip().lower() for h in header] != HEADER:
        raise LoadError(f"{path}:1: header must be exactly {','.join(HEADER)} (got {header!r})")
    categories = {c.slug: c for c in session.scalars(select(Category))}
    rows, seen = [], {}
    while True:
        line = reader.line_num + 1  # where this record starts (a quoted cell may span lines)
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            raise LoadError(f"{path}:{line}: not a valid CSV row ({exc})") from None
        if cells is None:
            break
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(HEADER):
            row = ",".join(cells)
            shown = row if len(row) <= 60 else row[:57] + "..."
            raise LoadError(f"{path}:{line}: row {shown!r}: expected {len(HEADER)} columns "
                            f"({','.join(HEADER)}), found {len(cells)}")
        # an exported cell that looked like a formula carries a "'" (services/cells.py)
        cells = [restore(c) for c in cells]
        row = _row(path, line, dict(zip(HEADER, cells, strict=True)), categories)
        if row["code"] in seen:
            raise _fail(path, line, "code", row["code"], f"already used on line {seen[row['code']]}")
        seen[row["code"]] = line
        rows.append(row)
    return rows


def import_teams(session: Session, path: str | Path) -> tuple[int, int]:
    """Create or update teams by code; returns (created, updated)."""
    rows = parse_teams_csv(session, path)
    existing = {t.code: t for t in session.scalars(select(Team))}
    created = updated = 0
    for row in rows:
        team = existing.get(row["code"])
        if team is None:
            session.add(Team(**row))
            created += 1
        else:
            for key, value in row.items():
                setattr(team, key, value)
            updated += 1
    session.flush()
    return created, updated
