"""One accessor gives a category's rules: the same parser, keys and defaults as the event file."""

import pytest

from judging.categories import DEFAULT_ATTEMPTS, TimedConfig
from judging.timed import RankingMethod
from scoreboard.errors import Invalid
from scoreboard.models import Category, Track
from scoreboard.services.category_config import category_config, time_limit_us, timed_config

RUBRIC = {"criteria": [{"key": "ide", "name": "Ide", "weight": 2, "max": 10}]}


def timed(**columns):
    track = Track(slug="lintasan-a", name="A")
    return Category(slug="lf", name="Line follower", format="timed", track=track,
                    **{"attempts": DEFAULT_ATTEMPTS, "ranking": "best", "options": {}, **columns})


def test_the_model_and_the_engine_agree_on_attempts():
    assert Category.__table__.c.attempts.default.arg == DEFAULT_ATTEMPTS == TimedConfig.attempts == 3


def test_a_timed_category_reads_columns_and_options():
    category = timed(attempts=2, time_limit_s=90, ranking="sum_best_n",
                     options={"best_n": 2, "penalties": {"sentuh": 5}, "levels": ["SMP"],
                              "team_size": [1, 2], "capacity": 12,
                              "registration_closes": "2026-12-01T23:59:00+07:00"})
    config = category_config(category)
    assert (config.levels, config.team_size_min, config.team_size_max, config.capacity) == \
        (("SMP",), 1, 2, 12)
    assert config.registration_closes.isoformat() == "2026-12-01T23:59:00+07:00"
    rules = timed_config(category)
    assert (rules.attempts, rules.time_limit_us, rules.ranking, rules.best_n) == \
        (2, 90_000_000, RankingMethod.sum_best_n, 2)
    assert (rules.ranking_rules.method, rules.ranking_rules.n) == (RankingMethod.sum_best_n, 2)
    assert [(p.key, p.added_us) for p in rules.penalties] == [("sentuh", 5_000_000)]
    assert time_limit_us(category) == 90_000_000
    assert time_limit_us(timed()) is None


def test_a_judged_category_gives_its_rubric():
    category = Category(slug="desain", name="Desain", format="judged",
                        options={**RUBRIC, "judges": 3, "aggregation": "trimmed_mean"})
    rubric = category_config(category).judged
    assert (rubric.judges_required, rubric.aggregation.value, rubric.criteria[0].weight) == \
        (3, "trimmed_mean", 2)
    assert timed_config(category) is None


@pytest.mark.parametrize("alias", ["min_judges", "normalise", "tiebreak"])
def test_keys_the_event_file_refuses_are_refused_here_too(alias):
    category = Category(slug="desain", name="Desain", format="judged",
                        options={**RUBRIC, alias: 2})
    with pytest.raises(Invalid) as info:
        category_config(category)
    assert info.value.message == f"category 'desain': {alias}: unknown key (kunci tidak dikenal)"
