"""``kejurda agent``: the timing agent's command line (docs/contract.md §1).

    kejurda agent --server URL [--token-file F | --token T | env KEJURDA_TOKEN]
                  (--serial PORT ... | --gpio SPEC | --simulate) [--tls-fingerprint FP]
                  [--data-dir DIR] [--name NAME] [--sim-seed N] [--sim-scale F]
                  [--sim-dnf-rate P] [--sim-tracks slug,slug]

``scoreboard.cli`` dispatches ``kejurda agent ...`` to ``main(argv)``; ``python -m
hardware.cli ...`` works too. The GPIO and serial sources are imported only when asked
for, so a laptop without gpiozero or pyserial can still run the simulator.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import signal
import socket
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from hardware import settings
from hardware.source import Source
from hardware.tls import parse_fingerprint

log = logging.getLogger("hardware.cli")

PROG = "kejurda agent"


class UsageError(Exception):
    """A mistake on the command line: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would print usage and exit
        raise UsageError(message)


def default_data_dir(environ: dict[str, str] | None = None) -> Path:
    """``$KEJURDA_AGENT_DIR``, else the per-user data folder (XDG on Linux)."""
    env = os.environ if environ is None else environ
    configured = settings.agent_dir(env)
    if configured is not None:
        return configured
    if os.name == "nt" and env.get("LOCALAPPDATA"):
        return Path(env["LOCALAPPDATA"]) / "kejurda" / "agent"
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "kejurda" / "agent"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``kejurda agent``."""
    parser = _Parser(prog=PROG, description="Timing agent: reads gates, pushes every "
                     "edge to the scoreboard over Socket.IO, never loses one.")
    parser.add_argument("--server", required=True, action="append", metavar="URL",
                        help="scoreboard URL, e.g. http://192.168.1.10:5000; repeat it for a "
                        "warm standby: the agent moves to the one that answers")
    parser.add_argument("--token", default=None, metavar="T",
                        help="agent token; visible to every user of this computer in ps, so "
                        "prefer --token-file or env KEJURDA_TOKEN")
    parser.add_argument("--token-file", type=Path, default=None, metavar="FILE",
                        help="read the agent token from FILE (its first line)")
    parser.add_argument("--tls-fingerprint", default=None, metavar="FP",
                        help="the SHA-256 fingerprint of the server's certificate, as "
                        "kejurda tls init printed it; only that server is accepted")
    parser.add_argument("--serial", action="append", default=[], metavar="PORT",
                        help="ESP32 on this serial port (KRT/1); may repeat")
    parser.add_argument("--gpio", metavar="SPEC", help="gates on this Pi's GPIO pins, e.g. "
                        "start=17,finish=27,cp1=22 (the source is named by --name)")
    parser.add_argument("--simulate", action="store_true",
                        help="simulate robots on the server's tracks")
    parser.add_argument("--data-dir", type=Path, default=None, metavar="DIR",
                        help="outbox folder (default: env KEJURDA_AGENT_DIR, else a "
                        "per-user data folder)")
    parser.add_argument("--name", default=None, help="this agent's name, and the source name "
                        "of its GPIO gates in the event file (default: host name)")
    parser.add_argument("--sim-seed", type=int, default=None, metavar="N",
                        help="simulator seed (default: random, logged for replay)")
    parser.add_argument("--sim-scale", type=float, default=1.0, metavar="F",
                        help="multiplies simulated durations (0.1: 8 s runs last 0.8 s)")
    parser.add_argument("--sim-dnf-rate", type=float, default=0.05, metavar="P",
                        help="probability that a simulated robot never finishes")
    parser.add_argument("--sim-tracks", default=None, metavar="SLUG,SLUG",
                        help="simulate only these tracks (default: all)")
    return parser


def parse_args(argv: list[str], environ: dict[str, str] | None = None) -> argparse.Namespace:
    """Parse and check ``argv``; raises UsageError with a one-line reason."""
    env = os.environ if environ is None else environ
    args = build_parser().parse_args(argv)
    args.token = read_token(args.token, args.token_file, env)
    for url in args.server:
        if not url.startswith(("http://", "https://")):
            raise UsageError(f"--server must be an http:// or https:// URL, got {url!r}")
    if args.tls_fingerprint is not None:
        plain = [url for url in args.server if not url.startswith("https://")]
        if plain:
            raise UsageError(f"--tls-fingerprint pins an https:// server; --server is {plain[0]!r}")
        try:
            args.tls_pin = parse_fingerprint(args.tls_fingerprint)
        except ValueError as exc:
            raise UsageError(f"--tls-fingerprint: {exc}") from None
    else:
        args.tls_pin = None
    if not (args.serial or args.gpio or args.simulate):
        raise UsageError("no gates: give --serial PORT, --gpio SPEC or --simulate")
    if not args.sim_scale > 0:
        raise UsageError(f"--sim-scale must be > 0, got {args.sim_scale}")
    if not 0 <= args.sim_dnf_rate <= 1:
        raise UsageError(f"--sim-dnf-rate must be between 0 and 1, got {args.sim_dnf_rate}")
    args.data_dir = args.data_dir or default_data_dir(env)
    args.name = args.name or socket.gethostname()
    if args.sim_tracks is not None:
        args.sim_tracks = [slug.strip() for slug in args.sim_tracks.split(",") if slug.strip()]
        if not args.sim_tracks:
            raise UsageError("--sim-tracks needs at least one track slug")
    return args


def read_token(given: str | None, token_file: Path | None, env: Mapping[str, str]) -> str:
    """The token from ``--token``, else ``--token-file``, else env ``KEJURDA_TOKEN``.

    A token on the command line is visible to every user of the machine (``ps``); a file
    readable only by its owner, or the environment of a service, is not.
    """
    if given and token_file:
        raise UsageError("give --token or --token-file, not both")
    if token_file is not None:
        try:
            lines = token_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"--token-file: cannot read {token_file} "
                             f"({getattr(exc, 'strerror', None) or exc})") from None
        given = lines[0].strip() if lines else ""
        if not given:
            raise UsageError(f"--token-file: {token_file} is empty")
    token = given or (settings.token(env) or "").strip()
    if not token:
        raise UsageError("no token: give --token-file FILE or set KEJURDA_TOKEN (or pass "
                         "--token, which ps shows) (create one with: kejurda token create "
                         "--role agent --name NAME)")
    return token


def build_sources(args: argparse.Namespace) -> list[Source]:
    """The sources asked for, importing hardware modules only when needed."""
    sources: list[Source] = []
    if args.serial:
        try:
            from hardware.serial_link import SerialSource
        except ImportError as exc:
            raise UsageError(f"serial gates are not available here: {exc}") from exc
        for port in args.serial:
            try:
                sources.append(SerialSource(port))
            except (OSError, ValueError) as exc:
                raise UsageError(f"--serial {port}: {exc}") from exc
    if args.gpio:
        try:
            from hardware.gpio import GpioSource
        except ImportError as exc:
            raise UsageError(f"GPIO gates are not available here: {exc}") from exc
        try:
            sources.append(GpioSource(args.gpio, name=args.name))
        except (OSError, ValueError) as exc:
            raise UsageError(f"--gpio {args.gpio}: {exc}") from exc
    if args.simulate:
        from hardware.sim import SimulatedTracks, SimWallClock

        if args.sim_seed is None:
            args.sim_seed = random.randrange(1_000_000)
        log.info("simulator seed=%d scale=%g dnf_rate=%g (replay with --sim-seed %d)",
                 args.sim_seed, args.sim_scale, args.sim_dnf_rate, args.sim_seed)
        sources.append(SimulatedTracks(args.server[0], args.data_dir, seed=args.sim_seed,
                                       scale=args.sim_scale, dnf_rate=args.sim_dnf_rate,
                                       tracks=args.sim_tracks, tls_pin=args.tls_pin,
                                       wall=SimWallClock(args.data_dir).now_us))
    return sources


def _install_signal_handlers(stop: threading.Event) -> Callable[[], None]:
    """SIGTERM/SIGINT set ``stop``; returns a function that restores the old handlers."""

    def on_signal(signum: int, _frame: object) -> None:
        log.info("signal %s received; stopping", signal.Signals(signum).name)
        stop.set()

    # Signal handlers can only be installed from the main thread (e.g. not in tests).
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


def main(argv: list[str] | None = None, stop: threading.Event | None = None) -> int:
    """Run ``kejurda agent``; returns the exit status (2 for a usage error)."""
    from hardware.agent import Agent, DataDirBusy

    argv = sys.argv[1:] if argv is None else argv
    try:
        args = parse_args(argv)
        if not logging.getLogger().handlers:
            logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                                format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        try:
            args.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot use data dir {args.data_dir}: {exc.strerror}") from exc
        sources = build_sources(args)
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    stop = stop or threading.Event()
    restore_signals = _install_signal_handlers(stop)
    if "--token" in argv or any(a.startswith("--token=") for a in argv):
        log.warning("the token is on the command line, where ps shows it to every user of "
                    "this computer; prefer --token-file FILE or env KEJURDA_TOKEN")
    # the simulated host's wall clock (a rehearsal may step it): the agent reads the one
    # its simulated tracks read
    wall = next((s.wall for s in sources if hasattr(s, "wall")), None)
    agent = Agent(args.server, args.token, sources, args.data_dir, name=args.name,
                  tls_pin=args.tls_pin, wall=wall)
    try:
        agent.run(stop)
    except DataDirBusy as exc:
        print(f"{PROG}: error: {exc} (or pass another --data-dir)", file=sys.stderr)
        return 2
    finally:
        # The scoreboard may call main() in-process (kejurda demo): leave its handlers.
        restore_signals()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
