"""The HTTP API (docs/contract.md §4): reads, arming and aborting runs, auth, and error bodies.

Every 4xx is `{"error": "<message>"}`; nothing a client sends may cause a 500.
"""

from __future__ import annotations

import re

import pytest

from scoreboard.models import AuditRecord, Run

RUNS = "/api/v1/runs"


def error(resp, status: int) -> str:
    """Insist on `status` with a body of exactly {"error": "<non-empty text>"}."""
    assert resp.status_code == status, (resp.status_code, resp.data[:300])
    assert resp.is_json, resp.data[:300]
    body = resp.get_json()
    assert set(body) == {"error"} and isinstance(body["error"], str) and body["error"], body
    return body["error"]


def timed_run(api, agent, category: str, team: str, elapsed_us: int, t0: int = 5_000_000):
    """Arm a run on lintasan-a (lf-smp) and let the gates finish it in `elapsed_us`."""
    run = api.arm(category, team)
    agent.send("esp32-a", 0, "B", t0)
    agent.send("esp32-a", 1, "B", t0 + elapsed_us)
    return api.run(run["id"])


# ------------------------------------------------------------------ reads


def test_categories_list(api):
    resp = api.get("/api/v1/categories")
    assert resp.status_code == 200
    assert resp.get_json() == [
        {"slug": "lf-smp", "name": "Line Follower SMP", "format": "timed"},
        {"slug": "lf-sd", "name": "Line Follower SD", "format": "timed"},
        {"slug": "lf-sma", "name": "Line Follower SMA", "format": "timed"},
        {"slug": "lf-cepat", "name": "Line Follower Cepat", "format": "timed"},
        {"slug": "sumo-sma", "name": "Robot Sumo SMA", "format": "match"},
        {"slug": "kreatif-sd", "name": "Robot Kreatif SD", "format": "judged"},
    ]


def test_tracks_list(api):
    tracks = api.get("/api/v1/tracks").get_json()
    assert [t["slug"] for t in tracks] == ["lintasan-a", "lintasan-b", "lintasan-c", "lintasan-d"]
    assert tracks[0] == {"slug": "lintasan-a", "name": "Lintasan A",
                         "start": {"source": "esp32-a", "gate": 0},
                         "finish": {"source": "esp32-a", "gate": 1},
                         "checkpoints": [{"source": "esp32-a", "gate": 2}], "min_run_ms": 2000}


def test_ranking_before_any_run_lists_every_team_without_time(api):
    body = api.ranking("lf-smp")
    assert body["category"] == "lf-smp"
    assert [(e["rank"], e["team"], e["team_name"], e["best_us"], e["status"])
            for e in body["entries"]] == [
        (None, "LF-SMP-001", "Merapi Tim 1", None, "not_started"),
        (None, "LF-SMP-002", "Kelud Robotik 2", None, "not_started"),
        (None, "LF-SMP-003", "Brantas Robotik 3", None, "not_started"),
        (None, "LF-SMP-004", "Bima Junior 4", None, "not_started"),
    ]


def test_ranking_order_ties_and_teams_without_time_last(api, agent):
    timed_run(api, agent, "lf-smp", "LF-SMP-003", 10_000_000)
    timed_run(api, agent, "lf-smp", "LF-SMP-002", 8_500_001)
    timed_run(api, agent, "lf-smp", "LF-SMP-001", 10_000_000)
    # LF-SMP-004 tries once and is aborted: no finished attempt
    aborted = api.arm("lf-smp", "LF-SMP-004")
    assert api.post(f"{RUNS}/{aborted['id']}/abort").status_code == 200
    entries = api.ranking("lf-smp")["entries"]
    assert [(e["rank"], e["team"], e["best_us"], e["status"]) for e in entries] == [
        (1, "LF-SMP-002", 8_500_001, "finished"),
        (2, "LF-SMP-001", 10_000_000, "finished"),  # tied: shared rank, then by code
        (2, "LF-SMP-003", 10_000_000, "finished"),
        (None, "LF-SMP-004", None, "dnf"),
    ]
    # a second finished attempt breaks the tie (next-best), a slower one too
    timed_run(api, agent, "lf-smp", "LF-SMP-003", 12_000_000)
    entries = api.ranking("lf-smp")["entries"]
    assert [(e["rank"], e["team"], e["best_us"]) for e in entries] == [
        (1, "LF-SMP-002", 8_500_001), (2, "LF-SMP-003", 10_000_000),
        (3, "LF-SMP-001", 10_000_000), (None, "LF-SMP-004", None)]


