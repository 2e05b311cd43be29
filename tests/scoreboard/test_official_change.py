"""Changing a result after it became official: only the head judge (or an admin), with a
reason; the change is recorded, the result stays official from the change on, the result
sheet says since when, and the verification page marks earlier documents superseded."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from scoreboard.models import AuditRecord, Finalisation, Run
from tests.scoreboard.people import add_user, sign_in
from tests.scoreboard.test_certificates import SERIAL, pages_of
from tests.scoreboard.test_fairplay import _final, _play_sumo, sumo  # noqa: F401 (fixture)
from tests.scoreboard.test_results import finish

REFUSED = ("category 'lf-smp': the result is official since {since}; only the head judge may "
           "change it, with a reason (hasil sudah resmi: hanya ketua juri yang dapat "
           "mengubahnya)")
NO_REASON = ("reason: changing an official result needs a reason of 1 to 500 characters "
             "(alasan wajib untuk mengubah hasil resmi)")


def _official_lf_smp(app, api, agent):
    """Two runs of lf-smp, the head judge finalises: LF-SMP-002 first, LF-SMP-004 second."""
    winner = finish(api, agent, "LF-SMP-002", 1_000_000, 12_000_000)
    finish(api, agent, "LF-SMP-004", 20_000_000, 33_000_000)
    add_user(app, "head_judge", "ketua")
    head = sign_in(app, "ketua")
    official = head.post("/api/v1/categories/lf-smp/finalise", {"reason": "selesai"})
    assert official.status_code == 200 and official.get_json()["state"] == "official"
    return head, winner, official.get_json()["official_at"]


def test_a_timekeeper_cannot_change_an_official_result(app, api, agent, snapshot):
    _head, winner, since = _official_lf_smp(app, api, agent)
    before = snapshot()
    for path, body in [(f"/api/v1/runs/{winner['id']}/dsq", {"reason": "keluar jalur"}),
                       (f"/api/v1/runs/{winner['id']}/penalty", {"penalty": "sentuh",
                                                                  "reason": "x"})]:
        resp = api.post(path, body)                     # the timekeeper's token
        assert (resp.status_code, resp.get_json()) == (
            403, {"error": REFUSED.format(since=since)}), path
    assert snapshot() == before


def test_the_head_judge_changes_it_with_a_reason_and_it_is_recorded(app, api, agent, db):
    head, winner, since = _official_lf_smp(app, api, agent)
    no_reason = head.post(f"/api/v1/runs/{winner['id']}/penalty", {"penalty": "sentuh"})
    assert (no_reason.status_code, no_reason.get_json()) == (422, {"error": NO_REASON})
    changed = head.post(f"/api/v1/runs/{winner['id']}/dsq",
                        {"reason": "robot diganti setelah pemeriksaan"})
    assert changed.status_code == 200 and changed.get_json()["status"] == "dsq"
    state = api.get("/api/v1/categories/lf-smp/official").get_json()
    assert state["state"] == "official" and state["official_at"] > since
    ranking = api.get("/api/v1/categories/lf-smp/ranking").get_json()["entries"]
    assert ranking[0]["team"] == "LF-SMP-004"
    with db.transaction() as session:
        change = session.scalars(select(Finalisation).where(Finalisation.change.is_not(None)))
        [row] = change.all()
        assert (row.change, row.reason, row.created_by) == (
            {"run": winner["id"], "action": "dsq"}, "robot diganti setelah pemeriksaan",
            "user:ketua")
        [audit] = session.scalars(select(AuditRecord).where(
            AuditRecord.action == "change_official"))
        assert (audit.entity, audit.entity_id, audit.reason) == (
            "category", "lf-smp", "robot diganti setelah pemeriksaan")
        assert session.get(Run, winner["id"]).status == "dsq"


def test_before_it_is_official_a_correction_needs_no_head_judge(app, api, agent, count):
    run = finish(api, agent, "LF-SMP-002", 1_000_000, 12_000_000)
    assert api.post(f"/api/v1/runs/{run['id']}/dsq", {"reason": "keluar jalur"}).status_code \
        == 200
    assert count(Finalisation) == 0


def test_the_verification_page_marks_certificates_printed_before_a_change(app, api, agent,
                                                                          client):
    head, winner, _since = _official_lf_smp(app, api, agent)
    pages = pages_of(head.client.get("/hasil/sertifikat.pdf?kategori=lf-smp"))
    serial = SERIAL.search(pages[0])[1]
    page = client.get(f"/verifikasi/{serial}").get_data(as_text=True)
    assert '<dd id="verify-rank">1</dd>' in page and "verify-superseded" not in page
    sheet = PdfReader(io.BytesIO(client.get("/hasil/lf-smp.pdf").data)).pages[0].extract_text()
    assert re.search(r"Hasil resmi sejak \d\d-\d\d-\d{4} \d\d:\d\d", sheet)

    head.post(f"/api/v1/runs/{winner['id']}/dsq", {"reason": "robot diganti"})
    page = client.get(f"/verifikasi/{serial}").get_data(as_text=True)
    assert "Sertifikat ini asli." in page                 # the serial still names the person
    rank = re.search(r'<dd id="verify-rank">([^<]*)</dd>', page)[1]
    assert rank == "Peserta"       # as it stands now: its only run disqualified, no rank
    notice = re.search(r'<div class="superseded" id="verify-superseded".*?</div>', page, re.S)
    assert "Hasil kategori ini diubah setelah resmi." in notice[0]
    assert re.search(r"dicetak sebelum \d\d-\d\d-\d{4} \d\d:\d\d tidak berlaku lagi",
                     notice[0])
    assert re.search(r"<li>\d\d-\d\d-\d{4} \d\d:\d\d · ketua · robot diganti</li>", notice[0])


def test_an_official_match_result_is_changed_only_by_the_head_judge(app, api, sumo):  # noqa: F811
    matches = _play_sumo(api)
    final = _final(matches)
    add_user(app, "head_judge", "ketua")
    head = sign_in(app, "ketua")
    assert head.post("/api/v1/categories/sumo-4/finalise", {}).status_code == 200
    path = f"/api/v1/categories/sumo-4/matches/{final['id']}/result"
    flipped = {"home_yuko": 0, "away_yuko": 2, "reason": "wasit salah catat"}
    refused = api.post(path, flipped)                    # the timekeeper's token
    assert refused.status_code == 403 and "hasil sudah resmi" in refused.get_json()["error"]
    changed = head.post(path, flipped)
    assert changed.status_code == 201, changed.get_json()
    after = {m["id"]: m for m in api.get("/api/v1/matches?category=sumo-4").get_json()}
    assert after[final["id"]]["winner"] == final["away"]
    assert api.get("/api/v1/categories/sumo-4/official").get_json()["state"] == "official"
