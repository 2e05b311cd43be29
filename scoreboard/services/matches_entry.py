"""What a referee sends for one match, turned into a `judging.match.MatchResult`.

The body's shape depends on the category's match kind (docs/engine.md §5-7); the rules
themselves (Yuko, mercy, shoot-outs, series) are judging's. A bad field is an `Invalid`
naming it; a result the rules reject is a `RuleViolation` (both 422).
"""

from __future__ import annotations

from typing import Any

from judging.categories import MatchConfig, MatchKind
from judging.match import MatchResult, score_match, walkover
from judging.series import series_result
from judging.soccer import SoccerScore, soccer_result
from judging.sumo import Phase, RoundEnd, SumoRound, bout_state, sumo_result
from scoreboard.errors import Invalid

ENVELOPE = {"expected_version", "idempotency_key", "reason", "void", "walkover"}
FIELDS = {
    MatchKind.SCORE: {"home_score", "away_score", "home_fouls", "away_fouls"},
    MatchKind.SUMO: {"rounds", "judges_decision", "home_yuko", "away_yuko"},
    MatchKind.SOCCER: {"home_first", "away_first", "home_second", "away_second",
                       "home_goals", "away_goals", "home_score", "away_score",
                       "golden_goal", "shootout",
                       "home_shootout", "away_shootout", "home_fouls", "away_fouls"},
}
SIDES = ("home", "away")
# a round may also be written as one word: "home" (a Yuko to home), "away", "time_up", ...
ROUND_WORDS = {**{e.value: e for e in RoundEnd}, "home": RoundEnd.HOME_YUKO,
               "away": RoundEnd.AWAY_YUKO}
MOST = 1000  # no robot match scores more; keeps absurd numbers out of the database


def check_fields(config: MatchConfig, body: dict[str, Any]) -> None:
    """Refuse fields this category's matches do not have (a typo must not pass as 0)."""
    allowed = ENVELOPE | (FIELDS[config.kind] if config.best_of == 1 else {"games"})
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise Invalid(f"{unknown[0]}: not a field of a {config.kind} match "
                      f"(allowed: {', '.join(sorted(allowed))})")


def count(body: dict[str, Any], key: str, default: int | None = 0, where: str = "") -> int:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MOST:
        raise Invalid(f"{where}{key}: an integer from 0 to {MOST}")
    return value


def side(body: dict[str, Any], key: str, where: str = "") -> str | None:
    value = body.get(key)
    if value is not None and value not in SIDES:
        raise Invalid(f"{where}{key}: 'home' or 'away'")
    return value


def build_result(config: MatchConfig, match_id: str, home: str, away: str,
                 body: dict[str, Any], *, knockout: bool) -> MatchResult:
    """The stored result for ``match_id`` between ``home`` and ``away`` from the body."""
    if body.get("walkover") is not None:
        winner = side(body, "walkover")
        return walkover(match_id, home, away, home if winner == "home" else away)
    if config.best_of == 1:
        return _one(config, match_id, home, away, body, knockout=knockout, where="")
    games = body.get("games")
    if not isinstance(games, list) or not 1 <= len(games) <= config.best_of * 3:
        raise Invalid(f"games: a list of the series' games (best of {config.best_of})")
    results = []
    for n, game in enumerate(games, start=1):
        where = f"games[{n - 1}]."
        if not isinstance(game, dict):
            raise Invalid(f"games[{n - 1}]: an object")
        unknown = sorted(set(game) - FIELDS[config.kind])
        if unknown:
            raise Invalid(f"{where}{unknown[0]}: not a field of a {config.kind} game")
        # a drawn game decides nothing and is replayed, so a game may end level
        results.append(_one(config, f"{match_id}-G{n}", home, away, game, knockout=False,
                            where=where))
    return series_result(match_id, home, away, config.best_of, results)


def _one(config: MatchConfig, match_id: str, home: str, away: str, body: dict[str, Any], *,
         knockout: bool, where: str) -> MatchResult:
    if config.kind is MatchKind.SUMO:
        return _sumo(config, match_id, home, away, body, where)
    if config.kind is MatchKind.SOCCER:
        return soccer_result(match_id, home, away, config.soccer, _soccer(body, where),
                             knockout=knockout)
    for key in ("home_score", "away_score"):
        if key not in body:
            raise Invalid(f"{where}{key}: required, an integer from 0 to {MOST}")
    return score_match(match_id, home, away, count(body, "home_score", where=where),
                       count(body, "away_score", where=where), draw_allowed=not knockout,
                       home_fouls=count(body, "home_fouls", where=where),
                       away_fouls=count(body, "away_fouls", where=where))