def test_ranking_of_unknown_category_is_404(api):
    assert "tidak-ada" in error(api.get("/api/v1/categories/tidak-ada/ranking"), 404)


def test_get_run(api):
    run = api.arm("lf-smp", "LF-SMP-001")
    got = api.run(run["id"])
    assert {k: got[k] for k in ("id", "category", "team", "attempt", "status", "elapsed_us",
                                "checkpoints_us")} == {
        "id": run["id"], "category": "lf-smp", "team": "LF-SMP-001", "attempt": 1,
        "status": "armed", "elapsed_us": None, "checkpoints_us": [None]}


def test_run_object_carries_the_internals_extensions(api):
    run = api.arm("lf-sd", "LF-SD-002")
    assert (run["team_name"], run["track"], run["reason"], run["start_t_epoch_us"]) == (
        "Arjuna Junior 2", "lintasan-b", None, None)
    assert run["checkpoints_us"] == []


def test_server_time(api):
    import time

    before = time.time_ns() // 1000
    now = api.get("/api/v1/time").get_json()["now_us"]
    assert before <= now <= time.time_ns() // 1000


@pytest.mark.parametrize("path", [f"{RUNS}/999", f"{RUNS}/0", f"{RUNS}/99999999999999999999999",
                                  f"{RUNS}/abc", f"{RUNS}/-1", "/api/v1/tidak-ada", "/api/v1",
                                  "/api/v1/"])
def test_unknown_run_or_path_is_json_404(api, path):
    error(api.get(path), 404)


def test_wrong_method_is_json_405(api):
    resp = api.client.delete(RUNS)
    error(resp, 405)
    assert set(resp.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


# ------------------------------------------------------------------ arming a run


@pytest.mark.parametrize("role", ["timekeeper", "admin"])
def test_timekeeper_and_admin_arm_a_run(api, role, count):
    resp = api.post(RUNS, {"category": "lf-smp", "team": "LF-SMP-001"}, role=role)
    assert resp.status_code == 201
    run = resp.get_json()
    assert (run["category"], run["team"], run["attempt"], run["status"], run["elapsed_us"],
            run["checkpoints_us"]) == ("lf-smp", "LF-SMP-001", 1, "armed", None, [None])
    assert isinstance(run["id"], int)
    assert count(Run) == 1
    assert count(AuditRecord, action="arm", entity_id=str(run["id"])) == 1


@pytest.mark.parametrize("headers,status", [
    ({}, 401),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, 401),
    ({"Authorization": "Bearer"}, 401),
    ({"Authorization": "Bearer "}, 401),
    ({"Authorization": "Token kj_abc"}, 401),
    ({"Authorization": "Bearer kj_not-a-real-token"}, 401),
    ({"Authorization": "Bearer " + "x" * 5000}, 401),
])
def test_arm_without_valid_credentials_is_401(api, count, headers, status):
    resp = api.post(RUNS, {"category": "lf-smp", "team": "LF-SMP-001"}, role=None,
                    headers=headers)
    error(resp, status)
    assert count(Run) == 0


@pytest.mark.parametrize("role", ["judge", "agent"])
def test_arm_with_a_role_that_may_not_is_403(api, count, role):
    error(api.post(RUNS, {"category": "lf-smp", "team": "LF-SMP-001"}, role=role), 403)
    assert count(Run) == 0


def test_auth_is_checked_before_the_body(api):
    error(api.post(RUNS, role=None, data="{not json"), 401)
    error(api.post(RUNS, role="judge", data="{not json"), 403)


