"""A category's options from the event file, checked and turned into frozen config.

`parse_category` takes one ``[[category]]`` table as a plain dict (as a TOML
reader returns it) and returns a `CategoryConfig`, or raises `RuleViolation`
naming the category, the key and the reason. Every key, value and default is
documented in ``docs/engine.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from judging.brackets.double import GrandFinal
from judging.brackets.seeding import SeedingMethod
from judging.errors import RuleViolation
from judging.inspection import Item, parse_checklist
from judging.registration import Refusal, check_capacity, parse_deadline
from judging.rubric import Aggregation, Criterion, Normalisation, RubricRules
from judging.soccer import KnockoutTieBreak, SoccerRules
from judging.standings import MetricKey, PointsScheme, StandingsRules
from judging.sumo import SumoRules
from judging.timed_rank import RankingMethod, RankingRules

E = TypeVar("E", bound=StrEnum)
DEFAULT_ATTEMPTS = 3  # a timed category's attempts when the event file names none

# minutes after a result in which its team may protest (judging.protest)
DEFAULT_PROTEST_WINDOW_MIN = 15


class Format(StrEnum):
    """How a category is decided."""

    TIMED = "timed"
    MATCH = "match"
    JUDGED = "judged"


class MatchKind(StrEnum):
    """What a single match is."""

    SUMO = "sumo"
    SOCCER = "soccer"
    SCORE = "score"


class BracketType(StrEnum):
    """How matches are organised."""

    SINGLE_ELIMINATION = "single_elimination"
    DOUBLE_ELIMINATION = "double_elimination"
    ROUND_ROBIN = "round_robin"
    SWISS = "swiss"
    GROUPS_KNOCKOUT = "groups_knockout"


@dataclass(frozen=True)
class Penalty:
    """A timed-run penalty: each occurrence adds ``added_us`` to the run's time."""

    key: str
    added_us: int


@dataclass(frozen=True)
class TimedConfig:
    """Options of a timed category."""

    track: str
    attempts: int = DEFAULT_ATTEMPTS
    time_limit_s: int | None = None
    ranking: RankingMethod = RankingMethod.best
    penalties: tuple[Penalty, ...] = ()
    best_n: int | None = None  # how many best finished attempts count (sum/average only)

    @property
    def ranking_rules(self) -> RankingRules:
        """How `judging.timed.rank_timed` ranks this category's finished times."""
        return RankingRules(method=self.ranking, n=self.best_n or 1)

    @property
    def time_limit_us(self) -> int | None:
        """The time limit in microseconds, as the timing rules take it."""
        return None if self.time_limit_s is None else self.time_limit_s * 1_000_000

    def penalised_us(self, elapsed_us: int, counts: Mapping[str, int]) -> int:
        """A run's time with its penalties added (``counts``: penalty key -> occurrences)."""
        added = {p.key: p.added_us for p in self.penalties}
        total = elapsed_us
        for key, count in counts.items():
            if key not in added:
                raise RuleViolation(f"penalty {key!r}: not a penalty of this category")
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise RuleViolation(f"penalty {key!r}: count must be an integer >= 0")
            total += added[key] * count
        return total


@dataclass(frozen=True)
class MatchConfig:
    """Options of a match category: the match, the bracket, seeding and the table."""

    kind: MatchKind
    bracket: BracketType
    seeding: SeedingMethod = SeedingMethod.RANK
    seeding_seed: str = ""
    separate_institutions: bool = True
    third_place: bool = False
    grand_final: GrandFinal = GrandFinal.RESET
    legs: int = 1
    swiss_rounds: int | None = None
    groups: int | None = None
    advance_per_group: int = 2
    best_of: int = 1
    standings: StandingsRules = StandingsRules()
    sumo: SumoRules | None = None
    soccer: SoccerRules | None = None

    @property
    def draws_in_table_play(self) -> bool:
        """Whether a group or Swiss match may end level (a sumo bout never does)."""
        return self.kind is not MatchKind.SUMO


@dataclass(frozen=True)
class CategoryConfig:
    """One category: who may enter and how it is decided (exactly one of the three set)."""

    slug: str
    name: str
    format: Format
    levels: tuple[str, ...] = ()
    team_size_min: int = 1
    team_size_max: int | None = None
    capacity: int | None = None
    registration_closes: datetime | None = None
    timed: TimedConfig | None = None
    match: MatchConfig | None = None
    judged: RubricRules | None = None
    # fair play and awards (judging.inspection, judging.protest, judging.awards)
    inspection: tuple[Item, ...] = ()
    protest_window_min: int = DEFAULT_PROTEST_WINDOW_MIN
    harapan: int = 0


