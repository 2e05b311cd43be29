"""From the stored championship to the schedule's `Problem`, and what already happened.

Every attempt of every timed team, every bracket match whose two teams are known, and
every interview of a judged category is a `judging.schedule.Need`, for the teams that
may compete (a category with an inspection checklist: those that passed; the others are
`Built.waiting`, with the reason). What already
happened (a run armed, a match result, a score sheet) is a fact: it is never planned
again, and it stays where it was (`Fixed`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from judging.brackets import MatchStatus
from judging.schedule import DAY, Fixed, Need, Problem
from judging.schedule_config import DEFAULT_KIND, DEFAULT_SLOT_MIN, Calendar, Place
from scoreboard.errors import Conflict, Invalid
from scoreboard.models import Category, Event, MatchRecord, Run, ScoreSheetVersion, Team, Track
from scoreboard.models.schedule import Place as PlaceRow
from scoreboard.models.schedule import ScheduleCalendar
from scoreboard.services import inspection
from scoreboard.services.category_config import timed_config
from scoreboard.services.event_file_schedule import calendar_of
from scoreboard.services.matches_state import load_view

RUNNING = {"armed", "running", "review"}


@dataclass
class Fact:
    """What happened to one slot: `running` or `done`, with local wall-clock times."""

    status: str
    start: datetime | None = None
    end: datetime | None = None
    place: str | None = None


@dataclass
class Meta:
    """What a stored slot row needs beyond the rules' view."""

    category_id: int
    kind: str
    ref: str
    teams: tuple[str, ...]


@dataclass
class Built:
    problem: Problem
    meta: dict[str, Meta] = field(default_factory=dict)
    facts: dict[str, Fact] = field(default_factory=dict)
    # team code -> its inspection status (not_inspected, failed): it gets no slot
    waiting: dict[str, str] = field(default_factory=dict)


