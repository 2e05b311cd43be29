"""The rehearsal's invariants, each printed with its count.

Stored facts are read from the database the server wrote (read only), results are
recomputed from them with `judging/` alone and compared with what the server shows."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from hardware.sim_plan import plan_robot
from judging.awards import Ranked, medal_table, podium
from judging.brackets import resolve
from judging.brackets.placements import placements
from judging.brackets.single import build as single_build
from judging.match import MatchResult
from judging.rubric import Criterion, RubricRules, ScoreSheet, rank_rubric
from judging.timed_rank import Attempt, rank_timed
from scoreboard.db import Database
from scoreboard.models import (
    Category,
    GateEvent,
    MatchDraw,
    MatchRecord,
    Run,
    ScoreSheetVersion,
    Team,
    User,
)
from scoreboard.rehearsal.event import CRITERIA, SIM_DNF_RATE, sim_scale

SERVER_ERROR = re.compile(r"Traceback \(most recent call last\)|\bERROR\b")


class Report:
    """Invariants checked so far: each line printed, failures collected."""

    def __init__(self) -> None:
        self.failed: list[str] = []

    def check(self, name: str, count: int, problems: list[str]) -> None:
        mark = "ok" if not problems else f"FAILED ({len(problems)}: {problems[0]})"
        print(f"rehearsal: check {name}: {count} — {mark}", flush=True)
        if problems:
            self.failed.append(name)


def ground_truth(folder: Path) -> dict[int, dict]:
    """Every simulated robot's truth, from every agent's data folder."""
    truth = {}
    for path in folder.glob("agent-*/ground_truth.jsonl"):
        for line in path.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                truth[row["run_id"]] = row
    return truth


def check_edges(rep: Report, session, truth: dict[int, dict], box_rows: list[tuple]) -> None:
    """Every edge the simulators produced stored exactly once: every edge of the ESP32
    box as it captured it; the start and finish edge of every simulated Pi robot at its
    true time; no edge twice, by number or as the same physical edge under another."""
    edges = session.execute(select(GateEvent.source, GateEvent.boot, GateEvent.seq,
                                   GateEvent.gate, GateEvent.edge, GateEvent.t_us)).all()
    box_source = box_rows[0][0] if box_rows else None
    stored_box = sorted(tuple(e) for e in edges if e.source == box_source)
    by_seq = Counter((e.source, e.boot, e.seq) for e in edges)
    by_edge = Counter((e.source, e.boot, e.gate, e.edge, e.t_us) for e in edges)
    at = Counter((e.source, e.t_us) for e in edges)
    problems = [f"edge {k} stored {n} times" for k, n in by_seq.items() if n > 1]
    problems += [f"edge {k} stored {n} times" for k, n in by_edge.items() if n > 1]
    for run_id, row in truth.items():
        # each track of the rehearsal has its gates on one device
        for source, t_us in ((row["start_source"], row["start_t_us"]),
                             (row["start_source"], row["finish_t_us"])):
            if t_us is not None and at[(source, t_us)] < 1:
                problems.append(f"run {run_id}: edge {source}@{t_us} not stored")
    if stored_box != box_rows:
        missing = sorted(set(box_rows) - set(stored_box))
        extra = sorted(set(stored_box) - set(box_rows))
        problems.append(f"ESP32: {len(missing)} edges missing {missing[:2]}, "
                        f"{len(extra)} not captured {extra[:2]}")
    rep.check(f"gate edges stored exactly once ({len(box_rows)} of the ESP32 box)",
              len(edges), problems)


MAX_DRIFT = 200e-6  # the clock estimators' bound on a device's drift (hardware/clock.py)
SLACK_US = 1_000  # host clocks read at different moments, and whole-µs rounding


def check_wall_clocks(rep: Report, session) -> None:
    """Every edge's wall-clock estimate agrees with its device's own clock: within one
    (source, boot), two successive edges' `t_epoch_us` differ by their `t_us` difference
    within their stated uncertainties, the drift the estimators allow and SLACK_US. A
    stepped host clock leaking into the estimates would break this by the step."""
    rows = session.execute(select(GateEvent.source, GateEvent.boot, GateEvent.seq,
                                  GateEvent.t_us, GateEvent.t_epoch_us, GateEvent.t_epoch_err_us)
                           .where(GateEvent.t_epoch_us.is_not(None))
                           .order_by(GateEvent.source, GateEvent.boot, GateEvent.seq)).all()
    pairs, problems = wall_clock_problems(rows)
    rep.check("wall-clock estimates agree with the device clocks", pairs, problems)


def wall_clock_problems(rows) -> tuple[int, list[str]]:
    """`check_wall_clocks` on rows (source, boot, seq, t_us, t_epoch_us, t_epoch_err_us)
    ordered by source, boot and seq: the pairs compared and the problems."""
    problems, pairs = [], 0
    for a, b in zip(rows, rows[1:], strict=False):
        if (a.source, a.boot) != (b.source, b.boot):
            continue
        pairs += 1
        dt = b.t_us - a.t_us
        off = abs((b.t_epoch_us - a.t_epoch_us) - dt)
        bound = (a.t_epoch_err_us or 0) + (b.t_epoch_err_us or 0) + MAX_DRIFT * abs(dt)
        if off > bound + SLACK_US:
            problems.append(f"{a.source}/{a.boot} seq {a.seq}→{b.seq}: wall-clock estimates "
                            f"{off} µs apart from the device clock, bound {bound:.0f} µs")
    return pairs, problems


def epoch_bounds(session, truth: dict[int, dict]) -> dict[int, int | None]:
    """For each run timed across a reboot: how far its wall-clock time may honestly be
    from the truth, the start's and the finish's stated `t_epoch_err_us` added (each
    estimate is within its own of the true host time, hardware.clock), plus 1 µs for the
    truth's rounding; None when either edge came without an estimate."""
    bounds = {}
    for run_id, row in truth.items():
        if not row.get("across_reboot"):
            continue
        errs = [session.execute(select(GateEvent.t_epoch_us, GateEvent.t_epoch_err_us).where(
            GateEvent.source == row["start_source"], GateEvent.boot == boot,
            GateEvent.t_us == t_us, GateEvent.edge == "B")).first()
            for boot, t_us in ((row["start_boot"], row["start_t_us"]),
                               (row["finish_boot"], row["finish_t_us"]))]
        known = all(e is not None and e[0] is not None for e in errs)
        bounds[run_id] = sum(e[1] or 0 for e in errs) + 1 if known else None
    return bounds


