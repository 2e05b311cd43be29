"""Judges' rubric sheets over the API: exactly once per key, versions, conflicts, refusals,
the head judge's lock, the history and the judged ranking."""

from __future__ import annotations

from scoreboard.models import AuditRecord, ScoreSheetVersion
from tests.scoreboard import people as support
from tests.scoreboard.people import CATEGORY, sheet

people = support.people  # the fixture

URL = f"/api/v1/categories/{CATEGORY}/scores"


def test_a_sheet_is_stored_once_and_the_confirmation_echoes_key_and_version(people, count):
    judge = people["juri1"]
    first = judge.post(URL, sheet("KRE-001", "kunci-0001"))
    assert first.status_code == 201
    body = first.get_json()
    assert (body["idempotency_key"], body["version"], body["replayed"]) == ("kunci-0001", 1, False)
    assert body["sheet"]["total"] == 78.0  # (40*.8 + 40*.7 + 20*.9)
    again = judge.post(URL, sheet("KRE-001", "kunci-0001"))
    assert again.status_code == 200
    assert (again.get_json()["version"], again.get_json()["replayed"]) == (1, True)
    assert count(ScoreSheetVersion) == 1
    assert count(AuditRecord, entity="score_sheet") == 1


def test_an_edit_is_a_new_version_and_the_old_one_stays(people, count):
    judge = people["juri1"]
    assert judge.post(URL, sheet("KRE-001", "kunci-0001")).status_code == 201
    edit = judge.post(URL, sheet("KRE-001", "kunci-0002", base=1, inovasi=100, teknis=100,
                                 presentasi=100))
    assert edit.status_code == 201 and edit.get_json()["version"] == 2
    assert count(ScoreSheetVersion) == 2
    mine = judge.get(URL).get_json()
    assert [(s["team"], s["version"], s["total"]) for s in mine["sheets"]] == [
        ("KRE-001", 2, 100.0)]


def test_two_judges_edit_the_same_sheet_one_wins_the_other_sees_the_current_value(people,
                                                                                   count):
    judge, head = people["juri1"], people["ketua"]
    assert judge.post(URL, sheet("KRE-002", "kunci-0001")).status_code == 201
    won = judge.post(URL, sheet("KRE-002", "kunci-0002", base=1, inovasi=10))
    lost = head.post(URL, {**sheet("KRE-002", "kunci-0003", base=1, inovasi=99),
                           "judge": "juri1", "reason": "salah ketik"})
    assert won.status_code == 201
    assert lost.status_code == 409
    body = lost.get_json()
    assert "version 2" in body["error"]
    assert (body["current"]["version"], body["current"]["scores"]) == (2, {"inovasi": 10})
    assert count(ScoreSheetVersion) == 2
    # having seen the conflict, the head judge corrects on top of version 2
    fixed = head.post(URL, {**sheet("KRE-002", "kunci-0004", base=2, inovasi=99),
                            "judge": "juri1", "reason": "salah ketik"})
    assert fixed.status_code == 201 and fixed.get_json()["sheet"]["entered_by"] == "user:ketua"


def test_a_resent_key_with_other_content_is_refused(people, count):
    judge = people["juri1"]
    judge.post(URL, sheet("KRE-001", "kunci-0001"))
    other = judge.post(URL, sheet("KRE-002", "kunci-0001"))
    assert other.status_code == 409 and "idempotency_key" in other.get_json()["error"]
    stolen = people["juri2"].post(URL, sheet("KRE-001", "kunci-0001"))
    assert stolen.status_code == 409
    assert count(ScoreSheetVersion) == 1


def test_bad_input_is_refused_naming_the_field_and_stores_nothing(people, snapshot):
    judge = people["juri1"]
    before = snapshot()
    cases = [
        (sheet("KRE-001", "kunci-0001", inovasi=101), 422, "scores.inovasi: a whole number from 0 to 100"),
        (sheet("KRE-001", "kunci-0002", inovasi=-1), 422, "scores.inovasi"),
        (sheet("KRE-001", "kunci-0003", inovasi=True), 422, "scores.inovasi"),
        (sheet("KRE-001", "kunci-0004", inovasi=7.5), 422, "scores.inovasi"),
        (sheet("KRE-001", "kunci-0005", gaya=10), 422, "scores.gaya: unknown criterion"),
        ({**sheet("KRE-001", "kunci-0006"), "scores": {}}, 422, "scores:"),
        (sheet("SUMO-001", "kunci-0007"), 422, "team: 'SUMO-001' is not a team of"),
        (sheet("KRE-001", "pendek"), 422, "idempotency_key"),
        ({**sheet("KRE-001", "kunci-0008"), "base_version": -1}, 422, "base_version"),
        (sheet("KRE-001", "kunci-0009", base=3), 409, "base_version"),
        ({**sheet("KRE-001", "kunci-0010"), "comment": "x" * 1001}, 422, "comment"),
        ({**sheet("KRE-001", "kunci-0011"), "judge": "juri2"}, 403, "judge"),
    ]
    for body, status, message in cases:
        resp = judge.post(URL, body)
        assert (resp.status_code, message in resp.get_json()["error"]) == (status, True), \
            (body, resp.get_json())
    assert judge.client.post(URL, data="{nope", headers={"X-CSRFToken": judge.csrf},
                             content_type="application/json").status_code == 400
    assert snapshot() == before


