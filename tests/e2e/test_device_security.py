"""Device security for real: server and agent processes, tokens made and revoked with the
`kejurda` command, a venue certificate pinned by its fingerprint (CONTRACT §1, §5)."""

from __future__ import annotations

import re
import signal
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from scoreboard.db import Database
from scoreboard.models import GateEvent, Track
from tests.support.venue import Proc, Venue, free_port, ground_truth, kejurda

pytestmark = pytest.mark.e2e


def wait_for(what: str, condition, venue: Venue, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"never: {what}\n{venue.logs()}")
        time.sleep(0.1)


def new_token(venue: Venue, name: str, *sources: str) -> str:
    args = ["token", "create", "--role", "agent", "--name", name]
    for source in sources:
        args += ["--source", source]
    return kejurda(*args, "--db", venue.db_url).strip().splitlines()[-1]


def connected_agents(venue: Venue, url: str | None = None, verify: str | bool = True) -> list:
    resp = requests.get(f"{url or venue.url}/api/v1/agents", timeout=5, verify=verify,
                        headers={"Authorization": f"Bearer {venue.tokens['admin']}"})
    return resp.json() if resp.ok else []


def stored_sources(venue: Venue) -> set[str]:
    db = Database(venue.db_url)
    try:
        with db.transaction() as session:
            return set(session.scalars(select(GateEvent.source)))
    finally:
        db.dispose()