def local(moment: datetime | None) -> datetime | None:
    """A stored UTC record time as the venue's local wall-clock time (naive)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().replace(tzinfo=None, microsecond=0)


def to_minute(calendar: Calendar, moment: datetime) -> int | None:
    """Absolute schedule minute of a local time, or None on a day outside the calendar."""
    if moment.date() not in calendar.days:
        return None
    return calendar.days.index(moment.date()) * DAY + moment.hour * 60 + moment.minute


def to_local(calendar: Calendar, minute: int) -> datetime:
    day = calendar.days[minute // DAY]
    return datetime(day.year, day.month, day.day) + timedelta(minutes=minute % DAY)


def now_minute(calendar: Calendar, now: datetime) -> int:
    """The earliest minute a re-plan may use: now, or the first day if it is still ahead."""
    if now.date() < calendar.days[0]:
        return 0
    later = [i for i, d in enumerate(calendar.days) if d >= now.date()]
    if not later:
        return len(calendar.days) * DAY
    if calendar.days[later[0]] > now.date():
        return later[0] * DAY
    return later[0] * DAY + now.hour * 60 + now.minute + (1 if now.second else 0)


def load_calendar(session: Session) -> Calendar:
    row = session.scalar(select(ScheduleCalendar).order_by(ScheduleCalendar.id))
    if row is None:
        # the request is well formed; the event's state refuses it (409, as documented)
        raise Conflict("schedule: the event file has no [schedule] table (days and hours)")
    return calendar_of(row)


def load_places(session: Session) -> list[Place]:
    tracks = [Place(t.slug, t.name, "track") for t in session.scalars(select(Track)
                                                                       .order_by(Track.id))]
    return tracks + [Place(p.slug, p.name, p.kind) for p in session.scalars(
        select(PlaceRow).order_by(PlaceRow.id))]


def _rules(category: Category) -> dict:
    found = dict((category.options or {}).get("schedule") or {})
    found.setdefault("slot_min", DEFAULT_SLOT_MIN[category.format])
    found.setdefault("sessions", 1)
    found.setdefault("rest_min", 0)
    found.setdefault("days", {})
    found.setdefault("kind", DEFAULT_KIND[category.format])
    found.setdefault("places", [])
    return found


def _days(rules: dict, level: str, calendar: Calendar) -> tuple[int, ...]:
    days = rules["days"].get(level, rules["days"].get(""))
    if days is None:
        return tuple(range(len(calendar.days)))
    known = [date.fromisoformat(d) for d in days]
    return tuple(calendar.days.index(d) for d in known if d in calendar.days)


def _pupils(teams: list[Team]) -> dict[str, tuple[str, ...]]:
    """A pupil in more than one team (same name, same institution) must not be in two
    places at once; pupils in one team only are covered by their team."""
    key = {t.code: [f"{t.institution.strip().lower()}|{m.strip().lower()}"
                    for m in (t.members or []) if m.strip()] for t in teams}
    count = Counter(p for people in key.values() for p in set(people))
    return {code: tuple(sorted({p for p in people if count[p] > 1}))
            for code, people in key.items()}


def build(session: Session, now: datetime,
          previous: dict[str, tuple[str, datetime]] | None = None) -> Built:
    """The `Problem` of the whole championship as it stands at local time `now`
    (`previous`: slot key -> (place, start) in the schedule so far, for what happened
    where the facts name no place or no time within the schedule's days)."""
    calendar = load_calendar(session)
    places = load_places(session)
    teams = list(session.scalars(select(Team).order_by(Team.code)))
    pupils = _pupils(teams)
    by_category: dict[int, list[Team]] = defaultdict(list)
    for team in teams:
        by_category[team.category_id].append(team)
    out = Built(Problem(calendar, tuple(places), ()))
    needs: list[Need] = []
    not_before = now_minute(calendar, now)
    event = session.scalar(select(Event).order_by(Event.id))
    categories = event.categories if event is not None else []
    for category in sorted(categories, key=lambda c: c.id):
        rules = _rules(category)
        allowed = tuple(rules["places"]) or tuple(
            p.slug for p in places if p.kind == rules["kind"])
        if category.format == "timed":
            allowed = (category.track.slug,) if category.track else ()
        waiting = inspection.waiting(session, category, by_category[category.id])
        out.waiting.update(waiting)
        members = [t for t in by_category[category.id] if t.code not in waiting]
        if category.format == "timed":
            made = _attempts(category, rules, members, allowed, calendar, pupils)
        elif category.format == "match":
            made = _matches(session, category, rules, members, allowed, calendar, pupils)
        else:
            made = _interviews(category, rules, members, allowed, calendar, pupils)
        for need, meta in made:
            needs.append(Need(**{**need.__dict__, "not_before": not_before}))
            out.meta[need.key] = meta
    out.facts = happened(session, calendar)
    fixed, open_needs = _split(calendar, needs, out.facts, previous or {})
    out.problem = Problem(calendar, tuple(places), tuple(open_needs), tuple(fixed))
    return out


def _attempts(category, rules, teams, allowed, calendar, pupils):
    sessions, attempts = rules["sessions"], timed_config(category).attempts
    for team in teams:
        days = _days(rules, team.level, calendar)
        for k in range(1, attempts + 1):
            session_no = (k - 1) * sessions // attempts + 1 if sessions > 1 else 0
            key = f"{category.slug}/{team.code}/{k}"
            yield (Need(key, category.slug, "attempt", (team.code,), allowed,
                        rules["slot_min"], days, rules["rest_min"], session_no, k,
                        pupils.get(team.code, ())),
                   Meta(category.id, "attempt", str(k), (team.code,)))


def _matches(session, category, rules, teams, allowed, calendar, pupils):

    try:
        view = load_view(session, category.slug)
    except Invalid:
        return
    if not view.published:
        return  # a draft draw may still change: its matches are not known yet
    levels = {t.code: t.level for t in teams}
    for part in view.parts:
        for match in part.state.matches:
            if match.status not in (MatchStatus.READY, MatchStatus.DONE):
                continue
            if not match.home or not match.away:
                continue
            if match.status is MatchStatus.READY and not {match.home, match.away} <= set(levels):
                continue  # a team failed a re-inspection after the draw: not until it passes
            pair = (match.home, match.away)
            days = set(_days(rules, levels.get(pair[0], ""), calendar))
            days &= set(_days(rules, levels.get(pair[1], ""), calendar))
            key = f"{category.slug}/{match.match_id}"
            yield (Need(key, category.slug, "match", pair, allowed, rules["slot_min"],
                        tuple(sorted(days)), rules["rest_min"],
                        pupils=tuple(sorted(set(pupils.get(pair[0], ())
                                                + pupils.get(pair[1], ()))))),
                   Meta(category.id, "match", match.match_id, pair))


def _interviews(category, rules, teams, allowed, calendar, pupils):
    for team in teams:
        key = f"{category.slug}/{team.code}"
        yield (Need(key, category.slug, "interview", (team.code,), allowed, rules["slot_min"],
                    _days(rules, team.level, calendar), rules["rest_min"],
                    pupils=pupils.get(team.code, ())),
               Meta(category.id, "interview", "", (team.code,)))


def happened(session: Session, calendar: Calendar | None = None) -> dict[str, Fact]:
    """Slot key -> what happened: runs armed, matches decided, teams scored."""
    facts: dict[str, Fact] = {}
    rows = session.execute(select(Run, Category.slug, Team.code, Track.slug)
                           .join(Category, Run.category_id == Category.id)
                           .join(Team, Run.team_id == Team.id)
                           .join(Track, Run.track_id == Track.id))
    for run, category, team, track in rows:
        start = local(run.armed_at)
        end = None
        if run.started_server_us and run.elapsed_us is not None:
            end = local(datetime.fromtimestamp(
                (run.started_server_us + run.elapsed_us) / 1e6, UTC))
        status = "running" if run.status in RUNNING else "done"
        facts[f"{category}/{team}/{run.attempt}"] = Fact(status, start, end, track)
    for record, category in session.execute(
            select(MatchRecord, Category.slug).join(Category)
            .order_by(MatchRecord.version)):
        key = f"{category}/{record.match_id}"
        if record.result is None:
            facts.pop(key, None)  # a voided result: the match is still to be played
        else:
            facts[key] = Fact("done", None, local(record.at))
    for sheet, category, team in session.execute(
            select(ScoreSheetVersion, Category.slug, Team.code)
            .join(Category, ScoreSheetVersion.category_id == Category.id)
            .join(Team, ScoreSheetVersion.team_id == Team.id)
            .order_by(ScoreSheetVersion.created_at)):
        facts.setdefault(f"{category}/{team}", Fact("done", None, local(sheet.created_at)))
    return facts


def _split(calendar: Calendar, needs: list[Need], facts: dict[str, Fact],
           previous: dict[str, tuple[str, datetime]]) -> tuple[list[Fixed], list[Need]]:
    """Needs that happened become fixed slots at their measured time; the rest is open."""
    fixed, open_needs = [], []
    for need in needs:
        fact = facts.get(need.key)
        if fact is None:
            open_needs.append(need)
            continue
        moment = fact.start or (fact.end - timedelta(minutes=need.length) if fact.end else None)
        minute = to_minute(calendar, moment) if moment else None
        planned = previous.get(need.key)
        if minute is None and planned is not None:  # happened off the calendar: keep its slot
            minute = to_minute(calendar, planned[1])
        place = fact.place or (planned[0] if planned else None) or next(iter(need.places), None)
        if minute is None or place is None:
            continue  # it happened outside the schedule's days: nothing to keep a place for
        fixed.append(Fixed(need.key, need.category, place, minute,
                           minute + need.length, need.teams, need.pupils, need.rest,
                           need.session, need.order))
    return fixed, open_needs
