"""Every format's result in the ranking API, the result files and the certificates:
judged scores ("sementara" until published), match standings (played, wins, points or the
stage reached), a PDF whose columns never overlap, and ranks printed only once final."""

from __future__ import annotations

import csv
import io

from pypdf import PdfReader

from tests.scoreboard import people as support
from tests.scoreboard.matches_support import add_match_categories
from tests.scoreboard.people import CATEGORY, add_user, sheet, sign_in
from tests.scoreboard.test_certificates import pages_of
from tests.scoreboard.test_results import finish

people = support.people  # the fixture
SCORES = f"/api/v1/categories/{CATEGORY}/scores"
LONG_NAME = "Tim Robotika Sekolah Dasar Negeri Satu Kabupaten Blitar Jawa"  # 60 characters


def draw(api, slug):
    assert api.post(f"/api/v1/categories/{slug}/draw", role="admin").status_code == 201
    assert api.post(f"/api/v1/categories/{slug}/draw/publish", role="admin").status_code == 200


def result(api, slug, match_id, home, away):
    """A sumo bout won by Yuko (`home`-`away`)."""
    resp = api.post(f"/api/v1/categories/{slug}/matches/{match_id}/result",
                    {"home_yuko": home, "away_yuko": away}, role="timekeeper")
    assert resp.status_code == 201, resp.get_json()


def judged_scores(people):
    """Both judges of kreatif-sd score KRE-001 100 and KRE-002 50 (complete panels)."""
    for judge in ("juri1", "juri2"):
        people[judge].post(SCORES, sheet("KRE-001", f"{judge}-k-1", inovasi=100, teknis=100,
                                         presentasi=100))
        people[judge].post(SCORES, sheet("KRE-002", f"{judge}-k-2", inovasi=50, teknis=50,
                                         presentasi=50))


def test_judged_entries_carry_the_score_provisional_until_the_head_judge_publishes(people,
                                                                                 api):
    judged_scores(people)
    entries = api.ranking(CATEGORY)["entries"]
    assert [(e["team"], e["score"], e["provisional"]) for e in entries[:2]] == [
        ("KRE-001", 100.0, True), ("KRE-002", 50.0, True)]
    head = people["ketua"]
    head.post(f"/api/v1/categories/{CATEGORY}/judging", {"state": "locked", "version": 0})
    assert api.ranking(CATEGORY)["entries"][0]["provisional"] is True  # locked: may reopen
    head.post(f"/api/v1/categories/{CATEGORY}/judging", {"state": "published", "version": 1})
    entries = api.ranking(CATEGORY)["entries"]
    assert [(e["team"], e["score"], e["provisional"]) for e in entries] == [
        ("KRE-001", 100.0, False), ("KRE-002", 50.0, False), ("KRE-003", None, True),
        ("KRE-004", None, True)]


def test_knockout_entries_carry_played_wins_and_the_stage_reached(app, api):
    add_match_categories(app)
    draw(api, "sumo-4")  # seeds 1-4 and 2-3, then the final and the match for third
    result(api, "sumo-4", "W1-1", 2, 0)
    entries = {e["team"]: e for e in api.ranking("sumo-4")["entries"]}
    assert {t: (e["played"], e["wins"], e.get("stage")) for t, e in entries.items()} == {
        "SM-1": (1, 1, "final"), "SM-4": (1, 0, "third_place"),
        "SM-2": (0, 0, "semifinal"), "SM-3": (0, 0, "semifinal")}
    result(api, "sumo-4", "W1-2", 0, 2)
    result(api, "sumo-4", "W2-1", 2, 1)
    result(api, "sumo-4", "3P", 2, 0)
    ranked = [(e["rank"], e["team"], e["played"], e["wins"], e["stage"])
              for e in api.ranking("sumo-4")["entries"]]
    assert ranked == [(1, "SM-1", 2, 2, "champion"), (2, "SM-3", 2, 1, "final"),
                      (3, "SM-4", 2, 1, "third_place"), (4, "SM-2", 2, 0, "third_place")]


def test_league_entries_carry_played_wins_and_points(app, api):
    add_match_categories(app)
    draw(api, "bola-rr")
    bracket = api.get("/api/v1/categories/bola-rr/bracket").get_json()
    first = bracket["matches"][0]
    resp = api.post(f"/api/v1/categories/bola-rr/matches/{first['id']}/result",
                    {"home_goals": 3, "away_goals": 1}, role="timekeeper")
    assert resp.status_code == 201, resp.get_json()
    entries = {e["team"]: e for e in api.ranking("bola-rr")["entries"]}
    assert (entries[first["home"]]["played"], entries[first["home"]]["wins"],
            entries[first["home"]]["points"]) == (1, 1, 3)
    assert (entries[first["away"]]["played"], entries[first["away"]]["wins"],
            entries[first["away"]]["points"]) == (1, 0, 0)
    assert "stage" not in entries[first["home"]]