@pytest.mark.parametrize("data", ["{not json", "", "{'category': 'lf-smp'}", "\xff\xfe",
                                  "[" * 50_000 + "]" * 50_000])
def test_malformed_json_is_400(api, count, data):
    assert "JSON" in error(api.post(RUNS, data=data), 400)
    assert count(Run) == 0


@pytest.mark.parametrize("data", ['["lf-smp", "LF-SMP-001"]', '"lf-smp"', "42", "null", "true"])
def test_json_that_is_not_an_object_is_400(api, data):
    assert "object" in error(api.post(RUNS, data=data), 400)


@pytest.mark.parametrize("body,field", [
    ({"team": "LF-SMP-001"}, "category"),
    ({"category": "lf-smp"}, "team"),
    ({}, "category"),
    ({"category": None, "team": "LF-SMP-001"}, "category"),
    ({"category": 7, "team": "LF-SMP-001"}, "category"),
    ({"category": ["lf-smp"], "team": "LF-SMP-001"}, "category"),
    ({"category": "", "team": "LF-SMP-001"}, "category"),
    ({"category": "lf-smp", "team": 1}, "team"),
    ({"category": "lf-smp", "team": True}, "team"),
    ({"category": "lf-smp", "team": {"code": "LF-SMP-001"}}, "team"),
])
def test_missing_or_wrong_typed_field_is_422_naming_it(api, count, body, field):
    message = error(api.post(RUNS, body), 422)
    assert message.startswith(f"{field}:"), message
    assert count(Run) == 0


@pytest.mark.parametrize("body,field", [
    ({"category": "lf-tk", "team": "LF-SMP-001"}, "category"),
    ({"category": "lf-smp", "team": "LF-SMP-999"}, "team"),
])
def test_unknown_category_or_team_is_404(api, count, body, field):
    assert error(api.post(RUNS, body), 404).startswith(f"{field}:")
    assert count(Run) == 0


def test_team_of_another_category_is_422(api, count):
    message = error(api.post(RUNS, {"category": "lf-smp", "team": "LF-SD-001"}), 422)
    assert message.startswith("team:") and "LF-SD-001" in message
    assert count(Run) == 0


@pytest.mark.parametrize("category,team", [("sumo-sma", "SUMO-001"), ("kreatif-sd", "KRE-001")])
def test_non_timed_category_is_422(api, count, category, team):
    assert "not a timed category" in error(api.post(RUNS, {"category": category, "team": team}),
                                           422)
    assert count(Run) == 0


def test_armed_track_is_busy_409(api, count):
    api.arm("lf-smp", "LF-SMP-001")
    message = error(api.post(RUNS, {"category": "lf-smp", "team": "LF-SMP-002"}), 409)
    assert "busy" in message
    assert count(Run) == 1
    # another track is free
    assert api.arm("lf-sd", "LF-SD-001")["status"] == "armed"


def test_running_track_is_busy_409(api, agent):
    run = api.arm("lf-smp", "LF-SMP-001")
    agent.send("esp32-a", 0, "B", 1_000)
    assert api.run(run["id"])["status"] == "running"
    error(api.post(RUNS, {"category": "lf-smp", "team": "LF-SMP-002"}), 409)


def test_review_holds_the_track_409(api, agent):
    # lintasan-c: start and finish on two devices without epoch times -> review
    run = api.arm("lf-sma", "LF-SMA-001")
    agent.send("esp32-c1", 0, "B", 1_000_000)
    agent.send("esp32-c2", 0, "B", 9_000_000)
    assert api.run(run["id"])["status"] == "review"
    error(api.post(RUNS, {"category": "lf-sma", "team": "LF-SMA-001"}), 409)
    # once a timekeeper resolves it (here: aborts), the track is free again
    assert api.post(f"{RUNS}/{run['id']}/abort").get_json()["status"] == "dnf"
    assert api.arm("lf-sma", "LF-SMA-001")["attempt"] == 2


