"""Parsing a category's options from the event file into frozen config."""

import re
import tomllib
from pathlib import Path

import pytest

from judging.brackets.double import GrandFinal
from judging.brackets.seeding import SeedingMethod
from judging.categories import (
    BracketType,
    CategoryConfig,
    Format,
    MatchConfig,
    MatchKind,
    Penalty,
    TimedConfig,
    parse_category,
)
from judging.errors import RuleViolation
from judging.rubric import Aggregation, Criterion, Normalisation, RubricRules
from judging.soccer import KnockoutTieBreak, SoccerRules
from judging.standings import MetricKey, PointsScheme, StandingsRules
from judging.sumo import SumoRules

CONTRACT_EXAMPLE = """
[[category]]
slug = "lf-smp"
name = "Line Follower SMP"
format = "timed"
track = "lintasan-a"
attempts = 3
time_limit_s = 180
ranking = "best"

[[category]]
slug = "sumo-sma"
name = "Robot Sumo SMA"
format = "match"
match = "sumo"
bracket = "double_elimination"

[[category]]
slug = "kreatif-sd"
name = "Robot Kreatif SD"
format = "judged"
criteria = [
  { key = "inovasi",   name = "Inovasi",    weight = 40, max = 100 },
  { key = "teknis",    name = "Teknis",     weight = 40, max = 100 },
  { key = "presentasi", name = "Presentasi", weight = 20, max = 100 },
]
"""


def test_the_contract_example_parses_with_documented_defaults():
    timed, sumo, judged = (parse_category(c)
                           for c in tomllib.loads(CONTRACT_EXAMPLE)["category"])
    assert timed == CategoryConfig("lf-smp", "Line Follower SMP", Format.TIMED,
                                   timed=TimedConfig("lintasan-a", 3, 180))
    assert timed.timed.time_limit_us == 180_000_000
    assert sumo == CategoryConfig("sumo-sma", "Robot Sumo SMA", Format.MATCH, match=MatchConfig(
        MatchKind.SUMO, BracketType.DOUBLE_ELIMINATION,
        standings=StandingsRules(precedence=(MetricKey.POINTS, MetricKey.HEAD_TO_HEAD,
                                             MetricKey.YUKO, MetricKey.FEWEST_PENALTIES)),
        sumo=SumoRules()))
    assert judged.judged == RubricRules((Criterion("inovasi", "Inovasi", 40, 100),
                                         Criterion("teknis", "Teknis", 40, 100),
                                         Criterion("presentasi", "Presentasi", 20, 100)))


def test_every_option_of_a_soccer_group_stage():
    config = parse_category({
        "slug": "soccer-smp", "name": "Soccer SMP", "format": "match", "match": "soccer",
        "bracket": "groups_knockout", "groups": 4, "advance_per_group": 2, "legs": 1,
        "third_place": True, "seeding": "random", "seeding_seed": "blitar-2026",
        "separate_institutions": False, "levels": ["SMP"], "team_size": [2, 3],
        "tie_break": ["points", "head_to_head", "goal_difference", "lots"],
        "lots_seed": "undian-1", "points": {"win": 3, "draw": 1, "loss": 0},
        "goal_difference_cap": 10, "best_of": 1,
        "soccer": {"half_time_s": 600, "extra_time_s": 180,
                   "knockout_tie_break": "golden_goal", "mercy_difference": False},
    })
    assert config == CategoryConfig(
        "soccer-smp", "Soccer SMP", Format.MATCH, ("SMP",), 2, 3, match=MatchConfig(
            MatchKind.SOCCER, BracketType.GROUPS_KNOCKOUT, SeedingMethod.RANDOM, "blitar-2026",
            False, True, GrandFinal.RESET, 1, None, 4, 2, 1,
            StandingsRules(PointsScheme(3, 1, 0, 3),
                           (MetricKey.POINTS, MetricKey.HEAD_TO_HEAD,
                            MetricKey.GOAL_DIFFERENCE, MetricKey.LOTS), 10, "undian-1"),
            soccer=SoccerRules(600, 180, KnockoutTieBreak.GOLDEN_GOAL, None)))
    assert config.match.draws_in_table_play


def test_judged_and_line_follower_options():
    judged = parse_category({
        "slug": "kreatif", "name": "Kreatif", "format": "judged", "judges": 5,
        "aggregation": "trimmed_mean", "trim_min_judges": 5, "normalisation": "mean",
        "tie_break": ["teknis"], "team_size": 3,
        "criteria": [{"key": "teknis", "name": "Teknis", "weight": 1, "max": 10}]})
    assert judged.team_size_max == 3 and judged.team_size_min == 1
    assert judged.judged == RubricRules((Criterion("teknis", "Teknis", 1, 10),), 5,
                                        Aggregation.TRIMMED_MEAN, 5, Normalisation.MEAN,
                                        ("teknis",))
    timed = parse_category({"slug": "lf", "name": "LF", "format": "timed", "track": "a",
                            "penalties": {"sentuh": 5, "keluar": 10}})
    assert timed.timed.penalties == (Penalty("keluar", 10_000_000), Penalty("sentuh", 5_000_000))


