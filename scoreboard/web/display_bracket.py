"""The projector's bracket scene: a match category drawn as a bracket (boxes in columns by
round, lines from each match to the one its winner goes to), sized to fill the wall.

The server lays the bracket out (rounds named by `services.rounds`, team names, scores,
winners); display.js only draws the lines between the boxes the browser has placed.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from judging.brackets import BracketKind, SlotKind
from judging.brackets import Stage as BracketStage
from scoreboard.services import rounds
from scoreboard.services.matches_state import View, match_dict

LOWER = (BracketStage.LOSERS,)


def _box(view: View, part: Any, match: Any, spec: Any) -> dict[str, Any]:
    data = match_dict(view, part, match)
    result = data["result"] or {}
    names = view.teams
    winner = "home" if match.winner and match.winner == match.home else \
        "away" if match.winner and match.winner == match.away else None
    empty = "—" if data["status"] in ("bye", "empty") else "?"
    return {"id": data["id"], "status": data["status"], "winner": winner,
            "home": names.get(match.home, match.home) if match.home else empty,
            "away": names.get(match.away, match.away) if match.away else empty,
            "home_score": result.get("home_score"), "away_score": result.get("away_score"),
            "round_key": data["round_key"],
            # only winners' paths are drawn: a loser's drop to the lower bracket would cross it
            "from": [s.ref for s in (spec.home, spec.away) if s.kind is SlotKind.WINNER]}


def _rows(view: View, part: Any) -> list[dict[str, Any]]:
    """The part's rows of round columns: the main bracket (winners' rounds and the finals),
    the losers' bracket below it, and the match for third place under the final's column,
    where no line crosses it. Each row grows with its tallest column."""
    specs = {m.match_id: m for m in part.bracket.matches}
    rows: dict[str, dict[str, list[dict[str, Any]]]] = {"upper": {}, "lower": {}, "third": {}}
    for match in part.state.matches:
        if match.status.value == "skipped":
            continue
        box = _box(view, part, match, specs[match.match_id])
        row = ("lower" if match.stage is BracketStage.LOSERS else
               "third" if match.stage is BracketStage.THIRD_PLACE else "upper")
        rows[row].setdefault(box["round_key"], []).append(box)
    out = []
    for name, row in rows.items():
        if not row:
            continue
        columns = [{"title": rounds.round_name(key), "matches": boxes}
                   for key, boxes in row.items()]
        if name == "third":  # under the final: empty columns before it keep the grid
            columns = [{"title": "", "matches": []}] * (len(rows["upper"]) - 1) + columns
        out.append({"columns": columns,
                    "size": max(len(c["matches"]) for c in columns)})
    return out


def board(view: View) -> dict[str, Any]:
    """What the bracket scene shows: the champion, each part as rows of round columns (or a
    league table), and the tallest column's size so the page can scale the boxes."""
    parts = []
    tallest = 1
    for part in view.parts:
        title = (_("Babak gugur") if part.name == "knockout" else
                 _("Grup %(name)s", name=part.name) if part.name else None)
        if part.bracket.kind is BracketKind.ROUND_ROBIN:
            table = [{"rank": r.rank, "team": view.teams.get(r.team, r.team),
                      "played": r.record.played, "won": r.record.won,
                      "points": r.record.points}
                     for r in view.standings.get(part.name or "", ())]
            parts.append({"title": title, "table": table, "rows": []})
            tallest = max(tallest, (len(table) + 1) // 2)
            continue
        rows = _rows(view, part)
        tallest = max(tallest, sum(row["size"] for row in rows))
        parts.append({"title": title, "table": None, "rows": rows})
    return {"published": view.published, "parts": parts, "tallest": tallest,
            "champion": view.teams.get(view.champion) if view.champion else None}