def test_fourth_attempt_is_409_and_aborted_runs_count(api, agent, count):
    first = api.arm("lf-smp", "LF-SMP-001")
    assert api.post(f"{RUNS}/{first['id']}/abort").status_code == 200
    second = timed_run(api, agent, "lf-smp", "LF-SMP-001", 9_000_000)
    assert second["attempt"] == 2
    third = api.arm("lf-smp", "LF-SMP-001")
    assert third["attempt"] == 3
    assert api.post(f"{RUNS}/{third['id']}/abort").status_code == 200
    message = error(api.post(RUNS, {"category": "lf-smp", "team": "LF-SMP-001"}), 409)
    assert "3 attempts" in message
    assert count(Run) == 3
    # the other teams still have theirs
    assert api.arm("lf-smp", "LF-SMP-002")["attempt"] == 1


# ------------------------------------------------------------------ aborting a run


def test_abort_an_armed_run(api, count):
    run = api.arm("lf-smp", "LF-SMP-001")
    resp = api.post(f"{RUNS}/{run['id']}/abort")
    assert resp.status_code == 200
    body = resp.get_json()
    assert (body["id"], body["status"], body["elapsed_us"]) == (run["id"], "dnf", None)
    assert api.run(run["id"])["status"] == "dnf"
    assert count(AuditRecord, action="abort", entity_id=str(run["id"])) == 1


def test_every_stored_change_raises_the_run_version(api, agent):
    """Pages order a fetched run against a pushed one by this field."""
    run = api.arm("lf-smp", "LF-SMP-001")
    agent.send("esp32-a", 0, "B", 1_000)
    running = api.run(run["id"])
    aborted = api.post(f"{RUNS}/{run['id']}/abort").get_json()
    assert [r["status"] for r in (run, running, aborted)] == ["armed", "running", "dnf"]
    assert run["version"] < running["version"] < aborted["version"]
    assert api.run(run["id"])["version"] == aborted["version"]  # reading changes nothing


def test_abort_a_running_run_with_a_reason(api, agent):
    run = api.arm("lf-smp", "LF-SMP-001")
    agent.send("esp32-a", 0, "B", 1_000)
    resp = api.post(f"{RUNS}/{run['id']}/abort", {"reason": "robot keluar lintasan"},
                    role="admin")
    assert resp.status_code == 200
    assert (resp.get_json()["status"], resp.get_json()["reason"]) == ("dnf",
                                                                       "robot keluar lintasan")


def test_abort_a_run_in_review(api, agent):
    run = api.arm("lf-sma", "LF-SMA-001")
    agent.send("esp32-c1", 0, "B", 1_000_000)
    agent.send("esp32-c2", 0, "B", 9_000_000)
    assert api.post(f"{RUNS}/{run['id']}/abort").get_json()["status"] == "dnf"


def test_abort_a_finished_run_is_409_and_keeps_the_time(api, agent):
    run = timed_run(api, agent, "lf-smp", "LF-SMP-001", 9_000_000)
    assert run["status"] == "finished"
    assert "finished" in error(api.post(f"{RUNS}/{run['id']}/abort"), 409)
    again = api.run(run["id"])
    assert (again["status"], again["elapsed_us"]) == ("finished", 9_000_000)


def test_abort_twice_is_409(api):
    run = api.arm("lf-smp", "LF-SMP-001")
    api.post(f"{RUNS}/{run['id']}/abort")
    error(api.post(f"{RUNS}/{run['id']}/abort"), 409)


def test_abort_auth(api):
    run = api.arm("lf-smp", "LF-SMP-001")
    path = f"{RUNS}/{run['id']}/abort"
    error(api.post(path, role=None), 401)
    error(api.post(path, role=None, headers={"Authorization": "Bearer kj_nope"}), 401)
    error(api.post(path, role="judge"), 403)
    error(api.post(path, role="agent"), 403)
    assert api.run(run["id"])["status"] == "armed"


@pytest.mark.parametrize("path", [f"{RUNS}/999/abort", f"{RUNS}/99999999999999999999999/abort"])
def test_abort_unknown_run_is_404(api, path):
    error(api.post(path), 404)