def test_scores_for_an_unassigned_category_are_refused(people, snapshot):
    before = snapshot()
    resp = people["juri3"].post(URL, sheet("KRE-001", "kunci-0001"))
    assert resp.status_code == 403
    assert resp.get_json()["error"] == ("category: 'kreatif-sd' is not assigned to you "
                                        "(kategori bukan tugas Anda)")
    assert people["juri3"].get(URL).status_code == 403
    assert people["juri1"].post("/api/v1/categories/lf-smp/scores",
                                sheet("LF-SMP-001", "kunci-0002")).status_code == 422
    assert snapshot() == before


def test_a_forged_or_missing_csrf_token_stores_nothing(people, snapshot):
    before = snapshot()
    forged = people["juri1"].post(URL, sheet("KRE-001", "kunci-0001"), csrf="palsu")
    assert forged.status_code == 403 and "CSRF" in forged.get_json()["error"]
    other = people["juri1"].post(URL, sheet("KRE-001", "kunci-0002"), csrf=people["juri2"].csrf)
    assert other.status_code == 403
    assert snapshot() == before


def test_a_judge_token_cannot_score_without_a_person(api, tokens, snapshot):
    before = snapshot()
    resp = api.post(URL, sheet("KRE-001", "kunci-0001"), role="judge")
    assert resp.status_code == 403 and "signed-in judge" in resp.get_json()["error"]
    assert snapshot() == before


def test_a_locked_category_refuses_changes_with_409_until_reopened(people, count):
    judge, head = people["juri1"], people["ketua"]
    judge.post(URL, sheet("KRE-001", "kunci-0001"))
    locked = head.post(f"/api/v1/categories/{CATEGORY}/judging", {"state": "locked",
                                                                   "version": 0})
    assert locked.status_code == 200 and locked.get_json() == {
        "category": CATEGORY, "state": "locked", "version": 1}
    refused = judge.post(URL, sheet("KRE-001", "kunci-0002", base=1, inovasi=1))
    assert refused.status_code == 409
    assert "kategori dikunci ketua juri" in refused.get_json()["error"]
    # a resend of what was stored before the lock is still confirmed
    assert judge.post(URL, sheet("KRE-001", "kunci-0001")).get_json()["version"] == 1
    stale = head.post(f"/api/v1/categories/{CATEGORY}/judging", {"state": "open", "version": 0})
    assert stale.status_code == 409 and stale.get_json()["current"] == {"state": "locked",
                                                                         "version": 1}
    early = head.post(f"/api/v1/categories/{CATEGORY}/judging",
                      {"state": "published", "version": 1})
    assert early.status_code == 200 and early.get_json()["state"] == "published"
    assert count(ScoreSheetVersion) == 1
    assert count(AuditRecord, entity="category_judging") == 2
    assert judge.post(f"/api/v1/categories/{CATEGORY}/judging",
                      {"state": "open", "version": 2}).status_code == 403


def test_publishing_needs_a_lock_first(people):
    resp = people["ketua"].post(f"/api/v1/categories/{CATEGORY}/judging",
                                {"state": "published", "version": 0})
    assert resp.status_code == 409 and "lock the category before publishing" in \
        resp.get_json()["error"]


def test_history_shows_who_when_old_new_and_why(people):
    judge, head = people["juri1"], people["ketua"]
    judge.post(URL, sheet("KRE-003", "kunci-0001", inovasi=50))
    head.post(URL, {**sheet("KRE-003", "kunci-0002", base=1, inovasi=60), "judge": "juri1",
                    "reason": "nilai terbaca salah"})
    hist = head.get(f"{URL}/history?team=KRE-003").get_json()
    rows = [(v["judge"], v["version"], v["entered_by"], v["scores"], v["reason"],
             v["old"] and v["old"]["scores"]) for v in hist["versions"]]
    assert rows == [("juri1", 1, "user:juri1", {"inovasi": 50}, None, None),
                    ("juri1", 2, "user:ketua", {"inovasi": 60}, "nilai terbaca salah",
                     {"inovasi": 50})]
    assert all(v["at"] for v in hist["versions"])
    assert judge.get(f"{URL}/history?team=KRE-003").status_code == 403
    assert head.get(f"{URL}/history?team=NOPE").status_code == 404


