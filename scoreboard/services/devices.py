"""The devices page: what each timing agent and its sources report, and what looks wrong.

The warning rules are plain functions of the status dicts an agent sends every 2 s
(`agent_status`, hardware/agent.py) and of the time they are judged at, so they are
tested with exact values. Device health is the venue's plumbing, not the championship's
rules, which is why these live here and not in `judging/`.

A warning is `{"code", "message", "source"}`: a stable code for scripts and tests, a
message in Bahasa Indonesia for the operator, and the source's name (None for the agent).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

from scoreboard.live import live

SILENT_AFTER_S = 3.0        # the agent reports every 2 s; a serial device beats every 1 s
CLOCK_ERR_MAX_US = 5_000    # beyond ±5 ms two gates on different hosts disagree visibly
OUTBOX_HIGH = 100           # edges waiting on the agent: a healthy link keeps this near 0
OUTBOX_RISING_REPORTS = 3   # depth strictly rising over this many reports in a row
HISTORY_KEEP = 5


def _warning(code: str, message: str, source: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "source": source}


def _ms(us: int | float) -> str:
    return f"{us / 1000:.1f} ms"


def silence_warnings(entry: dict[str, Any], now: float) -> list[dict[str, Any]]:
    """The agent has not reported for more than SILENT_AFTER_S (or never, since connecting)."""
    reported_at = entry.get("reported_at")
    if reported_at is None:
        waited = now - entry["connected_at"]
        if waited > SILENT_AFTER_S:
            return [_warning("agent_silent",
                             f"Agen belum mengirim laporan sejak tersambung {waited:.1f} s lalu")]
        return []
    waited = now - reported_at
    if waited > SILENT_AFTER_S:
        return [_warning("agent_silent", f"Agen tidak mengirim laporan selama {waited:.1f} s")]
    return []


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def status_problem(status: dict[str, Any]) -> str | None:
    """The first field of an agent's status report that should be a number and is not
    (e.g. `clock.err_us: a number (got 'abc')`), or None. The devices page does
    arithmetic on these, so a report with a wrong one is refused whole."""
    checks: list[tuple[str, Any]] = [(k, status.get(k)) for k in
                                     ("outbox_depth", "delivered", "rejected")]
    clock = status.get("clock")
    if clock is not None and not isinstance(clock, dict):
        return "clock: an object"
    checks += [(f"clock.{k}", (clock or {}).get(k)) for k in ("offset_us", "err_us")]
    sources = status.get("sources")
    if sources is not None and not isinstance(sources, list):
        return "sources: a list"
    for n, source in enumerate(sources or ()):
        if not isinstance(source, dict):
            return f"sources[{n}]: an object"
        checks += [(f"sources[{n}].{k}", source.get(k))
                   for k in ("hb_age_s", "clock_spread_us", "edges")]
        counts = source.get("counts")
        if counts is not None and not isinstance(counts, dict):
            return f"sources[{n}].counts: an object"
        checks += [(f"sources[{n}].counts.{k}", v) for k, v in (counts or {}).items()]
    for field, value in checks:
        if value is not None and not _is_number(value):
            return f"{field}: a number (got {str(value)[:40]!r})"
    return None


def clock_warnings(clock: Any) -> list[dict[str, Any]]:
    """The agent's offset to the server clock is unknown or too doubtful (± err)."""
    if not isinstance(clock, dict):
        return []
    err = clock.get("err_us")
    if not _is_number(clock.get("offset_us")) or not _is_number(err):
        return [_warning("clock_unknown", "Jam agen belum disinkronkan dengan server")]
    if err > CLOCK_ERR_MAX_US:
        return [_warning("clock_unstable",
                         f"Jam agen ke server tidak stabil: ±{_ms(err)} "
                         f"(batas ±{_ms(CLOCK_ERR_MAX_US)})")]
    return []


