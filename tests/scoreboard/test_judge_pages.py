"""The judges' pages: the tablet home, the head judge's desk, lock/publish by form, history."""

from __future__ import annotations

import json
import re

from tests.scoreboard import people as support
from tests.scoreboard.people import CATEGORY, sheet

people = support.people  # the fixture
URL = f"/api/v1/categories/{CATEGORY}/scores"


def _categories(page: str) -> list[dict]:
    raw = re.search(r"data-categories='([^']*)'", page).group(1)
    return json.loads(raw.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&"))


def test_the_tablet_shows_only_assigned_categories_with_rubric_and_teams(people):
    page = people["juri1"].get("/juri").get_data(as_text=True)
    assert '<html lang="id">' in page and "belum tersimpan" in page
    cats = _categories(page)
    assert [c["category"] for c in cats] == [CATEGORY]
    assert [t["code"] for t in cats[0]["teams"]] == ["KRE-001", "KRE-002", "KRE-003",
                                                      "KRE-004"]
    assert [(c["key"], c["weight"], c["max"]) for c in cats[0]["criteria"]] == [
        ("inovasi", 40, 100), ("teknis", 40, 100), ("presentasi", 20, 100)]
    assert "/static/js/judge.js" in page
    assert _categories(people["juri3"].get("/juri").get_data(as_text=True)) == []


def test_juri_is_for_judges_and_head_judges(people, client):
    assert client.get("/juri").status_code == 302
    assert client.get("/juri").headers["Location"].startswith("/login")
    assert people["waktu1"].get("/juri").status_code == 403
    assert people["ketua"].get("/juri").status_code == 200


def test_head_judge_locks_then_publishes_by_form_and_a_stale_form_is_refused(people, count):
    head = people["ketua"]
    people["juri1"].post(URL, sheet("KRE-001", "kunci-0001"))
    page = head.get("/juri/ketua").get_data(as_text=True)
    assert 'data-team="KRE-001" data-status="complete"' in page
    assert 'data-team="KRE-004" data-status="not_scored"' in page
    action = f"/juri/ketua/{CATEGORY}/status"
    assert head.form(action, {"state": "locked", "version": "0"}).status_code == 303
    assert f'data-category="{CATEGORY}" data-state="locked"' in head.get("/juri/ketua") \
        .get_data(as_text=True)
    stale = head.form(action, {"state": "open", "version": "0"}, )
    assert stale.status_code == 303
    page = head.client.get("/juri/ketua").get_data(as_text=True)
    assert "version 1, not 0" in page and 'data-state="locked"' in page
    assert head.form(action, {"state": "published", "version": "1"}).status_code == 303
    assert 'data-state="published"' in head.get("/juri/ketua").get_data(as_text=True)
    assert people["juri1"].form(action, {"state": "open", "version": "2"}).status_code == 403


def test_history_page_lists_every_version(people):
    people["juri1"].post(URL, sheet("KRE-002", "kunci-0001", inovasi=40))
    people["juri1"].post(URL, sheet("KRE-002", "kunci-0002", base=1, inovasi=45))
    page = people["ketua"].get(f"/juri/ketua/{CATEGORY}/riwayat?tim=KRE-002") \
        .get_data(as_text=True)
    assert page.count('<tr data-judge="juri1"') == 2
    assert 'data-version="2"' in page and "inovasi=40" in page and "inovasi=45" in page


def test_language_is_kept_per_person(app, people):
    judge = people["juri1"]
    assert judge.get("/bahasa/en?next=/juri").status_code == 302
    assert '<html lang="en">' in judge.get("/juri").get_data(as_text=True)
    # the same judge on another tablet (no cookie there) gets English too
    other = support.sign_in(app, "juri1")
    page = other.get("/juri").get_data(as_text=True)
    assert '<html lang="en">' in page and "not saved yet" in page
    assert '<html lang="id">' in people["juri2"].get("/juri").get_data(as_text=True)


def test_the_demo_judge_is_assigned_to_every_judged_category(tmp_path):
    from sqlalchemy import select

    from scoreboard.db import Database
    from scoreboard.demo import prepare
    from scoreboard.models import Category, JudgeAssignment, User

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    prepare(url)
    prepare(url)  # a second demo on the same database adds nothing
    database = Database(url)
    try:
        with database.transaction() as session:
            rows = session.execute(select(User.name, Category.slug).join(
                JudgeAssignment, JudgeAssignment.user_id == User.id).join(
                Category, Category.id == JudgeAssignment.category_id)).all()
        assert [tuple(r) for r in rows] == [("juri1", "kreatif-sd")]
    finally:
        database.dispose()


def _form_key(page: str, judge: str) -> str:
    form = page[page.index(f'class="correction" data-judge="{judge}"'):]
    return re.search(r'name="idempotency_key" value="([^"]+)"', form).group(1)


def test_head_judge_corrects_a_sheet_by_form_once_with_a_reason(people, count):
    from scoreboard.models import ScoreSheetVersion

    head = people["ketua"]
    people["juri1"].post(URL, sheet("KRE-001", "kunci-0001"))
    page = head.get(f"/juri/ketua/{CATEGORY}/riwayat?tim=KRE-001").get_data(as_text=True)
    key = _form_key(page, "juri1")
    form = {"team": "KRE-001", "judge": "juri1", "base_version": "1", "idempotency_key": key,
            "score-inovasi": "85", "score-teknis": "70", "score-presentasi": "90",
            "comment": "", "reason": "salah ketik 80"}
    action = f"/juri/ketua/{CATEGORY}/koreksi"
    assert head.form(action, form).status_code == 303
    assert head.form(action, form).status_code == 303  # the same form sent twice
    assert count(ScoreSheetVersion) == 2
    page = head.get(f"/juri/ketua/{CATEGORY}/riwayat?tim=KRE-001").get_data(as_text=True)
    assert "Koreksi tersimpan (versi 2)." in page and "salah ketik 80" in page
    bad = {**form, "idempotency_key": "koreksi-baru-1", "base_version": "2",
           "score-inovasi": "abc"}
    head.form(action, bad)
    page = head.get(f"/juri/ketua/{CATEGORY}/riwayat?tim=KRE-001").get_data(as_text=True)
    assert "Isi bilangan bulat dari 0 sampai 100 (tertulis &#39;abc&#39;)." in page
    no_reason = {**form, "idempotency_key": "koreksi-baru-2", "base_version": "2",
                 "reason": ""}
    head.form(action, no_reason)
    assert "Wajib diisi, paling banyak 300 karakter." in head.get(
        f"/juri/ketua/{CATEGORY}/riwayat?tim=KRE-001").get_data(as_text=True)
    stale = {**form, "idempotency_key": "koreksi-baru-3"}
    head.form(action, stale)
    assert "Lembar nilai ini baru saja diubah di tempat lain" in head.get(
        f"/juri/ketua/{CATEGORY}/riwayat?tim=KRE-001").get_data(as_text=True)
    assert count(ScoreSheetVersion) == 2
    assert people["juri2"].form(action, {**form, "idempotency_key": "koreksi-baru-4"}) \
        .status_code == 403