def command_line(proc: Proc) -> str:
    return Path(f"/proc/{proc.popen.pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def simulate(venue: Venue, *extra: str, token: str, **kwargs) -> Proc:
    return venue.start_agent("--simulate", "--sim-seed", "7", "--sim-scale", "0.1",
                             "--sim-dnf-rate", "0", *extra, token=token, **kwargs)


def finished_as_simulated(venue: Venue, run: dict, data_dir: Path) -> None:
    truth = wait_for("the simulator's record of the run",
                     lambda: ground_truth(data_dir).get(run["id"]), venue)
    assert (run["status"], run["elapsed_us"]) == ("finished", truth["elapsed_us"]), (run, truth)


def test_agent_token_bound_to_sources_refuses_other_devices_end_to_end(venue: Venue):
    token = new_token(venue, "pi-lintasan-a", "esp32-a")
    venue.start_server()
    agent = simulate(venue, token=token)
    wait_for("the agent connects", lambda: connected_agents(venue), venue)
    assert token not in command_line(agent)       # given by KEJURDA_TOKEN

    # lintasan-b's gates are pi-b's: the agent simulates them, the server refuses them
    run = venue.api("POST", "/runs", json={"category": "lf-sd", "team": "SD-01"}).json()
    wait_for("the refusal in the agent's log",
             lambda: "error=source: 'pi-b' is not one of this agent token's devices "
                     "(esp32-a); not stored" in agent.log.read_text(), venue)
    server_log = venue.procs[0].log.read_text()
    assert re.search(r"WARNING scoreboard\.sockets: refused \d+ gate event\(s\) from source "
                     r"'pi-b': agent token pi-lintasan-a is bound to esp32-a\n", server_log)
    assert venue.api("GET", f"/runs/{run['id']}").json()["status"] == "armed"
    assert "pi-b" not in stored_sources(venue)
    [entry] = connected_agents(venue)
    assert entry["sources"] == ["esp32-a"] and entry["refused"]["pi-b"] >= 1
    assert venue.api("POST", f"/runs/{run['id']}/abort", json={}).status_code == 200

    # its own device's edges still time runs, exactly
    run = venue.api("POST", "/runs", json={"category": "lf-smp", "team": "SMP-01"}).json()
    finished_as_simulated(venue, venue.wait_final(run["id"]), venue.tmp / "agent")
    assert stored_sources(venue) == {"esp32-a"}


def test_token_revoke_closes_an_open_agent_connection_end_to_end(venue: Venue):
    # two server processes on one database, an agent on each: the revoke, made by a third
    # process, must reach both
    venue.start_server()
    second_port = free_port()
    venue.start_server(port=second_port, name="server-2")
    second = f"http://127.0.0.1:{second_port}"
    token_file = venue.tmp / "agent.token"
    token_file.write_text(venue.tokens["agent"] + "\n")
    token_file.chmod(0o600)
    agents = [venue.start_agent("--simulate", "--token-file", str(token_file), token="unused"),
              venue.start_agent("--simulate", server_url=second,
                                data_dir=venue.tmp / "agent-2")]
    wait_for("both agents connect",
             lambda: connected_agents(venue) and connected_agents(venue, second), venue)
    assert venue.tokens["agent"] not in command_line(agents[0])

    kejurda("token", "revoke", "e2e-agent", "--db", venue.db_url)
    wait_for("both open connections are closed",
             lambda: connected_agents(venue) == connected_agents(venue, second) == [], venue,
             timeout=60)
    for agent in agents:
        wait_for("the agent is refused at its next connect",
                 lambda a=agent: "reason=unauthorized: this token was revoked (token sudah "
                                 "dicabut)" in a.log.read_text(), venue)
    for server in venue.procs[:2]:
        assert "closing /timing connection " in server.log.read_text()
    assert connected_agents(venue) == connected_agents(venue, second) == []


def test_agent_tls_fingerprint_pins_the_venue_certificate_end_to_end(venue: Venue):
    folder = venue.tmp / "tls"
    fingerprint = kejurda("tls", "init", "--dir", str(folder)).strip()
    cert = str(folder / "venue.crt")
    port = free_port()
    url = f"https://127.0.0.1:{port}"
    server = Proc([sys.executable, "-m", "scoreboard.cli", "serve", "--port", str(port),
                   "--db", venue.db_url, "--tls-cert", cert, "--tls-key",
                   str(folder / "venue.key")], venue.tmp / "server.log").start()
    venue.procs.append(server)
    wait_for("the HTTPS server answers", lambda: _answers(url, cert), venue)

    right = simulate(venue, "--tls-fingerprint", fingerprint, "--name", "pinned",
                     server_url=url, token=venue.tokens["agent"])
    wait_for("the pinned agent connects", lambda: connected_agents(venue, url, cert), venue)
    # another answer for the server's address: a different certificate, a different print
    wrong = fingerprint[:-2] + ("00" if not fingerprint.endswith("00") else "11")
    impostor = simulate(venue, "--tls-fingerprint", wrong.lower().replace(":", ""),
                        "--name", "impostor", server_url=url, token=venue.tokens["agent"],
                        data_dir=venue.tmp / "agent-wrong")
    wait_for("the agent with the wrong pin refuses the server",
             lambda: f"TLS: refusing the server: its certificate's SHA-256 fingerprint "
                     f"{fingerprint} is not the pinned --tls-fingerprint {wrong}"
                     in impostor.log.read_text(), venue)

    # the pinned agent (and its simulator, over the same pin) times a run; the other never
    # got through
    run = requests.post(f"{url}/api/v1/runs", json={"category": "lf-smp", "team": "SMP-01"},
                        headers={"Authorization": f"Bearer {venue.tokens['timekeeper']}"},
                        verify=cert, timeout=10).json()
    deadline = time.monotonic() + 30
    while run["status"] in ("armed", "running"):
        assert time.monotonic() < deadline, venue.logs()
        time.sleep(0.1)
        run = requests.get(f"{url}/api/v1/runs/{run['id']}", verify=cert, timeout=5).json()
    finished_as_simulated(venue, run, venue.tmp / "agent")
    assert [a["status"]["agent"] for a in connected_agents(venue, url, cert)] == ["pinned"]
    assert "connected server=" not in impostor.log.read_text()
    assert right.popen.poll() is None and impostor.popen.poll() is None


def _answers(url: str, cert: str) -> bool:
    try:
        return requests.get(f"{url}/api/v1/categories", verify=cert, timeout=1).ok
    except requests.RequestException:
        return False


def test_demo_passes_the_agent_token_by_environment(tmp_path: Path):
    port = free_port()
    demo = Proc([sys.executable, "-m", "scoreboard.cli", "demo", "--port", str(port),
                 "--dir", str(tmp_path / "demo"), "--sim-scale", "0.1"],
                tmp_path / "demo.log").start()
    try:
        deadline = time.monotonic() + 60
        agent_pid = None
        while agent_pid is None:
            assert time.monotonic() < deadline, demo.tail()
            assert demo.popen.poll() is None, demo.tail()
            agent_pid = _child_running(demo.popen.pid, "hardware.cli")
            time.sleep(0.1)
        cmdline = Path(f"/proc/{agent_pid}/cmdline").read_bytes().split(b"\0")
        environ = dict(item.split(b"=", 1) for item in
                       Path(f"/proc/{agent_pid}/environ").read_bytes().split(b"\0") if item)
        token = environ[b"KEJURDA_TOKEN"]
        assert token.startswith(b"kj_") and len(token) > 30
        assert b"--token" not in cmdline and not any(token in arg for arg in cmdline)
        # and the token is bound to the demo's own devices
        db_url = f"sqlite:///{tmp_path / 'demo' / 'demo.db'}"
        listed = kejurda("token", "list", "--db", db_url)
        [line] = [row for row in listed.splitlines() if row.startswith("demo-sim\t")]
        db = Database(db_url)
        try:
            with db.transaction() as session:
                devices = sorted({source for track in session.scalars(select(Track))
                                  for source, _gate in track.gates()})
        finally:
            db.dispose()
        assert "esp32-a" in devices
        assert line.split("\t")[1:3] == ["agent", ",".join(devices)]
    finally:
        demo.stop(signal.SIGTERM)


def _child_running(parent: int, module: str) -> int | None:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and module.encode() in cmdline:
            return int(entry.name)
    return None

