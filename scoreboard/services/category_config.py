"""One category's rules, as the competition engine parsed them from the event file.

Every reader of a category's rules (ranking, penalties, matches, scores, registration,
the timekeeper's desk) asks `category_config` instead of reading the stored columns and
the `options` JSON itself: one parser (`judging.categories.parse_category`), one set of
defaults, and the keys the event file refuses are refused here too.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from judging.categories import CategoryConfig, TimedConfig, parse_category
from judging.errors import RuleViolation
from scoreboard.errors import Invalid
from scoreboard.models import Category

# The columns the event-file loader takes out of a category's table
# (services/event_file.py); everything else is kept in `Category.options`.
COLUMNS = ("slug", "name", "format", "track", "attempts", "time_limit_s", "ranking")


def category_table(category: Category) -> dict[str, Any]:
    """The category's ``[[category]]`` table as the event file gave it."""
    table = dict(category.options or {})
    table.update(slug=category.slug, name=category.name, format=category.format)
    if category.format == "timed":
        table.update(track=category.track.slug if category.track else "",
                     attempts=category.attempts, ranking=category.ranking)
        if category.time_limit_s:
            table["time_limit_s"] = category.time_limit_s
    return table


def category_config(category: Category) -> CategoryConfig:
    """The parsed rules of `category` (`judging.categories.CategoryConfig`).

    The same stored table always gives the same (frozen) config, so it is parsed once per
    process and shared: ranking after every gate edge asks for it again and again.
    """
    try:
        return _parsed(json.dumps(category_table(category), sort_keys=True))
    except RuleViolation as exc:
        # stored tables passed this parser when loaded; only a stricter engine gets here
        raise Invalid(str(exc)) from None


def timed_config(category: Category) -> TimedConfig | None:
    """The rules of a timed category: attempts, time limit, ranking, penalties (None for
    other formats)."""
    if category.format != "timed" or category.track is None:
        return None
    return category_config(category).timed


def time_limit_us(category: Category) -> int | None:
    """A timed category's time limit in µs (None: no limit, or not timed)."""
    config = timed_config(category)
    return None if config is None else config.time_limit_us


@lru_cache(maxsize=256)
def _parsed(table_json: str) -> CategoryConfig:
    return parse_category(json.loads(table_json))
