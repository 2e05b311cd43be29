"""The scoreboard server with timestamps at each stage of a gate edge's way to `/live`.

Run by bench_live_latency.py --trace: python benchmarks/live_trace.py TRACE_FILE serve ...
Writes one line per stage, CLOCK_MONOTONIC ns (system-wide, comparable with the bench):
  in <seq> <t>                  the /timing handler got the edge
  emit <run id> <status> <t0> <t1>   socketio.emit of `run` started / returned (all written)
  gc <generation> <t0> <t1>     a garbage collection in the server (a pause for every thread)

Experiments, without editing the server: KEJURDA_TRACE_GC="700,10,10" sets the collector's
thresholds (the worker's quiet collector, scoreboard/collector.py, then takes the third as
its count of middle-generation collections and makes the full ones itself; add
KEJURDA_QUIET_GC=0 to leave them to CPython), KEJURDA_TRACE_SPLIT_AT=N the clients from which a broadcast has two writers;
KEJURDA_TRACE_FINE=1 adds `hub <t>` (the hub has read an agent's gate_event) and `ns <t>`
(a worker enters the /timing namespace) before `in`.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def install(path: str) -> None:
    from flask_socketio import SocketIO

    from scoreboard.services import runs

    out = open(path, "a", buffering=1)  # noqa: SIM115 (lives as long as the server)
    record_edges = runs.record_edges
    emit = SocketIO.emit  # each app has its own server: trace them all

    def traced_record_edges(session, payloads):
        now = time.monotonic_ns()
        for payload in payloads:
            out.write(f"in {payload.get('seq') if isinstance(payload, dict) else '-'} {now}\n")
        return record_edges(session, payloads)

    def traced_emit(self, event, *args, **kwargs):
        t0 = time.monotonic_ns()
        result = emit(self, event, *args, **kwargs)
        if event == "run":
            out.write(f"emit {args[0]['id']} {args[0]['status']} {t0} {time.monotonic_ns()}\n")
        return result

    started: list[int] = []

    def traced_gc(phase: str, info: dict) -> None:
        if phase == "start":
            started.append(time.monotonic_ns())
        elif started:
            out.write(f"gc {info['generation']} {started.pop()} {time.monotonic_ns()}\n")

    gc.callbacks.append(traced_gc)
    if os.environ.get("KEJURDA_TRACE_FINE"):
        fine(out)
    runs.record_edges = traced_record_edges
    SocketIO.emit = traced_emit


def fine(out) -> None:
    """Two more stamps before the handler: the hub has read the agent's frame (`hub`), a
    worker enters the /timing namespace (`ns`)."""
    from scoreboard import sockets, wshub

    message = wshub.Client._message
    trigger = sockets.TimingNamespace.trigger_event

    def traced_message(self, data):
        if ("gate_event" if isinstance(data, str) else b"gate_event") in data:
            out.write(f"hub {time.monotonic_ns()}\n")
        return message(self, data)

    def traced_trigger(self, event, *args):
        if event == "gate_event":
            out.write(f"ns {time.monotonic_ns()}\n")
        return trigger(self, event, *args)

    wshub.Client._message = traced_message
    sockets.TimingNamespace.trigger_event = traced_trigger


if __name__ == "__main__":
    install(sys.argv[1])
    if os.environ.get("KEJURDA_TRACE_GC"):  # an experiment: the collector's thresholds
        gc.set_threshold(*(int(x) for x in os.environ["KEJURDA_TRACE_GC"].split(",")))
    if os.environ.get("KEJURDA_TRACE_SPLIT_AT"):  # an experiment: two hands from N clients
        from scoreboard import fanout

        fanout.SPLIT_AT = int(os.environ["KEJURDA_TRACE_SPLIT_AT"])
    from scoreboard.cli import main

    main(sys.argv[2:])
