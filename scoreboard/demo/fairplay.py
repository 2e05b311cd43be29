"""The demo's fair play: an inspector who weighs and measures the sumo robots before the
draw, a team that protests a lost bout, and a head judge who decides the protest and makes
each finished category's result official, so inspection, protests, "Resmi" and the medal
table all show something in the demo's first minutes.

Like the referees and judges of players.py they act through the services the real pages
use (`inspection.record` for /pemeriksaan, `protests.file_protest` for a team's private
link, `protests.decide` and `protests.finalise` for the head judge): the same checks, the
same audit records with their actor, the same `/live` announcements.
"""

from __future__ import annotations

import logging
import random
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scoreboard.demo.players import Pacer
from scoreboard.models import Category, MatchRecord, Protest, Run, Team
from scoreboard.services import inspection, matches, protests, schedule
from scoreboard.services.category_config import timed_config
from scoreboard.services.publication import is_final
from scoreboard.services.runs import HOLDS_TRACK

log = logging.getLogger(__name__)

INSPECTOR = "demo:pemeriksa"
HEAD_JUDGE = "demo:ketua"
PROTEST_REASON = ("Robot lawan menyentuh garis luar arena lebih dulu; mohon rekaman "
                  "video ditinjau.")
DECISION_REASON = ("Rekaman video ditinjau: robot tim pemrotes keluar arena lebih dulu. "
                   "Hasil tetap.")
REPAIR_NOTE = "Diperiksa ulang setelah perbaikan: pemberat tambahan dilepas."


class DemoInspector:
    """Inspects one team per step, in the inspection board's order. The first `fails`
    teams it sees are too heavy; once everyone else is done it re-inspects them after
    their repair, and they pass."""

    def __init__(self, pause_s: float = 2.0, seed: int | None = None, fails: int = 1):
        self.pacer = Pacer(pause_s)
        self.rng = random.Random(seed)
        self.fails = fails

    def step(self, session: Session) -> dict[str, Any] | None:
        if not self.pacer.due():
            return None
        rows = inspection.board(session)
        todo = ([r for r in rows if r["status"] == "not_inspected"]
                or [r for r in rows if r["status"] == "failed"])
        if not todo:
            return None
        row = todo[0]
        category = session.scalar(select(Category).where(Category.slug == row["category"]))
        repaired = row["status"] == "failed"
        heavy = not repaired and self._failed_so_far(rows) < self.fails
        values = self.measure(inspection.checklist(category), heavy)
        out = inspection.record(session, row["category"], row["team"], values,
                                REPAIR_NOTE if repaired else "", INSPECTOR)
        schedule.extend_known(session, INSPECTOR)
        log.info("demo inspector: %s %s %s", row["category"], row["team"], out["status"])
        return out

    @staticmethod
    def _failed_so_far(rows: list[dict[str, Any]]) -> int:
        return sum(1 for r in rows if r["status"] == "failed")

    def measure(self, items, heavy: bool) -> dict[str, Any]:
        """What the inspector reads off the scale, the ruler and the robot; `heavy`: the
        robot carries 150 g too much on its first visit."""
        values: dict[str, Any] = {}
        for item in items:
            kind = str(item.kind)
            if kind == "max":
                values[item.key] = (int(item.limit) + 150 if heavy
                                    else round(item.limit * self.rng.uniform(0.8, 0.99)))
            elif kind == "min":
                values[item.key] = round(item.limit * self.rng.uniform(1.01, 1.2))
            elif kind == "box":
                values[item.key] = [round(side * self.rng.uniform(0.85, 1.0), 1)
                                    for side in item.limit]
            else:
                values[item.key] = kind == "yes"
        return values


class DemoProtester:
    """The team that lost the first bout of `category` files one protest against it, from
    the service its private link (/daftar/<link>/sanggah) uses."""

    def __init__(self, pause_s: float = 6.0, category: str = "sumo-sma"):
        self.pacer = Pacer(pause_s)
        self.category = category

    def step(self, session: Session) -> dict[str, Any] | None:
        if not self.pacer.due():
            return None
        category = session.scalar(select(Category).where(Category.slug == self.category))
        if category is None or session.scalar(select(Protest.id).where(
                Protest.category_id == category.id).limit(1)) is not None:
            return None  # one protest is enough to show the way
        record = session.scalar(select(MatchRecord).where(
            MatchRecord.category_id == category.id).order_by(MatchRecord.id).limit(1))
        result = (record.result or {}) if record is not None else {}
        if not result.get("winner"):
            return None
        loser = result["away"] if result["winner"] == result["home"] else result["home"]
        team = session.scalar(select(Team).where(Team.code == loser))
        out = protests.file_protest(session, team, {
            "target": "match", "target_id": record.match_id, "reason": PROTEST_REASON},
            f"demo:tim:{team.code}")
        log.info("demo protest: %s against %s", team.code, record.match_id)
        return out


class DemoHeadJudge:
    """Decides the open protests (with a reason), then makes each timed or match category
    whose every result is in official, one act per step. A judged category is left to
    the visitor signed in as ketua: its tablet stays open to try."""

    def __init__(self, pause_s: float = 8.0):
        self.pacer = Pacer(pause_s)

    def step(self, session: Session) -> dict[str, Any] | None:
        if not self.pacer.due():
            return None
        open_ = protests.list_protests(session, "open")
        if open_:
            out = protests.decide(session, open_[0]["id"],
                                  {"accept": False, "reason": DECISION_REASON}, HEAD_JUDGE)
            log.info("demo head judge: protest %s %s", out["id"], out["status"])
            return out
        for category in session.scalars(select(Category).where(
                Category.format.in_(("timed", "match"))).order_by(Category.id)):
            if complete(session, category) and not is_final(session, category):
                out = protests.finalise(session, category.slug, {
                    "reason": "Semua hasil masuk, sanggah sudah diputus."}, HEAD_JUDGE)
                log.info("demo head judge: %s official", category.slug)
                return out
        return None


def complete(session: Session, category: Category) -> bool:
    """Every result of a timed or match category is in: every team used its attempts and
    none is running or awaiting review, or every match of the bracket is played."""
    if category.format == "match":
        statuses = {m["status"] for m in matches.list_matches(session, category.slug, None)}
        return "done" in statuses and not statuses & {"ready", "pending"}
    teams = session.scalar(select(func.count(Team.id)).where(Team.category_id == category.id))
    used = session.scalar(select(func.count(Run.id)).where(Run.category_id == category.id))
    unsettled = session.scalar(select(Run.id).where(Run.category_id == category.id,
                                                    Run.status.in_(HOLDS_TRACK)).limit(1))
    return bool(teams) and unsettled is None and used >= teams * timed_config(category).attempts