def _across_reboot(run: dict, gt: dict, bound: int | None,
                   seen: list[tuple[int, int]]) -> str | None:
    """A run whose start and finish are edges of two boots of one device: finished from
    the wall-clock estimates within their bound, its checkpoint (before the reboot) exact.
    Its deviation and bound go to `seen`; the problem, if any."""
    if run["status"] != "finished" or run["checkpoints_us"] != gt["checkpoints_us"]:
        return (f"run {run['id']} across a reboot: {run['status']} {run['elapsed_us']} µs "
                f"{run['checkpoints_us']}, truth {gt['elapsed_us']} µs {gt['checkpoints_us']}")
    off = abs(run["elapsed_us"] - gt["elapsed_us"])
    if bound is None or off > bound:
        return (f"run {run['id']} across a reboot: {run['elapsed_us']} µs, {off} µs from "
                f"the truth {gt['elapsed_us']} µs, bound {bound} µs")
    seen.append((off, bound))
    return None


def check_run_times(rep: Report, ledger, truth: dict[int, dict],
                    agent_kills: list[float], planned=None,
                    bounds: dict[int, int | None] | None = None) -> Counter:
    """Every run's time equals the simulator's truth, or the run is in review with a
    reason. A robot killed with its agent (-9) before its finish leaves no truth: its run,
    in flight at the kill, timed out, or finished from edges already out, and then with
    exactly its robot's planned times (`planned(run)`: `hardware.sim_plan`, a pure
    function of the seed), never with another robot's edge. A run whose device rebooted
    between its start and finish has no common device clock: in review, or timed from
    wall-clock estimates within `bounds[run id]` (`epoch_bounds`), reported apart."""
    problems, outcome, across = [], Counter(), []
    for run_id, run in ledger.runs.items():
        gt = truth.get(run_id)
        outcome[run["status"]] += 1
        if run["status"] == "review" and run["reason"]:
            continue
        if gt is not None and gt.get("across_reboot"):
            problem = _across_reboot(run, gt, (bounds or {}).get(run_id), across)
            problems += [problem] if problem else []
            continue
        if gt is None:
            start, end = ledger.run_window[run_id]
            if not any(start <= kill <= end for kill in agent_kills):
                if run["status"] not in ("timeout", "aborted"):
                    problems.append(f"run {run_id}: {run['status']} without a simulated robot")
                continue
            outcome["lost with its agent"] += 1
            plan = planned(run) if planned is not None and run["status"] == "finished" else None
            if plan is not None and (run["elapsed_us"], run["checkpoints_us"]) != (
                    plan.elapsed_us, list(plan.checkpoints_us)):
                problems.append(f"run {run_id}: finished {run['elapsed_us']} µs with its "
                                f"agent killed, its robot's plan {plan.elapsed_us} µs")
        elif gt["outcome"] == "finished":
            if (run["status"], run["elapsed_us"], run["checkpoints_us"]) != (
                    "finished", gt["elapsed_us"], gt["checkpoints_us"]):
                problems.append(f"run {run_id}: {run['status']} {run['elapsed_us']} µs, "
                                f"truth {gt['elapsed_us']} µs")
        elif run["status"] != "timeout":
            problems.append(f"run {run_id}: {run['status']}, truth {gt['outcome']}")
    summary = ", ".join(f"{k} {v}" for k, v in sorted(outcome.items()))
    if across:
        off, bound = max(across)
        summary += (f"; {len(across)} timed across a reboot from wall-clock estimates, "
                    f"{off / 1000:.3f} ms from the truth, bound {bound / 1000:.3f} ms")
    rep.check(f"run times equal the ground truth ({summary})", len(ledger.runs), problems)
    return outcome


