"""The whole `kejurda schedule generate` path for a Blitar-size championship on SQLite:
event file and 1,000 teams loaded, match draws published, then the problem built from
the stored rows, solved, checked and stored as a version (goal <= 60 s in all).

The championship is the one of bench_schedule.py, written as an event file and a teams
CSV: 4 timed categories x 150 teams (3 attempts in 3 sessions), 2 sumo categories x 100
teams (one level each) in 20 groups of 5 (groups_knockout: the 400 group matches are known once the draw
is published), 2 judged categories x 100 teams; 3,000 pupils; 7 days; levels on 3 days each.

Run: python benchmarks/bench_schedule_db.py [--time-limit 40]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DAYS = [(date(2027, 7, 5) + timedelta(days=i)).isoformat() for i in range(7)]
LEVEL_DAYS = {"SD": DAYS[0:3], "SMP": DAYS[2:5], "SMA": DAYS[4:7]}


def event_file() -> str:
    days = ", ".join(f'{level} = {list(d)}'.replace("'", '"') for level, d in LEVEL_DAYS.items())
    out = ['[event]\nname = "Bench"\nslug = "bench"\n',
           f'[schedule]\ndays = {DAYS}\nday_start = "08:00"\nday_end = "16:00"\n'
           'breaks = [ { start = "12:00", end = "13:00" } ]\n'.replace("'", '"')]
    for i in range(4):
        out.append(f'[[track]]\nslug = "lintasan-{i}"\nname = "Lintasan {i}"\n'
                   f'start = {{ source = "dev-{i}", gate = 0 }}\nfinish = {{ source = "dev-{i}", gate = 1 }}\n')
    for i in range(2):
        out.append(f'[[place]]\nslug = "ring-{i}"\nname = "Ring {i}"\nkind = "ring"\n')
    for i in range(3):
        out.append(f'[[place]]\nslug = "ruang-{i}"\nname = "Ruang {i}"\nkind = "judging_room"\n')
    for i in range(4):
        out.append(f'[[category]]\nslug = "lf-{i}"\nname = "LF {i}"\nformat = "timed"\n'
                   f'track = "lintasan-{i}"\nattempts = 3\n'
                   f'schedule = {{ slot_min = 4, sessions = 3, rest_min = 10, days = {{ {days} }} }}\n')
    for i in range(2):
        out.append(f'[[category]]\nslug = "sumo-{i}"\nname = "Sumo {i}"\nformat = "match"\n'
                   'match = "sumo"\nbracket = "groups_knockout"\ngroups = 20\n'
                   f'schedule = {{ slot_min = 6, rest_min = 10, days = {{ {days} }} }}\n')
    for i in range(2):
        out.append(f'[[category]]\nslug = "kreatif-{i}"\nname = "Kreatif {i}"\nformat = "judged"\n'
                   'criteria = [ { key = "k", name = "K", weight = 1, max = 10 } ]\n'
                   f'schedule = {{ slot_min = 15, days = {{ {days} }} }}\n')
    return "\n".join(out)


def teams_csv(seed: int) -> str:
    rnd = random.Random(seed)
    cats = [f"lf-{i}" for i in range(4) for _ in range(150)]
    cats += [f"sumo-{i}" for i in range(2) for _ in range(100)]
    cats += [f"kreatif-{i}" for i in range(2) for _ in range(100)]
    rows = ["code,name,institution,category,level,members,contact"]
    pupils = [f"Murid {n:04d}" for n in range(3000)]
    for n, cat in enumerate(cats):
        school = f"Sekolah {n % 120}"
        members = pupils[3 * n:3 * n + 3]
        if rnd.random() < 0.15:  # a pupil of the same school also in another team
            members[0] = pupils[3 * rnd.randrange(n - n % 120, n + 1)]
        # a match category is one level (Sumo SMA): two teams of a match share its days
        level = {"sumo-0": "SMP", "sumo-1": "SMA"}.get(cat) or rnd.choice(list(LEVEL_DAYS))
        rows.append(f"T-{n:04d},Tim {n},{school},{cat},{level},{';'.join(members)},")
    return "\n".join(rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-limit", type=float, default=40.0)
    args = parser.parse_args()
    from scoreboard.db import Database
    from scoreboard.services import matches, schedule
    from scoreboard.services.event_file import load_event
    from scoreboard.services.teams_csv import import_teams

    folder = Path(tempfile.mkdtemp(prefix="bench-schedule-"))
    (folder / "event.toml").write_text(event_file(), encoding="utf-8")
    (folder / "teams.csv").write_text(teams_csv(2026), encoding="utf-8")
    db = Database(f"sqlite:///{folder / 'bench.db'}")
    began = time.monotonic()
    with db.transaction() as session:
        load_event(session, folder / "event.toml")
    with db.transaction() as session:
        import_teams(session, folder / "teams.csv")
    with db.transaction() as session:
        for slug in ("sumo-0", "sumo-1"):
            matches.generate_draw(session, slug, "bench")
            matches.publish_draw(session, slug, "bench")
    print(f"setup (event, 1,000 teams, 2 draws): {time.monotonic() - began:.1f} s")
    began = time.monotonic()
    with db.transaction() as session:
        version = schedule.generate(session, "bench", now=datetime(2027, 7, 5, 7, 0),
                                    time_limit_s=args.time_limit)
        report = dict(version.report)
    total = time.monotonic() - began
    print(f"kejurda schedule generate path: {total:.1f} s (goal <= 60 s); solver part "
          f"{report['seconds']} s")
    reasons: dict[str, int] = {}
    for why in report["impossible"].values():
        reasons[why] = reasons.get(why, 0) + 1
    print(f"placed {report['placed']}, impossible {len(report['impossible'])} {reasons}, "
          f"length {report['span']} vs lower bound {report['lower_bound']}: "
          f"ratio {report['ratio']}")
    began = time.monotonic()
    with db.transaction() as session:
        rows = schedule.rows(session)
    print(f"GET /api/v1/schedule (all {len(rows)} rows, live ETAs): "
          f"{time.monotonic() - began:.2f} s")
    began = time.monotonic()
    with db.transaction() as session:  # what every match result costs: is a match new?
        schedule.extend(session, "bench")
    print(f"extend after a match result (nothing new): {time.monotonic() - began:.2f} s")
    db.dispose()


if __name__ == "__main__":
    main()
