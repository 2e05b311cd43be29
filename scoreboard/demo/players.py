"""The demo's simulated people: referees who enter sumo and soccer results and judges who
score the creative robots, so every format has results on every screen within the demo's
first minutes.

They go through the very services the referee pads and the judges' tablets reach through
the API (`matches.record_result`, `scores.submit_sheet`): the same checks, the same
stored records with their actor, the same `/live` announcements. Only the hands are fake.
"""

from __future__ import annotations

import logging
import random
import secrets
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoreboard.models import Category, JudgeAssignment, ScoreSheetVersion, Team, User
from scoreboard.services import matches, scores
from scoreboard.services.matches_state import load_view

log = logging.getLogger(__name__)


class Pacer:
    """At most one action per `pause_s`: results trickle in like a hall's, not all at once."""

    def __init__(self, pause_s: float):
        self.pause_s = pause_s
        self._last = float("-inf")

    def due(self) -> bool:
        now = time.monotonic()
        if now - self._last < self.pause_s:
            return False
        self._last = now
        return True


class DemoReferees:
    """Enters the result of one ready match per step, taking the match categories in turn."""

    def __init__(self, pause_s: float = 4.0, seed: int | None = None):
        self.pacer = Pacer(pause_s)
        self.rng = random.Random(seed)
        self._turn = 0

    def step(self, session: Session) -> dict[str, Any] | None:
        if not self.pacer.due():
            return None
        slugs = list(session.scalars(select(Category.slug).where(Category.format == "match")
                                     .order_by(Category.id)))
        for i in range(len(slugs)):
            slug = slugs[(self._turn + i) % len(slugs)]
            ready = matches.list_matches(session, slug, "ready")
            if not ready:
                continue
            self._turn = (self._turn + i + 1) % len(slugs)
            match = ready[0]
            body = self.result(str(load_view(session, slug).config.kind), match)
            stored, _created = matches.record_result(session, slug, match["id"], body,
                                                     "demo:wasit", "demo-" + secrets.token_hex(8))
            log.info("demo referee: %s %s %s", slug, match["id"], body)
            return stored
        return None

    def result(self, kind: str, match: dict[str, Any]) -> dict[str, Any]:
        """A plausible final score as a referee's pad sends it (a sumo bout always has a
        winner, first to two Yuko; a soccer game may end level)."""
        version = {"expected_version": match.get("version", 0)}
        if kind == "sumo":
            loser = self.rng.choice((0, 1))
            home_wins = self.rng.random() < 0.5
            return {"home_yuko": 2 if home_wins else loser,
                    "away_yuko": loser if home_wins else 2, **version}
        if kind == "soccer":
            return {"home_goals": self.rng.randint(0, 4), "away_goals": self.rng.randint(0, 4),
                    **version}
        return {"home_score": self.rng.randint(0, 10), "away_score": self.rng.randint(0, 10),
                **version}


class DemoJudges:
    """Scores one team per step for one assigned judge, until every sheet is in."""

    def __init__(self, pause_s: float = 3.0, seed: int | None = None):
        self.pacer = Pacer(pause_s)
        self.rng = random.Random(seed)

    def step(self, session: Session) -> dict[str, Any] | None:
        if not self.pacer.due():
            return None
        todo = self._next_sheet(session)
        if todo is None:
            return None
        category, team, judge = todo
        rules = scores.rubric_rules(category)
        data = {"team": team.code, "comment": "",
                "scores": {c.key: self.rng.randint(c.max * 5 // 10, c.max) for c in rules.criteria},
                "idempotency_key": "demo-" + secrets.token_hex(8), "base_version": 0}
        body, _created = scores.submit_sheet(session, category.slug, data, judge,
                                             f"demo:{judge.name}", judge.role)
        log.info("demo judge %s: %s %s", judge.name, team.code, data["scores"])
        return body

    @staticmethod
    def _next_sheet(session: Session) -> tuple[Category, Team, User] | None:
        """The first (category, team, judge) of the assignments without a sheet yet."""
        done = set(session.execute(select(ScoreSheetVersion.category_id,
                                          ScoreSheetVersion.team_id,
                                          ScoreSheetVersion.judge_id)).all())
        rows = session.execute(
            select(Category, User).join(JudgeAssignment, JudgeAssignment.category_id == Category.id)
            .join(User, User.id == JudgeAssignment.user_id)
            .where(Category.format == "judged", User.active.is_(True))
            .order_by(Category.id, User.id)).all()
        for category, judge in rows:
            if scores.state_of(session, category)[0].value != "open":
                continue
            for team in session.scalars(select(Team).where(Team.category_id == category.id)
                                        .order_by(Team.code)):
                if (category.id, team.id, judge.id) not in done:
                    return category, team, judge
        return None