def _sumo(config: MatchConfig, match_id: str, home: str, away: str, body: dict[str, Any],
          where: str) -> MatchResult:
    judges = side(body, "judges_decision", where)
    if "rounds" in body:
        rounds = _rounds(body["rounds"], where)
    elif "home_yuko" in body or "away_yuko" in body:
        rounds = _rounds_from_yuko(config, count(body, "home_yuko", where=where),
                                   count(body, "away_yuko", where=where))
    else:
        raise Invalid(f"{where}rounds: required, the bout's rounds "
                      "[{\"end\": \"home_yuko\"|\"away_yuko\"|\"time_up\"|\"rematch\"}, ...]")
    return sumo_result(match_id, home, away, config.sumo, rounds, judges)


def _rounds(value: Any, where: str) -> list[SumoRound]:
    if not isinstance(value, list) or not 1 <= len(value) <= 50:
        raise Invalid(f"{where}rounds: a list of 1 to 50 rounds")
    return [_round(rnd, f"{where}rounds[{i}]") for i, rnd in enumerate(value)]


def _round(rnd: Any, at: str) -> SumoRound:
    """``{"end": "home_yuko", "home_warnings": 0, ...}``, ``{"yuko": "home"}`` or ``"home"``."""
    ends = ", ".join(e.value for e in RoundEnd)
    if isinstance(rnd, str):
        rnd = {"end": rnd}
    if not isinstance(rnd, dict):
        raise Invalid(f"{at}: a round, e.g. {{\"end\": \"home_yuko\"}}")
    if "yuko" in rnd and "end" not in rnd:
        yuko = side(rnd, "yuko", f"{at}.")
        rnd = {**{k: v for k, v in rnd.items() if k != "yuko"},
               "end": f"{yuko}_yuko" if yuko else RoundEnd.TIME_UP.value}
    end = rnd.get("end")
    if not isinstance(end, str) or end not in ROUND_WORDS:
        raise Invalid(f"{at}.end: one of {ends}")
    unknown = sorted(set(rnd) - {"end", "home_warnings", "away_warnings"})
    if unknown:
        raise Invalid(f"{at}.{unknown[0]}: not a field of a round")
    return SumoRound(ROUND_WORDS[end], count(rnd, "home_warnings", where=f"{at}."),
                     count(rnd, "away_warnings", where=f"{at}."))


def _rounds_from_yuko(config: MatchConfig, home: int, away: int) -> list[SumoRound]:
    """A bout given as its final Yuko count: the loser's Yuko first, then the winner's,
    then rounds that ran out of time until the bout is over (so 3-0 is refused by the rules)."""
    first, last = (RoundEnd.AWAY_YUKO, RoundEnd.HOME_YUKO) if home >= away else (
        RoundEnd.HOME_YUKO, RoundEnd.AWAY_YUKO)
    low, high = min(home, away), max(home, away)
    rounds = [SumoRound(first)] * low + [SumoRound(last)] * high
    while len(rounds) < 50 and bout_state(config.sumo, rounds).phase is Phase.ROUND:
        rounds.append(SumoRound(RoundEnd.TIME_UP))
    return rounds


def _soccer(body: dict[str, Any], where: str) -> SoccerScore:
    totals = next((keys for keys in (("home_goals", "away_goals"), ("home_score", "away_score"))
                   if keys[0] in body or keys[1] in body), None)
    if totals is not None:
        if any(k in body for k in ("home_first", "away_first", "home_second", "away_second",
                                   "home_goals", "away_goals", "home_score", "away_score")
               if k not in totals):
            raise Invalid(f"{where}{totals[0]}: give the goals one way only: home_goals and "
                          "away_goals, home_score and away_score, or per half")
        for key in totals:
            if key not in body:
                raise Invalid(f"{where}{key}: required, goals in the match")
        halves = (count(body, totals[0], where=where), count(body, totals[1], where=where),
                  0, 0)
    else:
        for key in ("home_first", "away_first"):
            if key not in body:
                raise Invalid(f"{where}{key}: required, goals in the first half")
        halves = tuple(count(body, k, where=where)
                       for k in ("home_first", "away_first", "home_second", "away_second"))
    return SoccerScore(*halves, golden_goal=side(body, "golden_goal", where),
                       shootout=_shootout(body, where),
                       home_fouls=count(body, "home_fouls", where=where),
                       away_fouls=count(body, "away_fouls", where=where))


def _shootout(body: dict[str, Any], where: str) -> tuple[int, int] | None:
    value = body.get("shootout")
    if value is None and ("home_shootout" in body or "away_shootout" in body):
        value = [body.get("home_shootout"), body.get("away_shootout")]
    if value is None:
        return None
    if isinstance(value, dict):
        value = [value.get("home"), value.get("away")]
    if not isinstance(value, list) or len(value) != 2:
        raise Invalid(f"{where}shootout: [home, away] successful kicks")
    pair = {"home": value[0], "away": value[1]}
    return (count(pair, "home", where=f"{where}shootout."),
            count(pair, "away", where=f"{where}shootout."))
