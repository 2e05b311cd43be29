"""The rehearsal from start to end: build, register, prepare, play, close, check."""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from scoreboard.rehearsal import checks, close, faults, people, play
from scoreboard.rehearsal import event as event_builder
from scoreboard.rehearsal.esp32 import Esp32Track
from scoreboard.rehearsal.venue import COMMANDS, RehearsalError, Venue, WifiProxy, kejurda
from scoreboard.rehearsal.viewers import Phones, ViewerRecord

log = logging.getLogger("kejurda.rehearsal")


@dataclass
class Options:
    """`kejurda rehearse`'s options."""

    teams: int = 40
    days: int = 2
    speed: float = 50.0
    faults: bool = False
    viewers: int = 5
    seed: int = 1
    folder: Path = Path(".")


@dataclass
class Rehearsal:
    """One rehearsal's state, shared by its steps and by the checks."""

    options: Options
    venue: Venue
    plan: event_builder.Plan | None = None
    ledger: play.Ledger = field(default_factory=play.Ledger)
    phones: Phones | None = None  # the viewers' own process (scoreboard.rehearsal.viewers)
    viewers: list[ViewerRecord] = field(default_factory=list)  # what each saw, at the end
    faults: list[str] = field(default_factory=list)
    proxy: WifiProxy | None = None
    head_judge: people.Browser | None = None
    judges: dict[str, people.Browser] = field(default_factory=dict)
    steps: list[tuple[str, float]] = field(default_factory=list)
    protest_id: int | None = None
    agent_kills: list[float] = field(default_factory=list)  # monotonic moments
    esp32: Any = None  # the ESP32 track (scoreboard.rehearsal.esp32.Esp32Track)
    medals: list[dict] = field(default_factory=list)
    certificate_pages: int = 0
    team_certificates: dict[str, bool] = field(default_factory=dict)

    def say(self, text: str) -> None:
        print(f"rehearsal: {text}", flush=True)

    def step(self, name: str, started: float) -> None:
        took = time.monotonic() - started
        self.steps.append((name, took))
        self.say(f"{name} ({took:.1f} s)")


