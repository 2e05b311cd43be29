"""The demo's automatic timekeeper: arms the next team on each free track, as a person at
the desk would, so the simulated robots keep producing runs."""

from __future__ import annotations

import logging
import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scoreboard.models import Category, Run, Team
from scoreboard.services.category_config import timed_config

log = logging.getLogger("scoreboard.demo")


class AutoArm:
    """Arms the next team on every free timed track, after a short pause, round robin."""

    def __init__(self, pause_s: float = 3.0):
        self.pause_s = pause_s
        self._free_since: dict[int, float] = {}

    def step(self, session: Session) -> list[int]:
        from scoreboard.services.runs import HOLDS_TRACK, arm_run

        armed = []
        timed = session.scalars(select(Category).where(Category.format == "timed")
                                .order_by(Category.id)).all()
        for track_id in sorted({c.track_id for c in timed if c.track_id}):
            busy = session.scalar(select(Run.id).where(Run.track_id == track_id,
                                                       Run.status.in_(HOLDS_TRACK)))
            now = time.monotonic()
            if busy is not None:
                self._free_since.pop(track_id, None)
                continue
            since = self._free_since.setdefault(track_id, now)
            if now - since < self.pause_s:
                continue
            nxt = self._next_team(session, [c for c in timed if c.track_id == track_id])
            if nxt is None:
                continue
            run = arm_run(session, nxt[0], nxt[1], "demo")
            self._free_since.pop(track_id, None)
            armed.append(run.id)
        return armed

    @staticmethod
    def _next_team(session: Session, categories: list[Category]) -> tuple[str, str] | None:
        """The team with the fewest attempts so far (then by code) that has one left."""
        best = None
        for cat in categories:
            used = dict(session.execute(select(Run.team_id, func.count(Run.id))
                                        .where(Run.category_id == cat.id)
                                        .group_by(Run.team_id)).all())
            for team in session.scalars(select(Team).where(Team.category_id == cat.id)):
                n = used.get(team.id, 0)
                if n < timed_config(cat).attempts and (best is None or (n, team.code) < best[0]):
                    best = ((n, team.code), (cat.slug, team.code))
        return best[1] if best else None