def outbox_warnings(depths: Sequence[int], rejected: int = 0) -> list[dict[str, Any]]:
    """`depths`: the outbox depth of consecutive reports, oldest first, the current last."""
    if not depths:
        return []
    warnings = []
    current = depths[-1]
    recent = list(depths[-OUTBOX_RISING_REPORTS:])
    if current > OUTBOX_HIGH:
        warnings.append(_warning("outbox_high",
                                 f"{current} kejadian gerbang menunggu dikirim "
                                 f"(batas {OUTBOX_HIGH})"))
    elif len(recent) == OUTBOX_RISING_REPORTS and all(
            a < b for a, b in zip(recent, recent[1:], strict=False)):
        warnings.append(_warning("outbox_growing",
                                 "Antrean kirim agen terus bertambah: "
                                 + " → ".join(str(d) for d in recent)))
    if rejected:
        warnings.append(_warning("outbox_rejected",
                                 f"{rejected} kejadian gerbang ditolak server "
                                 "(tersimpan di agen, periksa log)"))
    return warnings


def _stuck_count(source: dict[str, Any]) -> int:
    counts = source.get("counts")
    return int(counts.get("device_stuck", 0)) if isinstance(counts, dict) else 0


def source_warnings(source: dict[str, Any], now: float,
                    previous: dict[str, Any] | None = None,
                    late_s: float = 0.0) -> list[dict[str, Any]]:
    """One source's health: disconnected, silent heartbeat, stuck beam, unstable clock.

    `previous`: the same source in the agent's previous report, to notice a serial
    device's ``ERR,STUCK`` counter going up. `late_s`: how long ago (server clock) that
    report arrived. A heartbeat's age is `hb_age_s` as the agent measured it plus `late_s`:
    never the agent's wall clock against the server's (a Pi at the venue may have no
    network time at all).
    """
    name = str(source.get("name"))
    warnings = []
    errors = source.get("errors")
    if isinstance(errors, dict) and errors.get("status"):
        warnings.append(_warning("source_error", f"Status {name} tidak terbaca: {errors['status']}",
                                 name))
    if source.get("connected") is False:
        warnings.append(_warning("source_disconnected", f"Perangkat {name} tidak tersambung",
                                 name))
    elif isinstance(source.get("hb_age_s"), int | float) and (
            source["hb_age_s"] + late_s > SILENT_AFTER_S):
        warnings.append(_warning("source_silent",
                                 f"Perangkat {name} tidak mengirim detak (HB) selama "
                                 f"{source['hb_age_s'] + late_s:.1f} s", name))
    for gate in source.get("gates") or ():
        if isinstance(gate, dict) and gate.get("stuck"):
            label = f" ({gate['label']})" if gate.get("label") else ""
            warnings.append(_warning("beam_stuck",
                                     f"Sensor gerbang {gate.get('gate')}{label} di {name} "
                                     "terhalang terus (macet)", name))
    if previous is not None and _stuck_count(source) > _stuck_count(previous):
        warnings.append(_warning("beam_stuck",
                                 f"Perangkat {name} melaporkan sensor macet (ERR STUCK)", name))
    warnings += _fault_warnings(source, name)
    spread = source.get("clock_spread_us")
    if spread is not None and spread > CLOCK_ERR_MAX_US:
        warnings.append(_warning("clock_unstable",
                                 f"Jam perangkat {name} tidak stabil: ±{_ms(spread)} "
                                 f"(batas ±{_ms(CLOCK_ERR_MAX_US)})", name))
    return warnings