SUMO = {"slug": "sumo", "name": "Sumo", "format": "match", "match": "sumo",
        "bracket": "single_elimination"}


BAD_OPTIONS = [
    ({"atempts": 3}, "category 'sumo': atempts: unknown key (kunci tidak dikenal)"),
    ({"format": "race"}, "format: must be one of timed | match | judged, got 'race'"),
    ({"bracket": "ladder"}, "bracket: must be one of single_elimination | double_elimination"),
    ({"grand_final": "reset"}, "grand_final: only for double_elimination, not single_elim"),
    ({"soccer": {}}, "soccer: only for match = 'soccer'"),
    ({"sumo": {"yuko": 2}}, "sumo.yuko: unknown key"),
    ({"sumo": {"max_rounds": 0}}, "sumo.max_rounds: must be an integer >= 1, got 0"),
    ({"best_of": 2}, "best_of: must be odd, got 2"),
    ({"best_of": True}, "best_of: must be an integer >= 1, got True"),
    ({"tie_break": ["points", "karma"]}, "tie_break: unknown metric 'karma'"),
    ({"tie_break": ["lots"]}, "lots_seed: required when tie_break includes lots"),
    ({"seeding": "random"}, "seeding_seed: required when seeding = 'random'"),
    ({"points": {"win": 3, "tie": 1}}, "points.tie: unknown key"),
    ({"team_size": [3, 2]}, "team_size: must be a number >= 1 or [min, max], got [3, 2]"),
    ({"levels": "SMA"}, "levels: must be a list of strings, got 'SMA'"),
    ({"name": ""}, "name: must be a non-empty string, got ''"),
    ({"match": None}, "match: must be one of sumo | soccer | score, got None"),
]


@pytest.mark.parametrize(("change", "message"), BAD_OPTIONS,
                         ids=[next(iter(change)) for change, _ in BAD_OPTIONS])
def test_bad_options_name_the_key(change, message):
    with pytest.raises(RuleViolation, match=re.escape(message)):
        parse_category({**SUMO, **change})


def test_bad_judged_and_group_options_name_the_key():
    base = {"slug": "k", "name": "K", "format": "judged",
            "criteria": [{"key": "a", "name": "A", "weight": 1, "max": 10}]}
    with pytest.raises(RuleViolation, match=re.escape("criteria[0].max: required")):
        parse_category({**base, "criteria": [{"key": "a", "name": "A", "weight": 1}]})
    with pytest.raises(RuleViolation, match="criteria: key a used more than once"):
        parse_category({**base, "criteria": base["criteria"] * 2})
    with pytest.raises(RuleViolation, match="tie_break: unknown criterion b"):
        parse_category({**base, "tie_break": ["b"]})
    with pytest.raises(RuleViolation, match="trim_min_judges: must be an integer >= 3"):
        parse_category({**base, "trim_min_judges": 2})
    with pytest.raises(RuleViolation, match="category 'g': groups: required for groups_kn"):
        parse_category({"slug": "g", "name": "G", "format": "match", "match": "score",
                        "bracket": "groups_knockout"})
    with pytest.raises(RuleViolation, match="^category: slug: required"):
        parse_category({"name": "G"})


def test_every_category_in_the_engine_docs_parses():
    text = (Path(__file__).resolve().parents[2] / "docs" / "engine.md").read_text()
    blocks = re.findall(r"```toml\n(.*?)```", text, re.S)
    categories = [c for block in blocks for c in tomllib.loads(block).get("category", [])]
    assert len(categories) >= 5
    for table in categories:
        assert parse_category(table).slug == table["slug"]


def test_penalties_and_team_size():
    config = parse_category({"slug": "lf", "name": "LF", "format": "timed", "track": "a",
                             "levels": ["SD", "SMP"], "team_size": [2, 3],
                             "penalties": {"sentuh": 5, "keluar": 10}})
    assert config.timed.penalised_us(12_345_678, {"sentuh": 2, "keluar": 1}) == 32_345_678
    assert config.timed.penalised_us(12_345_678, {}) == 12_345_678
    with pytest.raises(RuleViolation, match="penalty 'jatuh': not a penalty"):
        config.timed.penalised_us(1, {"jatuh": 1})
    with pytest.raises(RuleViolation, match="penalty 'sentuh': count must be"):
        config.timed.penalised_us(1, {"sentuh": -1})
    # who may enter is checked by judging.registration (level_admits, check_members)
    assert (config.levels, config.team_size_min, config.team_size_max) == (("SD", "SMP"), 2, 3)


def test_every_key_the_engine_reads_is_documented():
    from judging.categories import COMMON_KEYS, FORMAT_KEYS

    text = (Path(__file__).resolve().parents[2] / "docs" / "engine.md").read_text()
    keys = set(COMMON_KEYS).union(*FORMAT_KEYS.values())
    keys |= {"yuko_to_win", "max_rounds", "round_time_s", "extension_time_s",
             "warnings_per_yuko", "half_time_s", "extra_time_s", "knockout_tie_break",
             "mercy_difference", "win", "draw", "loss", "bye", "key", "weight", "max"}
    assert sorted(k for k in keys if f"`{k}`" not in text) == []
    for method in ("best", "sum_best_n", "average_best_n"):
        assert f"`{method}`" in text
