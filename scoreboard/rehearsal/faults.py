"""The faults of a real venue, played while the championship runs (`--faults`)."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

from hardware.sim import WALL_STEP_FILE
from scoreboard.rehearsal.people import Browser
from scoreboard.rehearsal.venue import RehearsalError, WifiProxy

CLOCK_STEP_US = 2_000_000


def offline_tablet(r: Any) -> WifiProxy:
    """The last judge's tablet reaches the server through its own Wi-Fi, down from the
    start: its sheets wait on the tablet until the fault plan brings it back."""
    proxy = WifiProxy(r.venue.port)
    proxy.block()
    name = list(r.judges)[-1]
    tablet = Browser(r.venue, proxy.url)
    tablet.patience = 3600.0
    tablet.http.cookies.update(r.judges[name].http.cookies)
    tablet.token = r.judges[name].token
    r.judges[name] = tablet
    return proxy


def _pi_clock(r: Any) -> dict | None:
    """The clock status the Pi's agent last reported, once it is its only connection
    (a killed agent's lingers until the server sees its socket close)."""
    agents = [a.get("status") or {} for a in r.venue.api("GET", "/agents").json()]
    mine = [status for status in agents if status.get("agent") == "pi-1"]
    return mine[0].get("clock") if len(mine) == 1 else None


def _wait_pi_clock(r: Any, ready, what: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while (clock := _pi_clock(r)) is None or not ready(clock):
        if time.monotonic() > deadline:
            raise RehearsalError(f"agent pi-1 never reported {what}")
        time.sleep(0.1)
    return clock


def step_pi_clock(r: Any, step_us: int) -> None:
    """The Pi's wall clock is set `step_us` off the true time, as NTP or an operator sets
    it (its simulated host reads `<data-dir>/wall-step-us`); back once its agent, running
    and synchronised with the server's clock, reported seeing the step."""
    seen = _wait_pi_clock(r, lambda c: c["samples"] >= 1, "its clock")["jumps"]
    path = r.venue.folder / "agent-pi-1" / WALL_STEP_FILE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(f"{step_us}\n")
    os.replace(tmp, path)
    _wait_pi_clock(r, lambda c: c["jumps"] > seen, "its wall clock's step")


def _when(r: Any, threads: list[threading.Thread], fraction: float, total: int) -> bool:
    """Wait until `fraction` of the runs have ended; False if play ended first."""
    while len(r.ledger.runs) < fraction * total:
        if not any(t.is_alive() for t in threads):
            return False
        time.sleep(0.05)
    return True


def play(r: Any, threads: list[threading.Thread], tablet: WifiProxy) -> None:
    """The fault plan, in the order of the day; each fault done is listed in `r.faults`.
    A fault that fails still lets the tablet back on: its judge's thread waits for it."""
    try:
        _play(r, threads, tablet)
    finally:
        tablet.unblock()


def _play(r: Any, threads: list[threading.Thread], tablet: WifiProxy) -> None:
    total = sum(len(r.plan.teams[s]) for s, kind in r.plan.formats.items() if kind == "timed")
    total *= 2
    v = r.venue
    if _when(r, threads, 0.15, total):
        cut = r.proxy.cut()
        r.faults.append(f"Wi-Fi of agent pi-1 dropped ({cut} connections cut)")
    # the box's desk plays these on its next runs; asked early, as the steps of the
    # Pi's clock below hold this plan for a few status reports
    if _when(r, threads, 0.2, total):
        r.esp32.reboot_mid_run_wanted = True
    if _when(r, threads, 0.25, total):
        r.esp32.unplug_mid_run_wanted = True
    if _when(r, threads, 0.3, total):
        agent = v.agents["pi-1"]
        r.agent_kills.append(time.monotonic())
        agent.stop(signal.SIGKILL)
        agent.start()
        r.faults.append("agent pi-1 killed -9 and restarted")
        r.esp32.reboot_wanted = True
    if _when(r, threads, 0.35, total):
        step_pi_clock(r, CLOCK_STEP_US)
        stepped_at = len(r.ledger.runs)
        _when(r, threads, 0.42, total)
        step_pi_clock(r, 0)
        r.faults.append(f"wall clock of pi-1 stepped +{CLOCK_STEP_US / 1e6:g} s and back "
                        f"{len(r.ledger.runs) - stepped_at} runs later, as NTP does")
    if _when(r, threads, 0.45, total):
        tablet.unblock()
        r.faults.append("judge tablet offline until now, its sheets sent late")
    if _when(r, threads, 0.6, total):
        r.ledger.hold()
        v.restart_server(signal.SIGKILL)
        r.ledger.go.set()
        r.faults.append("server killed -9 between runs and restarted")
    if _when(r, threads, 0.75, total):
        cut = r.proxy.cut()
        r.faults.append(f"Wi-Fi of agent pi-1 dropped again ({cut} connections cut)")
    tablet.unblock()
    for thread in threads:
        thread.join()
    box = r.esp32.box.counts
    r.faults.append(f"serial line of esp32-1 dropped {box['dropped'] + box['rx_dropped']} "
                    f"and corrupted {box['corrupted'] + box['rx_corrupted']} lines")
    if r.esp32.reboots > len(r.esp32.across_reboot):
        r.faults.append(f"esp32-1 rebooted between runs "
                        f"({r.esp32.reboots - len(r.esp32.across_reboot)} time)")
    for run_id, status in r.esp32.across_reboot.items():
        how = "timed by hand after review" if status == "review" else status
        r.faults.append(f"esp32-1 rebooted in the middle of run {run_id} ({how})")
    if r.esp32.reboot_mid_run_wanted or r.esp32.unplug_mid_run_wanted:
        r.faults.append("esp32-1's reboot or cable pull in the middle of a run not played: "
                        "its track's runs ended first")
    for run_id in r.esp32.unplugged_runs:
        r.faults.append(f"esp32-1's cable pulled in the middle of run {run_id} and plugged "
                        "back after its finish")