def test_csv_of_each_format_has_its_own_columns(app, people, api, client):
    judged_scores(people)
    rows = list(csv.reader(io.StringIO(client.get(f"/hasil/{CATEGORY}.csv")
                                       .get_data(as_text=True))))
    assert rows[0][-2:] == ["score", "provisional"]
    assert rows[1][1:3] == ["KRE-001", "Kreasi Cilik"] and rows[1][-2:] == ["100.0", "true"]
    add_match_categories(app)
    draw(api, "sumo-4")
    result(api, "sumo-4", "W1-1", 2, 0)
    rows = list(csv.reader(io.StringIO(client.get("/hasil/sumo-4.csv").get_data(as_text=True))))
    assert rows[0][-4:] == ["played", "wins", "points", "stage"]
    mine = {r[1]: r[-4:] for r in rows[1:]}
    assert mine["SM-1"] == ["1", "1", "", "final"]
    assert mine["SM-4"] == ["1", "0", "", "third_place"]


def test_the_pdf_of_a_judged_and_a_match_category_shows_their_results(app, people, api,
                                                                      client):
    judged_scores(people)
    text = " ".join(PdfReader(io.BytesIO(client.get(f"/hasil/{CATEGORY}.pdf").data)).pages[0]
                    .extract_text().split())
    for expected in ("Nilai", "100.00 (sementara)", "50.00 (sementara)", "Hasil sementara",
                     "Belum dinilai"):
        assert expected in text, expected
    add_match_categories(app)
    draw(api, "sumo-4")
    result(api, "sumo-4", "W1-1", 2, 0)
    text = " ".join(PdfReader(io.BytesIO(client.get("/hasil/sumo-4.pdf").data)).pages[0]
                    .extract_text().split())
    for expected in ("Main", "Menang", "Poin / babak", "Final", "Perebutan Juara 3",
                     "Semifinal", "Masih bertanding"):
        assert expected in text, expected
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(client.get("/hasil/sumo-4.xlsx").data)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[3] == ["Peringkat", "Kode", "Tim", "Sekolah", "Main", "Menang",
                         "Poin / babak", "Status"]
    assert ["SM-1", 1, 1, "Final"] in [[v[1], v[4], v[5], v[6]] for v in values[4:]]
    sheet = load_workbook(io.BytesIO(client.get(f"/hasil/{CATEGORY}.xlsx").data)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[3][4] == "Nilai" and values[4][4] == "100.00 (sementara)"


def _pieces(reader) -> list[tuple[float, float, float, str]]:
    """Every text piece drawn on the first page as (left x, right x, baseline y, text),
    its width measured with the font's own metrics."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from scoreboard.services.results import pdf_fonts

    regular, bold = pdf_fonts()
    pieces = []

    def visit(text, cm, tm, font, size):
        if not text.strip():
            return
        name = bold if "Bold" in str((font or {}).get("/BaseFont", "")) else regular
        x = tm[4] * cm[0] + cm[4]
        y = tm[5] * cm[3] + cm[5]
        pieces.append((x, x + stringWidth(text, name, size * tm[0] * cm[0]), y, text))

    reader.pages[0].extract_text(visitor_text=visit)
    return pieces


def test_a_60_character_team_name_wraps_inside_its_column(app, client):
    """Text boxes of different columns never overlap: every piece of a row's text lies
    between its own column's lines."""
    from reportlab.lib.units import mm
    from sqlalchemy import select

    from scoreboard.models import Category, Team
    from scoreboard.services.results import _WIDTHS

    assert len(LONG_NAME) == 60
    with app.extensions["kejurda_db"].transaction() as session:
        cid = session.scalar(select(Category.id).where(Category.slug == "lf-smp"))
        session.add(Team(code="LF-SMP-LONG", name=LONG_NAME, category_id=cid, level="SMP",
                         institution="Sekolah Menengah Pertama Negeri Satu Kanigoro Blitar",
                         members=[], contact=""))
        session.add(Team(code="LF-SMP-NOSP", name="X" * 60, category_id=cid, level="SMP",
                         institution="SMPN 9", members=[], contact=""))
    reader = PdfReader(io.BytesIO(client.get("/hasil/lf-smp.pdf").data))
    pieces = _pieces(reader)
    edges = [15 * mm]
    for width in _WIDTHS["timed"]:
        edges.append(edges[-1] + width * mm)
    top = next(y for _l, _r, y, t in pieces if t.strip() == "Peringkat")
    bottom = next(y for _l, _r, y, t in pieces if t.strip() == "Ketua Juri")
    table = [p for p in pieces if bottom < p[2] <= top + 1]
    assert len(table) > 30, pieces
    for left, right, _y, text in table:
        column = max(i for i, e in enumerate(edges[:-1]) if left >= e - 0.5)
        assert right <= edges[column + 1] + 0.5, (text, left, right, edges)
    team_column = "".join(t for left, _r, _y, t in table if edges[2] <= left < edges[3])
    assert "".join(team_column.split()).count("".join(LONG_NAME.split())) == 1
    assert "".join(team_column.split()).count("X" * 60) == 1


def test_the_signature_shows_the_full_name_and_role(app, client):
    from scoreboard.services.accounts import create_user

    with app.extensions["kejurda_db"].transaction() as session:
        create_user(session, "head_judge", "ratna", "rahasia-ketua-123",
                    full_name="Dra. Ratna Kusumawati, M.Pd.")
    text = PdfReader(io.BytesIO(client.get("/hasil/lf-smp.pdf").data)).pages[0].extract_text()
    assert "Ketua Juri" in text and "( Dra. Ratna Kusumawati, M.Pd. )" in text
    assert "ratna )" not in text


def test_a_certificate_shows_the_rank_only_once_the_result_is_official(app, api, agent):
    finish(api, agent, "LF-SMP-002", 1_000_000, 12_000_000)
    add_user(app, "head_judge", "ketua")
    head = sign_in(app, "ketua")
    pages = pages_of(head.client.get("/hasil/sertifikat.pdf?kategori=lf-smp"))
    assert all("Peserta" in p and "Peringkat" not in p for p in pages)
    assert "Sementara" in head.client.get("/hasil").get_data(as_text=True)
    assert head.post("/api/v1/categories/lf-smp/finalise", {"reason": "selesai"}) \
        .status_code == 200
    pages = pages_of(head.client.get("/hasil/sertifikat.pdf?kategori=lf-smp"))
    assert "Peringkat 1" in pages[0] and "Rizky Wijaya" in pages[0]
    assert "Hasil resmi" in PdfReader(io.BytesIO(head.client.get("/hasil/lf-smp.pdf").data)) \
        .pages[0].extract_text()
    assert '<td class="result-state" data-final="yes">' in \
        head.client.get("/hasil").get_data(as_text=True)


def test_a_judged_certificate_needs_the_category_published_as_well(people, api):
    from tests.scoreboard.people import TEAMS

    judged_scores(people)
    head = people["ketua"]
    assert head.post(f"/api/v1/categories/{CATEGORY}/finalise", {}).status_code == 200
    pages = pages_of(head.client.get(f"/hasil/sertifikat.pdf?kategori={CATEGORY}"))
    assert all("Peringkat" not in p for p in pages)  # official, but judging not published
    head.post(f"/api/v1/categories/{CATEGORY}/judging", {"state": "locked", "version": 0})
    head.post(f"/api/v1/categories/{CATEGORY}/judging", {"state": "published", "version": 1})
    pages = pages_of(head.client.get(f"/hasil/sertifikat.pdf?kategori={CATEGORY}"))
    assert "Peringkat 1" in pages[0] and "Kreasi Cilik" in pages[0]
    assert len(pages) >= len(TEAMS)


def test_phone_pages_show_the_judged_score_and_the_match_standing(app, people, api, client):
    judged_scores(people)
    page = client.get(f"/kategori/{CATEGORY}").get_data(as_text=True)
    assert "<th>Nilai</th>" in page and "<td>100.00 (sementara)</td>" in page
    team = client.get("/tim/KRE-001").get_data(as_text=True)
    assert '<dd id="team-score">100.00 (sementara)</dd>' in team
    assert "Belum ada percobaan" not in team
    add_match_categories(app)
    draw(api, "sumo-4")
    result(api, "sumo-4", "W1-1", 2, 0)
    page = client.get("/kategori/sumo-4").get_data(as_text=True)
    assert "<th>Main</th><th>Menang</th><th>Poin / babak</th>" in page
    assert "<td>1</td><td>1</td><td>Final</td>" in page
    team = client.get("/tim/SM-1").get_data(as_text=True)
    assert '<dd id="team-played">1</dd>' in team and '<dd id="team-stage">Final</dd>' in team
    assert ('<tr data-match="W1-1"><td>Semifinal</td><td>Tim SM-4</td><td>2–0</td>'
            '<td>Menang</td></tr>') in team