def robot_plans(r):
    """`planned(run)`: the plan of the simulated robot of a run on the Pi's track, as the
    simulated agent made it (same seed, scale and DNF rate); None on another track."""
    tracks = {t["slug"]: t for t in r.venue.api("GET", "/tracks").json()}

    def planned(run: dict):
        if run["track"] != "lintasan-pi":
            return None
        return plan_robot(tracks[run["track"]], run["team"], run["attempt"], r.options.seed,
                          float(sim_scale(r.options.speed)), SIM_DNF_RATE)
    return planned


def check_entries(rep: Report, session, ledger) -> None:
    """Every score sheet and match result entered is stored once, as entered."""
    problems = []
    stored = session.execute(select(Category.slug, User.name, Team.code,
                                    ScoreSheetVersion.scores)
                             .join(Category, ScoreSheetVersion.category_id == Category.id)
                             .join(User, ScoreSheetVersion.judge_id == User.id)
                             .join(Team, ScoreSheetVersion.team_id == Team.id)).all()
    counts = Counter((row[0], row[1], row[2]) for row in stored)
    for key in ledger.sheets:
        if counts[key] != 1:
            problems.append(f"sheet {key} stored {counts[key]} times")
    problems += [f"sheet {k} stored but never entered" for k in counts if k not in ledger.sheets]
    problems += [f"sheet {(s, j, t)} differs" for s, j, t, scores in stored
                 if (s, j, t) in ledger.sheets and scores != ledger.sheets[(s, j, t)]["scores"]]
    rep.check("score sheets stored once", len(stored), problems)

    problems = []
    records = session.execute(select(Category.slug, MatchRecord.match_id, MatchRecord.result)
                              .join(Category, MatchRecord.category_id == Category.id)).all()
    counts = Counter((row[0], row[1]) for row in records)
    for key in ledger.results:
        if counts[key] != 1:
            problems.append(f"result {key} stored {counts[key]} times")
    for slug, match_id, result in records:
        body = ledger.results.get((slug, match_id))
        if body is None:
            problems.append(f"result {(slug, match_id)} stored but never entered")
            continue
        home, away = (body.get("home_yuko", body.get("home_goals")),
                      body.get("away_yuko", body.get("away_goals")))
        if (result["home_score"], result["away_score"]) != (home, away):
            problems.append(f"result {(slug, match_id)}: stored {result['home_score']}-"
                            f"{result['away_score']}, entered {home}-{away}")
    rep.check("match results stored once", len(records), problems)


def recompute(session, plan) -> dict[str, list[tuple[str, int | None]]]:
    """Every category's ranking from the stored facts, by `judging/` alone."""
    out = {}
    teams = {slug: sorted(codes) for slug, codes in plan.teams.items()}
    for slug, kind in plan.formats.items():
        if kind == "timed":
            rows = session.execute(select(Team.code, Run.attempt, Run.status, Run.elapsed_us)
                                   .join(Team, Run.team_id == Team.id)
                                   .join(Category, Run.category_id == Category.id)
                                   .where(Category.slug == slug)).all()
            entries = rank_timed(teams[slug], [Attempt(*row) for row in rows])
            out[slug] = [(e.team, e.rank, e.best_us) for e in entries]
        elif kind == "judged":
            rules = RubricRules(tuple(Criterion(k, n, w, 100) for k, n, w in CRITERIA))
            rows = session.execute(select(User.name, Team.code, ScoreSheetVersion.scores,
                                          ScoreSheetVersion.version)
                                   .join(User, ScoreSheetVersion.judge_id == User.id)
                                   .join(Team, ScoreSheetVersion.team_id == Team.id)
                                   .order_by(ScoreSheetVersion.version)).all()
            latest = {(j, t): scores for j, t, scores, _v in rows}
            sheets = [ScoreSheet(j, t, scores) for (j, t), scores in latest.items()]
            out[slug] = [(e.team, e.rank) for e in rank_rubric(rules, teams[slug], sheets)]
        else:
            out[slug] = _bracket_places(session, slug)
    return out


