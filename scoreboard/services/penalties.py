"""Penalties on timed runs: the category's named penalties (event file `penalties =
{ sentuh = 5 }`, seconds each), counted per run by the timekeeper, added to the time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from judging.categories import TimedConfig
from judging.errors import RuleViolation
from scoreboard.errors import Conflict, Invalid
from scoreboard.models import AuditRecord, Category, Run
from scoreboard.services.category_config import timed_config

log = logging.getLogger(__name__)
COUNTABLE = ("running", "finished", "review", "timeout")


def penalty_adder(category: Category) -> Callable[[int | None, dict | None], int | None]:
    """A function giving a run's time with its penalties added (None stays None); the
    category's rules are read once, however many runs it then serves."""
    config: list[TimedConfig | None] = []  # read on the first penalised run only

    def add(elapsed_us: int | None, counts: dict | None) -> int | None:
        if elapsed_us is None or not counts:
            return elapsed_us
        if not config:
            config.append(timed_config(category))
        return config[0].penalised_us(elapsed_us, counts) if config[0] else elapsed_us

    return add


def add_penalty(session, run_id: int, actor: str, name: Any, count: Any,
                reason: str | None) -> Run:
    """Count `count` more (or, to correct, fewer) of penalty `name` on a run."""
    if isinstance(count, bool) or not isinstance(count, int) or count == 0 or abs(count) > 100:
        raise Invalid("count: a non-zero integer from -100 to 100")
    from scoreboard.services import runs  # runs → ranking → this module: import late

    if count < 0 and not reason:
        raise Invalid("reason: required to take a penalty back (wajib diisi)")
    with runs.lock:
        run = runs.get_run(session, run_id)
        config = timed_config(run.category)
        names = [p.key for p in config.penalties] if config else []
        if not isinstance(name, str) or name not in names:
            raise Invalid(f"penalty: must be one of {', '.join(names) or '(none defined)'} "
                          f"(got {name!r})")
        if run.status not in COUNTABLE:
            raise Conflict(f"status: no penalties on a run that is {run.status}")
        old = dict(run.penalties or {})
        new = dict(old, **{name: old.get(name, 0) + count})
        try:
            config.penalised_us(run.elapsed_us or 0, new)
        except RuleViolation as exc:
            raise Invalid(str(exc)) from None
        run.penalties = {k: v for k, v in new.items() if v}
        session.add(AuditRecord(actor=actor, action="penalty", entity="run",
                                entity_id=str(run.id), old={"penalties": old},
                                new={"penalties": run.penalties}, reason=reason))
        session.commit()
        log.info("run %s penalty %s %+d by %s", run.id, name, count, actor)
    runs.announce(session, [run])
    return run