# "schedule" (slot length, sessions, days, rest) is checked by judging.schedule_config
COMMON_KEYS = {"slug", "name", "format", "levels", "team_size", "capacity", "schedule",
               "registration_closes", "inspection", "protest_window_min", "harapan"}
FORMAT_KEYS = {
    Format.TIMED: {"track", "attempts", "time_limit_s", "ranking", "best_n", "penalties"},
    Format.MATCH: {"match", "bracket", "seeding", "seeding_seed", "separate_institutions",
                   "third_place", "grand_final", "legs", "swiss_rounds", "groups",
                   "advance_per_group", "best_of", "tie_break", "points", "lots_seed",
                   "goal_difference_cap", "sumo", "soccer"},
    Format.JUDGED: {"criteria", "judges", "aggregation", "trim_min_judges", "normalisation",
                    "tie_break"},
}
# Keys that only mean something for some bracket types; elsewhere they are a mistake.
BRACKET_KEYS = {
    "third_place": {BracketType.SINGLE_ELIMINATION, BracketType.GROUPS_KNOCKOUT},
    "grand_final": {BracketType.DOUBLE_ELIMINATION},
    "legs": {BracketType.ROUND_ROBIN, BracketType.GROUPS_KNOCKOUT},
    "swiss_rounds": {BracketType.SWISS},
    "groups": {BracketType.GROUPS_KNOCKOUT},
    "advance_per_group": {BracketType.GROUPS_KNOCKOUT},
}
DEFAULT_TIE_BREAK = {
    MatchKind.SUMO: (MetricKey.POINTS, MetricKey.HEAD_TO_HEAD, MetricKey.YUKO,
                     MetricKey.FEWEST_PENALTIES),
    MatchKind.SOCCER: (MetricKey.POINTS, MetricKey.HEAD_TO_HEAD, MetricKey.GOAL_DIFFERENCE,
                       MetricKey.GOALS_FOR),
    MatchKind.SCORE: (MetricKey.POINTS, MetricKey.HEAD_TO_HEAD, MetricKey.GOAL_DIFFERENCE,
                      MetricKey.GOALS_FOR),
}
SWISS_TIE_BREAK = (MetricKey.POINTS, MetricKey.BUCHHOLZ)


