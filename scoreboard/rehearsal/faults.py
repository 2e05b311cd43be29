"""The faults of a real venue, played while the championship runs (`--faults`)."""

from __future__ import annotations

import signal
import threading
import time
from typing import Any

from scoreboard.rehearsal.people import Browser
from scoreboard.rehearsal.venue import WifiProxy

# faults of the list a venue has that the rehearsal does not play yet (docs/rehearsal.md)
NOT_PLAYED = ("a clock step on a Pi",)


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


def _when(r: Any, threads: list[threading.Thread], fraction: float, total: int) -> bool:
    """Wait until `fraction` of the runs have ended; False if play ended first."""
    while len(r.ledger.runs) < fraction * total:
        if not any(t.is_alive() for t in threads):
            return False
        time.sleep(0.05)
    return True


def play(r: Any, threads: list[threading.Thread], tablet: WifiProxy) -> None:
    """The fault plan, in the order of the day; each fault done is listed in `r.faults`."""
    total = sum(len(r.plan.teams[s]) for s, kind in r.plan.formats.items() if kind == "timed")
    total *= 2
    v = r.venue
    if _when(r, threads, 0.15, total):
        cut = r.proxy.cut()
        r.faults.append(f"Wi-Fi of agent pi-1 dropped ({cut} connections cut)")
    if _when(r, threads, 0.3, total):
        agent = v.agents["pi-1"]
        r.agent_kills.append(time.monotonic())
        agent.stop(signal.SIGKILL)
        agent.start()
        r.faults.append("agent pi-1 killed -9 and restarted")
        r.esp32.reboot_wanted = True
    if _when(r, threads, 0.45, total):
        tablet.unblock()
        r.faults.append("judge tablet offline until now, its sheets sent late")
    if _when(r, threads, 0.5, total):
        r.esp32.reboot_mid_run_wanted = True  # the box's desk plays it on its next run
    if _when(r, threads, 0.55, total):
        r.esp32.unplug_mid_run_wanted = True
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
    for run_id in r.esp32.unplugged_runs:
        r.faults.append(f"esp32-1's cable pulled in the middle of run {run_id} and plugged "
                        "back after its finish")
