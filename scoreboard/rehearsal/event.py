"""The rehearsal's championship: an event file with every format, and its teams."""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

# (slug, name, format, level, share of the teams)
CATEGORIES = (
    ("lf-sd", "Line Follower SD", "timed", "SD", 0.25),
    ("lf-smp", "Line Follower SMP", "timed", "SMP", 0.25),
    ("sumo-sma", "Robot Sumo SMA", "sumo", "SMA", 0.2),
    ("soccer-smp", "Robot Soccer SMP", "soccer", "SMP", 0.15),
    ("kreatif-sd", "Robot Kreatif SD", "judged", "SD", 0.15),
)
# the track of each timed category: the Pi path (a lap track on one GPIO gate) and the
# ESP32 path (start, checkpoint and finish on one board)
TRACKS = {"lf-sd": "lintasan-pi", "lf-smp": "lintasan-esp"}
TIMED_SOURCES = {"lintasan-pi": "pi-1", "lintasan-esp": "esp32-1"}
CRITERIA = (("inovasi", "Inovasi", 40), ("teknis", "Teknis", 40),
            ("presentasi", "Presentasi", 20))
SCHOOL_KIND = {"SD": "SDN", "SMP": "SMPN", "SMA": "SMAN"}
TOWNS = ("Blitar", "Sananwetan", "Kepanjenkidul", "Wlingi", "Srengat", "Kanigoro",
         "Talun", "Garum", "Nglegok", "Sutojayan", "Kademangan", "Wonodadi")
NAMES = ("Garuda", "Rajawali", "Penataran", "Arjuna", "Kilat", "Merapi", "Brantas",
         "Kelud", "Elang", "Satria", "Bima", "Gatotkaca")


@dataclass
class Plan:
    """What the rehearsal built: the category of every team and the sizes."""

    speed: float
    teams: dict[str, list[str]] = field(default_factory=dict)  # category -> team codes
    formats: dict[str, str] = field(default_factory=dict)       # category -> format/match
    links: dict[str, str] = field(default_factory=dict)         # team code -> private link
    members: dict[str, int] = field(default_factory=dict)       # team code -> pupils

    @property
    def team_count(self) -> int:
        return sum(len(codes) for codes in self.teams.values())


def split(total: int) -> dict[str, int]:
    """Teams per category: each category's share, at least 2 (a match needs two)."""
    counts = {slug: max(2, int(total * share)) for slug, _n, _f, _l, share in CATEGORIES}
    counts[CATEGORIES[0][0]] += max(0, total - sum(counts.values()))
    return counts


SIM_DNF_RATE = 0.05  # the simulated robots that stop on the track


def sim_scale(speed: float) -> str:
    """`--sim-scale` of the simulated agents at this speed (as the agent parses it)."""
    return f"{1 / speed:.6f}"


def time_limit_s(speed: float) -> int:
    """A timed run's limit at this speed: the slowest simulated robot (20 s) must fit."""
    return max(2, math.ceil(30 / speed))


def event_toml(days: int, speed: float, start: dt.date) -> str:
    """The event file: two tracks, rings, a field, judging rooms and a [schedule]."""
    min_run_ms = int(min(2000, 4000 / speed))
    dates = ", ".join(f'"{start + dt.timedelta(days=i)}"' for i in range(days))
    parts = ['[event]\nname = "Gladi Kejurda Robotik Kabupaten Blitar"\n'
             'slug = "gladi-kejurda-blitar"\nlanguage = "id"\n'
             'require_checkin = true\n',
             '[[track]]\nslug = "lintasan-pi"\nname = "Lintasan Pi (putaran)"\n'
             'start = { source = "pi-1", gate = 0 }\nfinish = { source = "pi-1", gate = 0 }\n'
             f'min_run_ms = {min_run_ms}\n',
             '[[track]]\nslug = "lintasan-esp"\nname = "Lintasan ESP32"\n'
             'start = { source = "esp32-1", gate = 0 }\n'
             'finish = { source = "esp32-1", gate = 1 }\n'
             'checkpoints = [ { source = "esp32-1", gate = 2 } ]\n'
             f'min_run_ms = {min_run_ms}\n']
    for slug, name, kind, level, _share in CATEGORIES:
        lines = [f'[[category]]\nslug = "{slug}"\nname = "{name}"\nlevels = ["{level}"]']
        if kind == "timed":
            lines.append(f'format = "timed"\ntrack = "{TRACKS[slug]}"\nattempts = 2\n'
                         f'time_limit_s = {time_limit_s(speed)}\n'
                         'schedule = { slot_min = 3, sessions = 2 }')
        elif kind == "judged":
            rows = ",\n  ".join(f'{{ key = "{k}", name = "{n}", weight = {w}, max = 100 }}'
                                for k, n, w in CRITERIA)
            lines.append(f'format = "judged"\ncriteria = [\n  {rows},\n]\n'
                         'schedule = { slot_min = 8 }')
        else:
            if kind == "sumo":
                lines.append('inspection = [ { key = "berat", name = "Berat", kind = "max", '
                             'limit = 3000, unit = "g" } ]')
            lines.append(f'format = "match"\nmatch = "{kind}"\n'
                         'bracket = "single_elimination"\nthird_place = true\n'
                         'schedule = { slot_min = 5 }')
        parts.append("\n".join(lines) + "\n")
    parts.append(f'[schedule]\ndays = [{dates}]\nday_start = "07:00"\nday_end = "18:00"\n'
                 'breaks = [ { start = "12:00", end = "13:00" } ]\n')
    for slug, name, kind in (("ring-1", "Ring Sumo 1", "ring"), ("ring-2", "Ring Sumo 2", "ring"),
                             ("lapangan-1", "Lapangan Soccer 1", "field"),
                             ("ruang-juri-1", "Ruang Juri 1", "judging_room"),
                             ("ruang-juri-2", "Ruang Juri 2", "judging_room")):
        parts.append(f'[[place]]\nslug = "{slug}"\nname = "{name}"\nkind = "{kind}"\n')
    return "\n".join(parts)


def build(folder: Path, teams: int, days: int, speed: float, seed: int
          ) -> tuple[Path, list[dict[str, str]], Plan]:
    """Write event.toml into `folder`; the roster is what each team types into `/daftar`."""
    rng = random.Random(f"kejurda-rehearsal:{seed}")
    plan = Plan(speed=speed)
    event = folder / "event.toml"
    event.write_text(event_toml(days, speed, dt.date(2027, 7, 5)), encoding="utf-8")
    roster = []
    for slug, _name, kind, level, _share in CATEGORIES:
        plan.formats[slug] = kind
        plan.teams[slug] = []
        for number in range(1, split(teams)[slug] + 1):
            school = f"{SCHOOL_KIND[level]} {rng.randint(1, 6)} {rng.choice(TOWNS)}"
            name = f"{rng.choice(NAMES)} {slug.upper()} {number}"
            roster.append({"name": name, "institution": school, "level": level,
                           "category": slug, "npsn": f"2051{rng.randint(0, 9999):04d}",
                           "members": f"Siswa {number} A;Siswa {number} B",
                           "contact": f"0812{rng.randint(10**7, 10**8 - 1)}"})
    with (folder / "roster.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(roster[0]))
        writer.writeheader()
        writer.writerows(roster)
    return event, roster, plan