class _Reader:
    """Typed access to one table, every error naming the category and the key."""

    def __init__(self, where: str, table: Mapping[str, Any], prefix: str = "") -> None:
        self.where, self.table, self.prefix = where, table, prefix

    def fail(self, key: str, reason: str) -> RuleViolation:
        return RuleViolation(f"{self.where}: {self.prefix}{key}: {reason}")

    def only(self, allowed: set[str]) -> None:
        for key in sorted(self.table):
            if key not in allowed:
                raise self.fail(key, "unknown key (kunci tidak dikenal)")

    def text(self, key: str, default: str | None = None) -> str:
        value = self.table.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "required, a non-empty string" if value is None
                            else f"must be a non-empty string, got {value!r}")
        return value

    def integer(self, key: str, default: int | None, minimum: int) -> int | None:
        value = self.table.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(key, f"must be an integer >= {minimum}, got {value!r}")
        return value

    def required_integer(self, key: str, minimum: int) -> int:
        value = self.integer(key, None, minimum)
        if value is None:
            raise self.fail(key, f"required, an integer >= {minimum}")
        return value

    def optional_text(self, key: str) -> str:
        return self.text(key) if key in self.table else ""

    def flag(self, key: str, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, got {value!r}")
        return value

    def choice(self, key: str, enum: type[E], default: E | None = None) -> E:
        value = self.table.get(key, default)
        try:
            return enum(value)
        except ValueError:
            options = " | ".join(e.value for e in enum)
            raise self.fail(key, f"must be one of {options}, got {value!r}") from None

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(key, f"must be a list of strings, got {value!r}")
        if len(set(value)) != len(value):
            raise self.fail(key, "lists a value more than once")
        return tuple(value)

    def sub(self, key: str) -> _Reader:
        value = self.table.get(key, {})
        if not isinstance(value, Mapping):
            raise self.fail(key, f"must be a table, got {value!r}")
        return _Reader(self.where, value, f"{self.prefix}{key}.")


def parse_category(options: Mapping[str, Any]) -> CategoryConfig:
    """Check one ``[[category]]`` table and return its frozen config."""
    slug = options.get("slug")
    where = f"category {slug!r}" if isinstance(slug, str) else "category"
    read = _Reader(where, options)
    slug, name = read.text("slug"), read.text("name")
    fmt = read.choice("format", Format)
    read.only(COMMON_KEYS | FORMAT_KEYS[fmt])
    size_min, size_max = _team_size(read)
    common = {"slug": slug, "name": name, "format": fmt, "levels": read.strings("levels"),
              "team_size_min": size_min, "team_size_max": size_max, **_registration(read),
              **_fair_play(read)}
    if fmt is Format.TIMED:
        return CategoryConfig(**common, timed=_timed(read))
    if fmt is Format.MATCH:
        return CategoryConfig(**common, match=_match(read))
    return CategoryConfig(**common, judged=_judged(read))


def _registration(read: _Reader) -> dict[str, Any]:
    """`capacity` and `registration_closes` (judging.registration checks them)."""
    out: dict[str, Any] = {}
    try:
        if "capacity" in read.table:
            out["capacity"] = check_capacity(read.table["capacity"])
        if "registration_closes" in read.table:
            out["registration_closes"] = parse_deadline(read.table["registration_closes"])
    except Refusal as exc:
        key, _, reason = str(exc).partition(": ")
        raise read.fail(key, reason) from None
    return out


def _fair_play(read: _Reader) -> dict[str, Any]:
    """`inspection` (a checklist), `protest_window_min` and `harapan` places."""
    out: dict[str, Any] = {
        "protest_window_min": read.integer("protest_window_min", DEFAULT_PROTEST_WINDOW_MIN, 0),
        "harapan": read.integer("harapan", 0, 0)}
    if "inspection" in read.table:
        try:
            out["inspection"] = parse_checklist(read.table["inspection"])
        except RuleViolation as exc:
            key, _, reason = str(exc).partition(": ")
            raise read.fail(key, reason) from None
    return out


def _team_size(read: _Reader) -> tuple[int, int | None]:
    value = read.table.get("team_size")
    if value is None:
        return 1, None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return 1, value
    if (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            and 1 <= value[0] <= value[1]):
        return value[0], value[1]
    raise read.fail("team_size", f"must be a number >= 1 or [min, max], got {value!r}")


def _timed(read: _Reader) -> TimedConfig:
    penalties_table = read.sub("penalties")
    penalties = tuple(
        Penalty(key, penalties_table.required_integer(key, 0) * 1_000_000)
        for key in sorted(penalties_table.table))
    attempts = read.integer("attempts", DEFAULT_ATTEMPTS, 1)
    ranking = read.choice("ranking", RankingMethod, RankingMethod.best)
    best_n = read.integer("best_n", None, 1)
    if ranking is RankingMethod.best and best_n is not None:
        raise read.fail("best_n", 'only with ranking = "sum_best_n" or "average_best_n"')
    if ranking is not RankingMethod.best and best_n is None:
        raise read.fail("best_n", f"required with ranking = {ranking.value!r}: how many best "
                        "finished attempts count")
    if best_n is not None and best_n > attempts:
        raise read.fail("best_n", f"must be at most attempts ({attempts}), got {best_n}")
    return TimedConfig(
        track=read.text("track"),
        attempts=attempts,
        time_limit_s=read.integer("time_limit_s", None, 1),
        ranking=ranking,
        penalties=penalties,
        best_n=best_n,
    )


def _match(read: _Reader) -> MatchConfig:
    kind = read.choice("match", MatchKind)
    bracket = read.choice("bracket", BracketType)
    for key, brackets in BRACKET_KEYS.items():
        if key in read.table and bracket not in brackets:
            allowed = ", ".join(sorted(b.value for b in brackets))
            raise read.fail(key, f"only for {allowed}, not {bracket}")
    for key, owner in (("sumo", MatchKind.SUMO), ("soccer", MatchKind.SOCCER)):
        if key in read.table and kind is not owner:
            raise read.fail(key, f"only for match = {owner.value!r}")
    groups = read.integer("groups", None, 1)
    if bracket is BracketType.GROUPS_KNOCKOUT and groups is None:
        raise read.fail("groups", "required for groups_knockout")
    best_of = read.integer("best_of", 1, 1)
    if best_of % 2 == 0:
        raise read.fail("best_of", f"must be odd, got {best_of}")
    seeding = read.choice("seeding", SeedingMethod, SeedingMethod.RANK)
    seeding_seed = read.optional_text("seeding_seed")
    if seeding is SeedingMethod.RANDOM and not seeding_seed:
        raise read.fail("seeding_seed", "required when seeding = 'random' (record the seed)")
    legs = read.integer("legs", 1, 1)
    if legs > 2:
        raise read.fail("legs", f"must be 1 or 2, got {legs}")
    return MatchConfig(
        kind=kind, bracket=bracket,
        seeding=seeding, seeding_seed=seeding_seed,
        separate_institutions=read.flag("separate_institutions", True),
        third_place=read.flag("third_place", False),
        grand_final=read.choice("grand_final", GrandFinal, GrandFinal.RESET),
        legs=legs, swiss_rounds=read.integer("swiss_rounds", None, 1), groups=groups,
        advance_per_group=read.integer("advance_per_group", 2, 1), best_of=best_of,
        standings=_standings(read, kind, bracket),
        sumo=_sumo(read.sub("sumo")) if kind is MatchKind.SUMO else None,
        soccer=_soccer(read.sub("soccer")) if kind is MatchKind.SOCCER else None,
    )


def _standings(read: _Reader, kind: MatchKind, bracket: BracketType) -> StandingsRules:
    default = SWISS_TIE_BREAK if bracket is BracketType.SWISS else DEFAULT_TIE_BREAK[kind]
    names = read.strings("tie_break") if "tie_break" in read.table else default
    precedence = []
    for name in names:
        try:
            precedence.append(MetricKey(name))
        except ValueError:
            options = " | ".join(m.value for m in MetricKey)
            raise read.fail("tie_break", f"unknown metric {name!r}; one of {options}") from None
    points = read.sub("points")
    points.only({"win", "draw", "loss", "bye"})
    win = points.integer("win", 3, 0)
    scheme = PointsScheme(win=win, draw=points.integer("draw", 1, 0),
                          loss=points.integer("loss", 0, 0), bye=points.integer("bye", win, 0))
    lots_seed = read.optional_text("lots_seed")
    if MetricKey.LOTS in precedence and not lots_seed:
        raise read.fail("lots_seed", "required when tie_break includes lots (record the seed)")
    return StandingsRules(points=scheme, precedence=tuple(precedence),
                          goal_difference_cap=read.integer("goal_difference_cap", None, 1),
                          lots_seed=lots_seed)


def _sumo(read: _Reader) -> SumoRules:
    read.only({"yuko_to_win", "max_rounds", "round_time_s", "extension_time_s",
               "warnings_per_yuko"})
    default = SumoRules()
    return SumoRules(
        yuko_to_win=read.integer("yuko_to_win", default.yuko_to_win, 1),
        max_rounds=read.integer("max_rounds", default.max_rounds, 1),
        round_time_s=read.integer("round_time_s", default.round_time_s, 1),
        extension_time_s=read.integer("extension_time_s", default.extension_time_s, 0),
        warnings_per_yuko=read.integer("warnings_per_yuko", default.warnings_per_yuko, 1),
    )


def _soccer(read: _Reader) -> SoccerRules:
    read.only({"half_time_s", "extra_time_s", "knockout_tie_break", "mercy_difference"})
    default = SoccerRules()
    mercy = read.table.get("mercy_difference", default.mercy_difference)
    if mercy is not False:
        mercy = read.integer("mercy_difference", default.mercy_difference, 1)
    return SoccerRules(
        half_time_s=read.integer("half_time_s", default.half_time_s, 1),
        extra_time_s=read.integer("extra_time_s", default.extra_time_s, 0),
        knockout_tie_break=read.choice("knockout_tie_break", KnockoutTieBreak,
                                       default.knockout_tie_break),
        mercy_difference=None if mercy is False else mercy,
    )


def _criteria(read: _Reader) -> tuple[Criterion, ...]:
    value = read.table.get("criteria")
    if not isinstance(value, Sequence) or isinstance(value, str) or not value:
        raise read.fail("criteria", "required, a non-empty list of tables")
    criteria = []
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise read.fail(f"criteria[{index}]", f"must be a table, got {item!r}")
        line = _Reader(read.where, item, f"criteria[{index}].")
        line.only({"key", "name", "weight", "max"})
        criteria.append(Criterion(line.text("key"), line.text("name"),
                                  line.required_integer("weight", 1),
                                  line.required_integer("max", 1)))
    keys = [c.key for c in criteria]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise read.fail("criteria", f"key {', '.join(duplicates)} used more than once")
    return tuple(criteria)


def _judged(read: _Reader) -> RubricRules:
    criteria = _criteria(read)
    tie_break = read.strings("tie_break")
    unknown = [k for k in tie_break if k not in {c.key for c in criteria}]
    if unknown:
        raise read.fail("tie_break", f"unknown criterion {', '.join(unknown)}")
    return RubricRules(
        criteria=criteria,
        judges_required=read.integer("judges", 1, 1),
        aggregation=read.choice("aggregation", Aggregation, Aggregation.MEAN),
        trim_min_judges=read.integer("trim_min_judges", 5, 3),
        normalisation=read.choice("normalisation", Normalisation, Normalisation.NONE),
        tie_break=tie_break,
    )
