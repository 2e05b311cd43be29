"""Open data and the medal table: the data package validates, counts match the API, the
cursor names what changed, ETags revalidate, and nothing personal leaves."""

from __future__ import annotations

import csv
import io
import json

import pytest
from frictionless import validate

from tests.scoreboard.matches_support import add_match_categories

OPEN = "/api/v1/open"


@pytest.fixture
def played(app, api, agent):
    """lf-smp: three finished runs; ko-8: a whole single-elimination bracket (home wins)."""
    t0 = 5_000_000
    for team, elapsed in (("LF-SMP-001", 10_000_000), ("LF-SMP-002", 12_000_000),
                          ("LF-SMP-003", 11_000_000)):
        run = api.arm("lf-smp", team)
        agent.send("esp32-a", 0, "B", t0)
        agent.send("esp32-a", 1, "B", t0 + elapsed)
        assert api.run(run["id"])["status"] == "finished"
        t0 += 60_000_000
    add_match_categories(app)
    assert api.post("/api/v1/categories/ko-8/draw", role="admin").status_code == 201
    assert api.post("/api/v1/categories/ko-8/draw/publish", role="admin").status_code == 200
    while ready := api.get("/api/v1/matches?category=ko-8&status=ready").get_json():
        match = ready[0]["id"]
        resp = api.post(f"/api/v1/categories/ko-8/matches/{match}/result",
                        {"home_score": 3, "away_score": 1})
        assert resp.status_code == 201, resp.get_json()
    return api


def test_medal_table_counts_each_placed_team_once_for_its_school(played):
    # lf-smp: 001 (SMPN 1 Blitar) 10 s, 003 (MTsN 1 Blitar) 11 s, 002 (SMPN 3 Blitar) 12 s;
    # ko-8: KO-1 champion, KO-2 final, KO-3 and KO-4 share third (no third-place match).
    # Points 5/3/1; equal schools share a rank and are listed by name.
    resp = played.get("/api/v1/medals")
    assert resp.status_code == 200
    assert resp.get_json() == [
        {"rank": 1, "institution": "SMPN 1 Blitar", "gold": 1, "silver": 0, "bronze": 0,
         "points": 5},
        {"rank": 1, "institution": "Sekolah KO-1", "gold": 1, "silver": 0, "bronze": 0,
         "points": 5},
        {"rank": 3, "institution": "MTsN 1 Blitar", "gold": 0, "silver": 1, "bronze": 0,
         "points": 3},
        {"rank": 3, "institution": "Sekolah KO-2", "gold": 0, "silver": 1, "bronze": 0,
         "points": 3},
        {"rank": 5, "institution": "SMPN 3 Blitar", "gold": 0, "silver": 0, "bronze": 1,
         "points": 1},
        {"rank": 5, "institution": "Sekolah KO-3", "gold": 0, "silver": 0, "bronze": 1,
         "points": 1},
        {"rank": 5, "institution": "Sekolah KO-4", "gold": 0, "silver": 0, "bronze": 1,
         "points": 1},
    ]


def test_the_data_package_validates_and_its_row_counts_equal_the_api(played, tmp_path):
    descriptor = played.get(f"{OPEN}/datapackage.json").get_json()
    names = [r["name"] for r in descriptor["resources"]]
    assert names == ["categories", "teams", "runs", "matches", "rankings", "medals"]
    for res in descriptor["resources"]:
        # the paths are absolute URLs of this server; the test client fetches them
        path = res["path"].split("://", 1)[1].split("/", 1)[1]
        body = played.get("/" + path)
        assert body.status_code == 200 and body.mimetype == "text/csv"
        (tmp_path / f"{res['name']}.csv").write_bytes(body.data)
        res["path"] = f"{res['name']}.csv"
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor))
    report = validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    counts = {n: len(list(csv.DictReader(io.StringIO((tmp_path / f"{n}.csv").read_text()))))
              for n in names}
    api_rankings = sum(len(played.ranking(c["slug"])["entries"])
                       for c in played.get("/api/v1/categories").get_json())
    assert counts == {
        "categories": len(played.get("/api/v1/categories").get_json()),
        "teams": len(played.get(f"{OPEN}/teams.json").get_json()),
        "runs": len(played.get("/api/v1/runs?limit=500").get_json()),
        "matches": len(played.get("/api/v1/matches").get_json()),
        "rankings": api_rankings,
        "medals": len(played.get("/api/v1/medals").get_json()),
    }
    assert counts["runs"] == 3 and counts["matches"] == 7 and counts["medals"] == 7


def test_no_members_or_contacts_leave_through_the_open_data(played):
    body = "".join(played.get(f"{OPEN}/{n}.csv").get_data(as_text=True)
                   for n in ("categories", "teams", "runs", "matches", "rankings", "medals"))
    # members and contacts of tests/data/teams.csv
    for personal in ("Sari Santoso", "Budi Lestari", "082080737028", "086468616425"):
        assert personal not in body
    teams = played.get(f"{OPEN}/teams.json").get_json()
    assert set(teams[0]) == {"code", "name", "institution", "level", "category"}


def test_answers_revalidate_with_their_etag_and_allow_other_origins(played):
    first = played.get(f"{OPEN}/rankings.json")
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert "max-age" in first.headers["Cache-Control"]
    tag = first.headers["ETag"]
    again = played.client.get(f"{OPEN}/rankings.json", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b""


def test_the_cursor_names_only_the_categories_that_changed(played, agent):
    everything = played.get(f"{OPEN}/changes").get_json()
    assert "lf-smp" in everything["categories"] and "ko-8" in everything["categories"]
    cursor = everything["cursor"]
    nothing = played.get(f"{OPEN}/changes?since={cursor}").get_json()
    assert nothing == {"cursor": cursor, "categories": []}
    run = played.arm("lf-smp", "LF-SMP-004")
    after = played.get(f"{OPEN}/changes?since={cursor}").get_json()
    assert after["categories"] == ["lf-smp"] and after["cursor"] != cursor
    abort = played.post(f"/api/v1/runs/{run['id']}/abort", {"reason": "robot rusak"})
    assert abort.status_code == 200
    assert played.get(f"{OPEN}/changes?since={after['cursor']}").get_json()[
        "categories"] == ["lf-smp"]


@pytest.mark.parametrize("path, field", [
    (f"{OPEN}/changes?since=12", "since"),
    (f"{OPEN}/changes?since=1-2-3-4-x", "since"),
    (f"{OPEN}/pupils.csv", "resource"),
    (f"{OPEN}/pupils.json", "resource"),
])
def test_bad_requests_name_the_field(api, path, field):
    resp = api.get(path)
    assert resp.status_code == 422
    assert resp.get_json()["error"].startswith(f"{field}: ")
