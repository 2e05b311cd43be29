"""Penalties on timed runs: the category's named penalties (event file `penalties =
{ sentuh = 5 }`, seconds each), counted per run by the timekeeper (`runs.add_penalty`),
added to the time when a category is ranked."""

from __future__ import annotations

from collections.abc import Callable

from judging.categories import TimedConfig
from scoreboard.models import Category
from scoreboard.services.category_config import timed_config


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