def _bracket_places(session, slug: str) -> list[tuple[str, int | None]]:
    draw = session.scalar(select(MatchDraw).join(Category).where(Category.slug == slug))
    records = session.scalars(select(MatchRecord).join(Category).where(Category.slug == slug)
                              .order_by(MatchRecord.version)).all()
    latest = {r.match_id: r.result for r in records}
    results = [MatchResult.from_dict(res) for res in latest.values() if res is not None]
    bracket = single_build(list(draw.seeded), third_place=True)
    return [(p.team, p.rank) for p in placements(bracket, resolve(bracket, results))]


def check_rankings(rep: Report, session, r) -> None:
    """Rankings, brackets and medals the server shows equal those recomputed."""
    mine = recompute(session, r.plan)
    problems, count = [], 0
    for slug, expected in mine.items():
        shown = r.venue.api("GET", f"/categories/{slug}/ranking").json()["entries"]
        width = len(expected[0]) if expected else 2
        got = [(e["team"], e["rank"], e.get("best_us"))[:width] for e in shown]
        count += len(got)
        if got != expected:
            problems.append(f"{slug}: shown {got[:3]}…, recomputed {expected[:3]}…")
    schools = dict(session.execute(select(Team.code, Team.institution)).all())
    places = []
    for slug, expected in mine.items():
        places += podium(slug, [Ranked(row[0], schools[row[0]], row[1]) for row in expected])
    table = [row.as_dict() for row in medal_table(places)]
    if table != r.medals:
        problems.append(f"medals: shown {r.medals[:2]}…, recomputed {table[:2]}…")
    rep.check(f"rankings, brackets and medals recomputed by judging/ ({len(table)} schools)",
              count, problems)


def check_viewers(rep: Report, ledger, records: list) -> None:
    """Exact, per (viewer, run): where the viewer was connected, as it saw its own socket
    (`viewers.ViewerRecord`), from the run's arming until its desk saw it end, it received
    the run's final update. A viewer the server cut off or lost is not connected from the
    moment its socket closed, so only an update that really went missing fails this."""
    problems, due, received = [], 0, 0
    for run_id, run in sorted(ledger.runs.items()):
        start, end = ledger.run_window[run_id]
        for n, viewer in enumerate(records):
            if viewer.connected_through(start, end):
                due += 1
                if run["status"] in viewer.seen.get(run_id, ()):
                    received += 1
                else:
                    problems.append(f"viewer {n} missed run {run_id} {run['status']}")
    if records and ledger.runs and not due:  # a check that checked nothing is no check
        problems.append(f"no viewer was connected through any of {len(ledger.runs)} runs")
    updates = sum(len(v.updates) for v in records)
    ends = Counter(why for v in records for *_window, why in v.windows if why != "stopped")
    reconnects = sum(max(0, len(v.windows) - 1) for v in records)
    why = "".join(f", {k} {n}" for k, n in sorted(ends.items()))
    rep.check(f"viewers saw every run update ({received} of {due} final updates received, "
              f"{updates} updates in all, {reconnects} reconnections{why})", due, problems)


def check_certificates(rep: Report, r) -> None:
    """Every participant (each pupil of each team) has a certificate."""
    pupils = sum(r.plan.members.values())
    problems = [] if r.certificate_pages == pupils else [
        f"{r.certificate_pages} pages for {pupils} participants"]
    problems += [f"{code}: no certificate on its link" for code, ok in
                 r.team_certificates.items() if not ok]
    rep.check("participants with a certificate", pupils, problems)


def check_logs(rep: Report, folder: Path) -> None:
    """No traceback or ERROR line in the server's and agents' logs."""
    problems, lines = [], 0
    for path in sorted(folder.glob("*.log")):
        for line in path.read_text(errors="replace").splitlines():
            lines += 1
            if SERVER_ERROR.search(line):
                problems.append(f"{path.name}: {line.strip()[:160]}")
    rep.check("log lines without a server error", lines, problems)


def check_all(r) -> list[str]:
    """Every invariant; the names of those that failed."""
    rep = Report()
    truth = ground_truth(r.options.folder) | r.esp32.truth
    r.esp32.wait_acked()
    db = Database(r.venue.db_url)
    try:
        with db.transaction() as session:
            check_edges(rep, session, truth, r.esp32.expected_rows())
            check_run_times(rep, r.ledger, truth, r.agent_kills, robot_plans(r),
                            epoch_bounds(session, truth))
            check_wall_clocks(rep, session)
            check_entries(rep, session, r.ledger)
            check_rankings(rep, session, r)
    finally:
        db.dispose()
    check_viewers(rep, r.ledger, r.viewers)
    check_certificates(rep, r)
    check_logs(rep, r.options.folder)
    return rep.failed
