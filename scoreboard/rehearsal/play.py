"""Playing the championship: the desk arms the runs the simulated agents time, referees
enter matches on their pads, judges score on their tablets (the viewers following `/live`
are in their own process: `viewers`)."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from scoreboard.rehearsal.event import CRITERIA, Plan
from scoreboard.rehearsal.venue import RehearsalError, Venue

FINAL = ("finished", "timeout", "dnf", "aborted", "review", "disqualified")


@dataclass
class Ledger:
    """Everything the rehearsal did, to be checked against what the server stored."""

    runs: dict[int, dict] = field(default_factory=dict)            # run id -> final run
    run_window: dict[int, tuple[float, float]] = field(default_factory=dict)
    results: dict[tuple[str, str], dict] = field(default_factory=dict)  # (cat, match) -> body
    sheets: dict[tuple[str, str, str], dict] = field(default_factory=dict)  # cat, judge, team
    resent: int = 0               # submissions sent twice with the same key
    lock: threading.Lock = field(default_factory=threading.Lock)
    # the desks arm only while `go` is set; `in_flight` runs are armed and not yet ended
    go: threading.Event = field(default_factory=threading.Event)
    in_flight: int = 0

    def __post_init__(self) -> None:
        self.go.set()

    def enter(self) -> None:
        """A desk about to arm a run: waits while the desks are held (see `hold`)."""
        while True:
            self.go.wait()
            with self.lock:
                if self.go.is_set():
                    self.in_flight += 1
                    return

    def ended(self, final: dict, armed_at: float) -> None:
        """A desk saw its run end."""
        with self.lock:
            self.in_flight -= 1
            self.runs[final["id"]] = final
            self.run_window[final["id"]] = (armed_at, time.monotonic())

    def hold(self, timeout: float = 120) -> None:
        """Stop the desks arming and wait until no run is in flight."""
        with self.lock:
            self.go.clear()
        deadline = time.monotonic() + timeout
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.05)


def arm(venue: Venue, slug: str, team: str, attempt: int) -> dict:
    """Arm the team's attempt as the desk does, waiting while the track is busy."""
    deadline = time.monotonic() + 120
    while True:
        resp = venue.api("POST", "/runs", json={"category": slug, "team": team})
        if resp.status_code == 201:
            return resp.json()
        # the desk lost the answer (server restarting) but the run was armed: use it
        latest = venue.api("GET", f"/runs?category={slug}&limit=3").json()
        mine = [run for run in latest if run["team"] == team and run["attempt"] == attempt]
        if mine:
            return mine[0]
        if resp.status_code != 409 or time.monotonic() > deadline:
            raise RehearsalError(f"arming {team} in {slug}: {resp.status_code} {resp.text[:200]}")
        time.sleep(0.05)


def wait_final(venue: Venue, run_id: int, limit_s: float) -> dict:
    """The run once it has ended, as the desk's screen shows it."""
    deadline = time.monotonic() + limit_s
    while True:
        run = venue.api("GET", f"/runs/{run_id}").json()
        if run["status"] in FINAL:
            return run
        if time.monotonic() > deadline:
            raise RehearsalError(f"run {run_id} never ended (status {run['status']})")
        time.sleep(0.05)


def play_timed(venue: Venue, plan: Plan, slug: str, attempts: int, ledger: Ledger,
               limit_s: float) -> None:
    """The desk of one track: every team's attempts, one run at a time, in call-up order."""
    for attempt in range(1, attempts + 1):
        for team in plan.teams[slug]:
            ledger.enter()
            armed_at = time.monotonic()
            run = arm(venue, slug, team, attempt)
            ledger.ended(wait_final(venue, run["id"], limit_s), armed_at)


def draw(venue: Venue, slug: str) -> None:
    """The committee draws the bracket and publishes it."""
    for path in (f"/categories/{slug}/draw", f"/categories/{slug}/draw/publish"):
        resp = venue.api("POST", path, role="admin")
        if resp.status_code not in (200, 201):
            raise RehearsalError(f"POST {path}: {resp.status_code} {resp.text[:200]}")


def _result_body(kind: str, rng: random.Random) -> dict[str, Any]:
    home_wins = rng.random() < 0.5
    if kind == "sumo":
        return {"home_yuko": 2, "away_yuko": rng.randint(0, 1)} if home_wins else \
            {"home_yuko": rng.randint(0, 1), "away_yuko": 2}
    low, high = sorted(rng.sample(range(0, 7), 2))
    return {"home_goals": high, "away_goals": low} if home_wins else \
        {"home_goals": low, "away_goals": high}


def play_matches(venue: Venue, slug: str, kind: str, ledger: Ledger, seed: int,
                 resend_every: int = 0) -> None:
    """The referee's pad: each ready match gets its result, with an idempotency key, until
    the bracket has none left; every `resend_every`-th result is sent twice (a double tap)."""
    rng = random.Random(f"{seed}:{slug}")
    sent = 0
    while True:
        bracket = venue.api("GET", f"/categories/{slug}/bracket").json()
        ready = [m for m in bracket["matches"] if m["status"] == "ready"]
        if not ready:
            return
        for match in ready:
            body = _result_body(kind, rng)
            key = f"gladi-{slug}-{match['id']}"
            for _time in range(2 if resend_every and sent % resend_every == 0 else 1):
                resp = venue.api("POST", f"/categories/{slug}/matches/{match['id']}/result",
                                 json=body, headers={"Idempotency-Key": key})
                if resp.status_code not in (200, 201):
                    raise RehearsalError(f"result of {slug} {match['id']}: "
                                         f"{resp.status_code} {resp.text[:200]}")
                if _time:
                    ledger.resent += 1
            sent += 1
            with ledger.lock:
                ledger.results[(slug, match['id'])] = body


def sheet_for(judge: str, team: str, rng: random.Random) -> dict[str, Any]:
    return {"team": team, "base_version": 0, "idempotency_key": f"gladi-{judge}-{team}",
            "scores": {key: rng.randint(40, 100) for key, _n, _w in CRITERIA}}


def play_judged(judges: dict[str, Any], plan: Plan, slug: str, ledger: Ledger, seed: int,
                offline: int = 0) -> None:
    """The judges' tablets: each judge one sheet per team. With `offline`, the last
    judge's tablet loses the network before its last `offline` confirmations arrive and
    sends those sheets again once back, with the same keys (stored once)."""
    rng = random.Random(f"{seed}:{slug}")
    for judge, tablet in judges.items():
        sheets = [sheet_for(judge, team, rng) for team in plan.teams[slug]]
        for sheet in sheets:
            _send_sheet(tablet, slug, sheet)
            with ledger.lock:
                ledger.sheets[(slug, judge, sheet["team"])] = sheet
    if offline:
        judge, tablet = list(judges.items())[-1]
        for team in plan.teams[slug][-offline:]:
            _send_sheet(tablet, slug, ledger.sheets[(slug, judge, team)], replay=True)
            ledger.resent += 1


def _send_sheet(tablet: Any, slug: str, sheet: dict, replay: bool = False) -> None:
    resp = tablet.api("POST", f"/categories/{slug}/scores", json=sheet)
    # a first send may meet its own earlier copy: the network dropped the confirmation
    # and the tablet sent it again (same key: stored once, answered 200)
    if resp.status_code not in ((200,) if replay else (200, 201)):
        raise RehearsalError(f"sheet of {sheet['team']}: {resp.status_code} {resp.text[:200]}")