@pytest.mark.parametrize("data,status", [("{bad", 400), ("[]", 400), ('{"reason": 5}', 422),
                                         ('{"reason": ""}', 422)])
def test_abort_with_a_bad_body(api, data, status):
    run = api.arm("lf-smp", "LF-SMP-001")
    error(api.post(f"{RUNS}/{run['id']}/abort", data=data), status)
    assert api.run(run["id"])["status"] == "armed"


# ------------------------------------------------------------------ garbage never 500s

GARBAGE = [
    {"category": 10**30, "team": 10**30},
    {"category": -1, "team": 1.5e308},
    {"category": [], "team": []},
    {"category": {}, "team": {}},
    {"category": None, "team": None},
    {"category": "lf-smp", "team": "LF-SMP-001\u0000"},
    {"category": "ñandú-🤖", "team": "تيم"},
    {"category": "x" * 100_000, "team": "y" * 100_000},
    {"category": "lf-smp", "team": "LF-SMP-001", "extra": [1, {"a": None}]},
    {"": ""},
]


@pytest.mark.parametrize("body", GARBAGE)
def test_garbage_bodies_never_500(api, count, body):
    resp = api.post(RUNS, body)
    if resp.status_code == 201:  # extra keys are ignored
        assert body.get("extra") is not None
        return
    error(resp, resp.status_code)
    assert 400 <= resp.status_code < 500


@pytest.mark.parametrize("data", ['{"category": 1e999, "team": "x"}',
                                  '{"category": NaN, "team": Infinity}',
                                  '{"category": "' + "9" * 5000 + '"}',
                                  '{"category": ' + "9" * 5000 + "}"])
def test_garbage_json_never_500(api, data):
    resp = api.post(RUNS, data=data)
    error(resp, resp.status_code)
    assert resp.status_code in (400, 404, 422)


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "limit=-5", "limit=abc", "limit=²",
                                   "limit=٣", "limit=" + "9" * 400])
def test_bad_runs_limit_is_422(api, query):
    assert error(api.get(f"{RUNS}?{query}"), 422).startswith("limit:")


def test_runs_list_filters(api, agent):
    timed_run(api, agent, "lf-smp", "LF-SMP-001", 9_000_000)
    api.arm("lf-sd", "LF-SD-001")
    assert [r["team"] for r in api.get(RUNS).get_json()] == ["LF-SD-001", "LF-SMP-001"]
    assert [r["team"] for r in api.get(f"{RUNS}?category=lf-smp").get_json()] == ["LF-SMP-001"]
    assert [r["team"] for r in api.get(f"{RUNS}?status=armed").get_json()] == ["LF-SD-001"]
    assert api.get(f"{RUNS}?limit=1").get_json()[0]["team"] == "LF-SD-001"


@pytest.mark.parametrize("body", [{"elapsed_us": 2**63, "reason": "x"},
                                  {"elapsed_us": -1, "reason": "x"},
                                  {"elapsed_us": True, "reason": "x"},
                                  {"elapsed_us": 9_000_000}])
def test_resolve_with_bad_values_is_422(api, agent, body):
    run = api.arm("lf-sma", "LF-SMA-001")
    agent.send("esp32-c1", 0, "B", 1_000_000)
    agent.send("esp32-c2", 0, "B", 9_000_000)
    error(api.post(f"{RUNS}/{run['id']}/resolve", body), 422)
    assert api.run(run["id"])["status"] == "review"


def test_resolve_a_review_with_a_time(api, agent):
    run = api.arm("lf-sma", "LF-SMA-001")
    agent.send("esp32-c1", 0, "B", 1_000_000)
    agent.send("esp32-c2", 0, "B", 9_000_000)
    resp = api.post(f"{RUNS}/{run['id']}/resolve", {"elapsed_us": 8_123_456,
                                                      "reason": "stopwatch video"})
    assert resp.status_code == 200
    assert (resp.get_json()["status"], resp.get_json()["elapsed_us"]) == ("finished", 8_123_456)
    assert api.ranking("lf-sma")["entries"][0]["best_us"] == 8_123_456