def test_judged_ranking_lists_every_team_and_shows_incomplete_panels(people, api):
    people["juri1"].post(URL, sheet("KRE-001", "kunci-0001", inovasi=100, teknis=100,
                                    presentasi=100))
    people["juri1"].post(URL, sheet("KRE-002", "kunci-0002"))
    people["juri2"].post(URL, sheet("KRE-002", "kunci-0003", inovasi=60, teknis=60,
                                    presentasi=60))
    people["juri2"].post(URL, sheet("KRE-003", "kunci-0004", inovasi=10))
    entries = api.ranking(CATEGORY)["entries"]
    got = [(e["rank"], e["team"], e["status"], e["score"], e["best_us"]) for e in entries]
    assert got == [(1, "KRE-001", "complete", 100.0, None),
                   (2, "KRE-002", "complete", 69.0, None),
                   (None, "KRE-003", "incomplete", None, None),
                   (None, "KRE-004", "not_scored", None, None)]
    assert entries[2]["incomplete_sheets"] == ["juri2"]
    assert entries[0]["team_name"] == "Kreasi Cilik"


def test_a_stored_sheet_publishes_the_ranking_on_live(people, live):
    people["juri1"].post(URL, sheet("KRE-001", "kunci-0001"))
    events = [(m["name"], m["args"][0]) for m in live.get_received("/live")]
    rankings = [a for n, a in events if n == "ranking" and a["category"] == CATEGORY]
    assert len(rankings) == 1
    assert rankings[0]["entries"][0]["team"] == "KRE-001"
    assert rankings[0]["entries"][0]["score"] == 78.0


def test_a_head_judge_sees_every_judges_sheet_a_judge_only_their_own(people):
    people["juri1"].post(URL, sheet("KRE-001", "kunci-0001"))
    people["juri2"].post(URL, sheet("KRE-001", "kunci-0002"))
    assert [s["judge"] for s in people["juri2"].get(URL).get_json()["sheets"]] == ["juri2"]
    assert [s["judge"] for s in people["ketua"].get(URL).get_json()["sheets"]] == [
        "juri1", "juri2"]


def test_simultaneous_edits_from_two_tablets_store_exactly_one(app, people, count):
    import threading

    first_tablet = people["juri1"]
    second_tablet = support.sign_in(app, "juri1")
    assert first_tablet.post(URL, sheet("KRE-004", "kunci-0001")).status_code == 201
    barrier = threading.Barrier(2)
    results: dict[str, tuple[int, dict]] = {}

    def edit(name, person, key, value):
        barrier.wait()
        resp = person.post(URL, sheet("KRE-004", key, base=1, inovasi=value))
        results[name] = (resp.status_code, resp.get_json())

    threads = [threading.Thread(target=edit, args=("a", first_tablet, "kunci-000a", 11)),
               threading.Thread(target=edit, args=("b", second_tablet, "kunci-000b", 22))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    codes = sorted(code for code, _ in results.values())
    assert codes == [201, 409]
    winner = next(body for code, body in results.values() if code == 201)
    loser = next(body for code, body in results.values() if code == 409)
    assert loser["current"]["version"] == 2
    assert loser["current"]["scores"] == winner["sheet"]["scores"]
    assert count(ScoreSheetVersion) == 2


def test_a_stored_sheet_version_cannot_be_rewritten_or_deleted(app, people):
    import pytest
    from sqlalchemy import select

    people["juri1"].post(URL, sheet("KRE-001", "kunci-0001"))
    database = app.extensions["kejurda_db"]
    for change in (lambda s, row: setattr(row, "scores", {"inovasi": 1}),
                   lambda s, row: s.delete(row)):
        with pytest.raises(TypeError, match="immutable"):
            with database.transaction() as session:
                row = session.scalar(select(ScoreSheetVersion))
                change(session, row)
    with database.transaction() as session:
        assert session.scalar(select(ScoreSheetVersion)).scores == {
            "inovasi": 80, "teknis": 70, "presentasi": 90}


def test_the_rubric_options_of_the_event_file_drive_the_ranking(app, people, api):
    from sqlalchemy import select

    from scoreboard.models import Category

    with app.extensions["kejurda_db"].transaction() as session:
        category = session.scalar(select(Category).where(Category.slug == CATEGORY))
        category.options = {**category.options, "judges": 2, "tie_break": ["teknis"]}
    people["juri1"].post(URL, sheet("KRE-001", "kunci-0001", inovasi=50, teknis=50,
                                    presentasi=50))
    people["juri1"].post(URL, sheet("KRE-002", "kunci-0002", inovasi=60, teknis=40,
                                    presentasi=50))
    people["juri2"].post(URL, sheet("KRE-002", "kunci-0003", inovasi=40, teknis=60,
                                    presentasi=50))
    people["juri1"].post(URL, sheet("KRE-003", "kunci-0004", inovasi=40, teknis=60,
                                    presentasi=50))
    people["juri2"].post(URL, sheet("KRE-003", "kunci-0005", inovasi=40, teknis=60,
                                    presentasi=50))
    entries = api.ranking(CATEGORY)["entries"]
    got = [(e["rank"], e["team"], e["status"], e["score"]) for e in entries]
    # KRE-002 and KRE-003 both average 50; teknis (50 vs 60) puts KRE-003 first;
    # KRE-001 has one judge of two: incomplete, no rank
    assert got == [(1, "KRE-003", "complete", 50.0), (2, "KRE-002", "complete", 50.0),
                   (None, "KRE-001", "incomplete", 50.0),
                   (None, "KRE-004", "not_scored", None)]