def prepare(r: Rehearsal) -> None:
    """The event file loaded, the teams registered, approved, checked in and inspected,
    the schedule generated."""
    o, v = r.options, r.venue
    t0 = time.monotonic()
    event_file, roster, r.plan = event_builder.build(o.folder, o.teams, o.days, o.speed, o.seed)
    kejurda("event", "load", str(event_file), "--db", v.db_url)
    v.create_tokens()
    people.add_people(v)
    v.start_server()
    r.step(f"event built and loaded: {len(roster)} teams in "
           f"{len(r.plan.teams)} categories, {o.days} days", t0)

    t0 = time.monotonic()
    links = people.register_all(v, roster)
    admin = people.Browser(v).sign_in("panitia")
    codes = people.approve_all(admin)
    for row in roster:
        code = codes.get(row["name"])
        if code is None:
            raise RehearsalError(f"{row['name']!r} was approved but has no team code")
        r.plan.teams[row["category"]].append(code)
        r.plan.links[code] = links[row["name"]]
        r.plan.members[code] = len(row["members"].split(";"))
    r.step(f"registered on /daftar and approved: {len(codes)} teams", t0)

    t0 = time.monotonic()
    for code in r.plan.links:
        resp = v.api("POST", "/checkin", json={"code": code})
        if resp.status_code != 200:
            raise RehearsalError(f"check-in of {code}: {resp.status_code} {resp.text[:200]}")
    inspector = people.Browser(v).sign_in("pemeriksa")
    inspected = 0
    for code in r.plan.teams["sumo-sma"]:
        resp = inspector.api("POST", "/inspections", json={
            "category": "sumo-sma", "team": code, "values": {"berat": 2500 + inspected % 400}})
        if resp.status_code != 201:
            raise RehearsalError(f"inspection of {code}: {resp.status_code} {resp.text[:200]}")
        inspected += 1
    r.step(f"checked in: {len(r.plan.links)}; inspected: {inspected}", t0)

    t0 = time.monotonic()
    out = kejurda("schedule", "generate", "--db", v.db_url, "--time-limit",
                  str(min(60, 5 + o.teams // 25)))
    r.step(f"schedule generated: {out.strip().splitlines()[-1] if out.strip() else 'done'}", t0)
    r.head_judge = people.Browser(v).sign_in("ketua-juri")
    people.assign_judges(admin, "Robot Kreatif SD")
    r.judges = {name: people.Browser(v).sign_in(name) for name in people.JUDGES}


def start_agents(r: Rehearsal) -> None:
    """The Pi's lap track: a simulated agent (with faults, over the Wi-Fi proxy). The
    ESP32 track: a virtual box on a pty, read by an agent with `--serial`."""
    v, o = r.venue, r.options
    url = None
    if o.faults:
        r.proxy = WifiProxy(v.port, delay_s=0.005)
        url = r.proxy.url
    v.start_agent("pi-1", "--simulate", "--sim-seed", str(o.seed), "--sim-scale",
                  event_builder.sim_scale(o.speed), "--sim-dnf-rate",
                  str(event_builder.SIM_DNF_RATE), "--sim-tracks", "lintasan-pi",
                  server_url=url)
    r.esp32 = Esp32Track(o.folder, o.speed, o.seed, o.faults)
    v.start_agent("esp32-host", "--serial", r.esp32.box.link)
    deadline = time.monotonic() + 60
    while len(v.api("GET", "/agents", role="admin").json()) < 2:
        if time.monotonic() > deadline:
            raise RehearsalError("the agents did not connect within 60 s")
        time.sleep(0.1)


def connect_viewers(r: Rehearsal) -> None:
    """The phones on `/live`, in a process of their own; returns once all are connected."""
    if r.options.viewers:
        r.phones = Phones("127.0.0.1", r.venue.port, r.options.viewers,
                          r.options.folder / "viewers.log")
        try:
            r.phones.start()
        except RuntimeError as exc:
            raise RehearsalError(str(exc)) from exc


def viewers_seen(r: Rehearsal) -> list[ViewerRecord]:
    """The viewers disconnected; what each saw, for the check."""
    try:
        return r.phones.finish() if r.phones is not None else []
    except RuntimeError as exc:
        raise RehearsalError(str(exc)) from exc


def play_all(r: Rehearsal, fault_plan) -> None:
    """Every desk, pad and tablet at once, as on the day; `fault_plan` runs beside them."""
    o, v, plan, ledger = r.options, r.venue, r.plan, r.ledger
    t0 = time.monotonic()
    for slug in ("sumo-sma", "soccer-smp"):
        play.draw(v, slug)
    limit_s = event_builder.time_limit_s(o.speed) + 60
    errors: list[BaseException] = []
    tablet = None
    if fault_plan is not None:
        tablet = faults.offline_tablet(r)

    def guarded(target, *args) -> None:
        try:
            target(*args)
        except BaseException as exc:  # surfaced below, after every thread has ended
            errors.append(exc)

    jobs = [(play.play_timed, v, plan, "lf-sd", 2, ledger, limit_s),
            (r.esp32.play, v, plan, "lf-smp", 2, ledger, limit_s),
            (play.play_matches, v, "sumo-sma", "sumo", ledger, o.seed, 5 if o.faults else 0),
            (play.play_matches, v, "soccer-smp", "soccer", ledger, o.seed),
            (play.play_judged, r.judges, plan, "kreatif-sd", ledger, o.seed, 3 if o.faults else 0)]
    threads = [threading.Thread(target=guarded, args=job, daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    if fault_plan is not None:
        guarded(fault_plan, r, threads, tablet)
    for thread in threads:
        thread.join()
    if tablet is not None:
        tablet.close()
    if errors:
        raise RehearsalError(str(errors[0]))
    for fault in r.faults:
        r.say(f"fault: {fault}")
    r.step(f"played: {len(ledger.runs)} runs, {len(ledger.results)} match results, "
           f"{len(ledger.sheets)} score sheets", t0)


def run(options: Options, folder: str | None, commands: click.Group) -> int:
    """The whole rehearsal in `folder` (a temporary one if None); the exit code.
    `commands` is the `kejurda` command group, whose commands set the venue up."""
    COMMANDS[:] = [commands]
    with tempfile.TemporaryDirectory(prefix="kejurda-gladi-") as tmp:
        options.folder = Path(folder) if folder else Path(tmp)
        options.folder.mkdir(parents=True, exist_ok=True)
        return _run(options)


def _run(options: Options) -> int:
    venue = Venue(options.folder, f"sqlite:///{options.folder / 'gladi.db'}")
    r = Rehearsal(options, venue)
    started = time.monotonic()
    r.say(f"{options.teams} teams, {options.days} days, speed x{options.speed:g}, "
          f"{options.viewers} viewers, faults {'on' if options.faults else 'off'}, "
          f"seed {options.seed}, in {options.folder}")
    try:
        prepare(r)
        start_agents(r)
        connect_viewers(r)
        play_all(r, faults.play if options.faults else None)
        close.close(r)
        r.viewers = viewers_seen(r)
        failed = checks.check_all(r)
    except RehearsalError as exc:
        failed = [str(exc)]
    finally:
        if r.phones is not None:
            r.phones.stop()
        venue.stop_all()
        if r.esp32 is not None:
            r.esp32.stop()
        if r.proxy is not None:
            r.proxy.close()
    r.say(f"wall time {time.monotonic() - started:.1f} s")
    if failed:
        print(f"rehearsal: FAILED {'; '.join(failed)}", flush=True)
        return 1
    print("rehearsal: ok", flush=True)
    return 0