def _fault_warnings(source: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """A device that contradicted itself (its edge time fell back within one boot): the
    link passed the edge on flagged and its run went to review; the box needs a look."""
    errors = source.get("errors")
    count = errors.get("t_us_backwards") if isinstance(errors, dict) else None
    if not isinstance(count, int) or count < 1:
        return []
    fault = source.get("last_fault") if isinstance(source.get("last_fault"), dict) else {}
    seq = f" (EV {fault['seq']})" if isinstance(fault.get("seq"), int) else ""
    return [_warning("device_fault",
                     f"Perangkat {name}: waktu tepi mundur tanpa restart{seq}, {count}x "
                     "(kesalahan firmware); lari terkait masuk tinjauan", name)]


def refused_warnings(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """Edges refused because their source is not one of the agent token's devices.

    Either the agent reads a device it should not, or the token was made without one of
    the venue's devices (make a new token with every `--source`).
    """
    refused = entry.get("refused")
    if not isinstance(refused, dict):
        return []
    bound = ", ".join(entry.get("sources") or ())
    return [_warning("source_refused",
                     f"{count} kejadian gerbang dari {source} ditolak: token agen hanya "
                     f"untuk {bound}", source)
            for source, count in sorted(refused.items())]


def agent_warnings(entry: dict[str, Any], now: float,
                   history: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """Every warning for one connected agent.

    `entry`: the registry's record (`connected_at`, `reported_at`, `status`), times in
    epoch seconds; `history`: the agent's earlier reports, oldest first (not the current).
    """
    warnings = silence_warnings(entry, now) + refused_warnings(entry)
    status = entry.get("status")
    if not isinstance(status, dict):
        return warnings
    warnings += clock_warnings(status.get("clock"))
    depths = [h.get("outbox_depth") for h in history] + [status.get("outbox_depth")]
    depths = [d for d in depths if isinstance(d, int)]
    warnings += outbox_warnings(depths, int(status.get("rejected") or 0))
    before = {s.get("name"): s for s in (history[-1].get("sources") or ())} if history else {}
    late = max(0.0, now - entry["reported_at"]) if entry.get("reported_at") else 0.0
    for source in status.get("sources") or ():
        if isinstance(source, dict):
            warnings += source_warnings(source, now, before.get(source.get("name")), late)
    return warnings


class ReportHistory:
    """The last few distinct reports of each connected agent, as seen when asked.

    The registry keeps only an agent's latest report; "the outbox keeps growing" needs a
    few, so every look at the devices records the reports it has not seen yet.
    """

    def __init__(self, keep: int = HISTORY_KEEP) -> None:
        self.keep = keep
        self._lock = threading.Lock()
        self._seen: dict[str, list[tuple[float, dict[str, Any]]]] = {}

    def observe(self, entries: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
        """Record `entries`; returns each agent's earlier reports (oldest first)."""
        earlier: dict[str, list[dict[str, Any]]] = {}
        with self._lock:
            live = set()
            for entry in entries:
                sid = entry["sid"]
                live.add(sid)
                seen = self._seen.setdefault(sid, [])
                at = entry.get("reported_at")
                if at is not None and isinstance(entry.get("status"), dict) and (
                        not seen or seen[-1][0] != at):
                    seen.append((at, entry["status"]))
                    del seen[:-self.keep]
                earlier[sid] = [s for t, s in seen if t != at]
            for sid in set(self._seen) - live:
                del self._seen[sid]
        return earlier


def agents_overview() -> list[dict[str, Any]]:
    """The agents connected to the current app, as `overview` describes them."""
    state = live()
    return overview(state.agents.snapshot(), seen=state.reports)


def overview(entries: list[dict[str, Any]], now: float | None = None,
             seen: ReportHistory | None = None) -> list[dict[str, Any]]:
    """The registry's agents, each with `silent_s` and its `warnings`, by name (`seen`: the
    app's earlier reports; without one, each entry is judged on its own)."""
    now = time.time() if now is None else now
    seen = ReportHistory() if seen is None else seen
    earlier = seen.observe(entries)
    result = []
    for entry in entries:
        last = entry.get("reported_at") or entry["connected_at"]
        result.append(dict(entry, silent_s=round(now - last, 1),
                           warnings=agent_warnings(entry, now, earlier.get(entry["sid"], []))))
    return sorted(result, key=lambda e: (str((e.get("status") or {}).get("agent", "")),
                                         e["token"], e["sid"]))