# ------------------------------------------------------------------ OpenAPI


def test_openapi_documents_every_api_route(app, api):
    doc = api.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    routes = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/")]
    assert len(routes) >= 8
    missing = []
    for rule in routes:
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method.lower() not in paths.get(path, {}):
                missing.append(f"{method} {path}")
    assert missing == []
    # and nothing documented that does not exist
    documented = {(p, m) for p, ops in paths.items() for m in ops}
    real = {(re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", r.rule), m.lower())
            for r in routes for m in r.methods - {"HEAD", "OPTIONS"}}
    assert documented - real == set()


def test_openapi_error_schema_and_run_fields(api):
    doc = api.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    assert schemas["Error"]["required"] == ["error"]
    assert set(schemas["Run"]["required"]) == {"id", "category", "team", "attempt", "status",
                                               "elapsed_us", "checkpoints_us"}
    post = doc["paths"]["/api/v1/runs"]["post"]
    assert {"201", "400", "401", "403", "404", "409", "422"} <= set(post["responses"])


SUM_EVENT = """\
[event]
name = "Uji Jumlah"
slug = "uji-jumlah"

[[track]]
slug = "lintasan-s"
name = "Lintasan S"
start  = { source = "esp32-s", gate = 0 }
finish = { source = "esp32-s", gate = 1 }

[[category]]
slug = "lf-jumlah"
name = "Line Follower Jumlah"
format = "timed"
track = "lintasan-s"
attempts = 3
ranking = "sum_best_n"
best_n = 2
"""


def test_sum_best_n_ranking_from_the_event_file(app, api, agent, tmp_path):
    from scoreboard.services.event_file import load_event
    from scoreboard.services.teams_csv import import_teams

    db = app.extensions["kejurda_db"]
    (tmp_path / "sum.toml").write_text(SUM_EVENT)
    (tmp_path / "sum.csv").write_text(
        "code,name,institution,category,level,members,contact\n"
        "S-A,Tim A,X,lf-jumlah,SMA,a,0\nS-B,Tim B,X,lf-jumlah,SMA,b,0\n"
        "S-C,Tim C,X,lf-jumlah,SMA,c,0\n")
    with db.transaction() as s:
        load_event(s, tmp_path / "sum.toml")
    with db.transaction() as s:
        import_teams(s, tmp_path / "sum.csv")
    t = 1_000_000
    for team, elapsed in (("S-A", 10_000_000), ("S-A", 10_000_000), ("S-B", 8_000_000),
                          ("S-B", 13_000_000), ("S-C", 7_000_000)):
        api.arm("lf-jumlah", team)
        agent.send("esp32-s", 0, "B", t)
        agent.send("esp32-s", 1, "B", t + elapsed)
        t += 60_000_000
    entries = api.ranking("lf-jumlah")["entries"]
    # two counted runs beat one; then the smaller sum
    assert [(e["rank"], e["team"], e["score_us"], e["best_us"]) for e in entries] == [
        (1, "S-A", 20_000_000, 10_000_000), (2, "S-B", 21_000_000, 8_000_000),
        (3, "S-C", 7_000_000, 7_000_000)]


def test_disqualify_a_finished_run_keeps_the_time_but_not_the_rank(api, agent):
    run = timed_run(api, agent, "lf-smp", "LF-SMP-001", 7_000_000)
    path = f"{RUNS}/{run['id']}/dsq"
    error(api.post(path, {}), 422)
    error(api.post(path, {"reason": "potong jalur"}, role="judge"), 403)
    resp = api.post(path, {"reason": "potong jalur"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert (body["status"], body["elapsed_us"], body["reason"]) == ("dsq", 7_000_000,
                                                                    "potong jalur")
    entry = next(e for e in api.ranking("lf-smp")["entries"] if e["team"] == "LF-SMP-001")
    assert (entry["rank"], entry["best_us"], entry["status"]) == (None, None, "dsq")
    error(api.post(path, {"reason": "lagi"}), 409)
