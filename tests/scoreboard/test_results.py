"""Result files of a category: CSV, XLSX and the printable PDF sheet, all from the ranking."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from pypdf import PdfReader

from tests.scoreboard.people import add_user


def finish(api, agent, team: str, start_us: int, end_us: int) -> dict:
    """A run of `team` on lintasan-a (lf-smp) timed by two edges of esp32-a."""
    run = api.arm("lf-smp", team)
    agent.send("esp32-a", 0, "B", start_us)
    agent.send("esp32-a", 1, "B", end_us)
    return api.run(run["id"])


def results_of_lf_smp(api, agent):
    assert finish(api, agent, "LF-SMP-002", 1_000_000, 13_345_678)["status"] == "finished"
    finish(api, agent, "LF-SMP-004", 20_000_000, 31_000_999)
    run = api.arm("lf-smp", "LF-SMP-001")
    api.post(f"/api/v1/runs/{run['id']}/abort")


def test_csv_lists_every_team_best_first_with_exact_times(api, agent, client):
    results_of_lf_smp(api, agent)
    resp = client.get("/hasil/lf-smp.csv")
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    assert resp.headers["Content-Disposition"] == 'attachment; filename="hasil-lf-smp.csv"'
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert rows == [
        ["rank", "team", "team_name", "institution", "best_us", "best", "status", "times_us"],
        ["1", "LF-SMP-004", "Bima Junior 4", "SMPN 1 Srengat", "11000999", "11.000", "finished",
         "11000999"],
        ["2", "LF-SMP-002", "Kelud Robotik 2", "SMPN 3 Blitar", "12345678", "12.345",
         "finished", "12345678"],
        ["", "LF-SMP-001", "Merapi Tim 1", "SMPN 1 Blitar", "", "", "dnf", ""],
        ["", "LF-SMP-003", "Brantas Robotik 3", "MTsN 1 Blitar", "", "", "not_started", ""],
    ]


def test_xlsx_has_the_event_the_category_and_the_same_rows(api, agent, client):
    results_of_lf_smp(api, agent)
    resp = client.get("/hasil/lf-smp.xlsx")
    assert resp.status_code == 200
    sheet = load_workbook(io.BytesIO(resp.data)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "Kejurda Uji"
    assert values[1][0] == "Line Follower SMP"
    assert values[3] == ["Peringkat", "Kode", "Tim", "Sekolah", "Waktu terbaik", "Status",
                         "Waktu terbaik (µs)"]
    assert values[4] == [1, "LF-SMP-004", "Bima Junior 4", "SMPN 1 Srengat", "11.000", "Selesai",
                         11000999]
    assert values[5][:5] == [2, "LF-SMP-002", "Kelud Robotik 2", "SMPN 3 Blitar", "12.345"]
    assert values[6] == ["–", "LF-SMP-001", "Merapi Tim 1", "SMPN 1 Blitar", None,
                         "Tidak selesai", None]
    assert len(values) == 8


def test_pdf_sheet_has_header_ranks_times_and_the_head_judges_signature(app, api, agent, client):
    add_user(app, "head_judge", "Bu Ratna")
    results_of_lf_smp(api, agent)
    resp = client.get("/hasil/lf-smp.pdf")
    assert resp.status_code == 200
    assert resp.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(resp.data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for expected in ("Kejurda Uji", "Hasil Kategori: Line Follower SMP", "Bima Junior 4",
                     "11.000", "Kelud Robotik 2", "12.345", "Brantas Robotik 3", "Ketua Juri",
                     "( Bu Ratna )"):
        assert expected in text, expected
    assert text.index("Bima Junior 4") < text.index("Kelud Robotik 2") < text.index("Merapi")
    assert "12.346" not in text  # truncated, never rounded up


def test_a_long_category_sheet_runs_over_several_pages(app, client):
    from sqlalchemy import select

    from scoreboard.models import Category, Team

    with app.extensions["kejurda_db"].transaction() as session:
        cid = session.scalar(select(Category.id).where(Category.slug == "lf-sd"))
        for i in range(120):
            session.add(Team(code=f"SD-X{i:03d}", name=f"Tim {i}", institution="SD Uji",
                             category_id=cid, level="SD", members=[], contact=""))
    reader = PdfReader(io.BytesIO(client.get("/hasil/lf-sd.pdf").data))
    assert len(reader.pages) == 4  # 122 teams, about 40 a page, the header row repeated
    text = "".join(p.extract_text() for p in reader.pages)
    assert "Tim 119" in text and "LF-SD-002" in text
    # the header row is repeated on every page of the table; the signatures follow it
    assert [p.extract_text().count("Sekolah") for p in reader.pages] == [1, 1, 1, 0]
    assert [p.extract_text().count("Ketua Juri") for p in reader.pages] == [0, 0, 0, 1]


def test_files_of_an_unknown_category_are_404_and_the_index_links_them(client):
    for ext in ("csv", "xlsx", "pdf"):
        assert client.get(f"/hasil/nope.{ext}").status_code == 404
    page = client.get("/hasil").get_data(as_text=True)
    assert 'href="/hasil/lf-smp.csv"' in page and 'href="/hasil/kreatif-sd.pdf"' in page
    assert "/hasil/sertifikat.pdf" not in page  # only for the head judge and admins
