"""Public pages for phones: categories, a ranking and a team, open to anyone."""

from __future__ import annotations

import re

from tests.scoreboard.test_results import finish


def test_categories_page_links_every_category(client):
    resp = client.get("/kategori")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    links = re.findall(r'href="/kategori/([a-z0-9-]+)"', page)
    assert links == ["lf-smp", "lf-sd", "lf-sma", "lf-cepat", "sumo-sma", "kreatif-sd"]
    assert '<html lang="id">' in page


def test_ranking_page_shows_ranks_and_exact_times(api, agent, client):
    finish(api, agent, "LF-SMP-004", 1_000_000, 12_345_999)
    finish(api, agent, "LF-SMP-002", 1_000_000, 15_000_000)
    page = client.get("/kategori/lf-smp").get_data(as_text=True)
    rows = re.findall(r'<tr data-team="([^"]+)">\s*<td>([^<]*)</td>\s*<td><a href="/tim/[^"]+">'
                      r'([^<]*)</a></td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>', page)
    assert rows == [
        ("LF-SMP-004", "1", "Bima Junior 4", "11.345", "Selesai"),
        ("LF-SMP-002", "2", "Kelud Robotik 2", "14.000", "Selesai"),
        ("LF-SMP-001", "–", "Merapi Tim 1", "—", "Belum tampil"),
        ("LF-SMP-003", "–", "Brantas Robotik 3", "—", "Belum tampil"),
    ]
    assert 'data-category="lf-smp"' in page and "/static/js/public.js" in page


def test_team_page_shows_school_rank_and_every_attempt(api, agent, client):
    finish(api, agent, "LF-SMP-002", 1_000_000, 15_000_000)
    run = api.arm("lf-smp", "LF-SMP-002")
    api.post(f"/api/v1/runs/{run['id']}/abort")
    page = client.get("/tim/LF-SMP-002").get_data(as_text=True)
    assert "<h1>Kelud Robotik 2</h1>" in page and "SMPN 3 Blitar" in page
    assert '<dd id="team-rank">1</dd>' in page and '<dd id="team-best">14.000</dd>' in page
    attempts = re.findall(r'<tr data-run="\d+"><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td>',
                          page)
    assert attempts == [("1", "Selesai", "14.000"), ("2", "Tidak selesai", "—")]
    # a pupil's phone number is never on a public page
    assert "086468616425" not in page


def test_a_team_without_attempts(client):
    page = client.get("/tim/LF-SD-001").get_data(as_text=True)
    assert "Belum ada percobaan." in page and '<dd id="team-rank">–</dd>' in page


def test_unknown_category_or_team_is_404(client):
    assert client.get("/kategori/nope").status_code == 404
    assert client.get("/tim/NOPE").status_code == 404
    assert client.get("/tim/" + "X" * 500).status_code == 404


def test_public_pages_need_no_login_and_load_nothing_from_outside(client):
    for path in ("/kategori", "/kategori/lf-smp", "/tim/LF-SMP-001", "/hasil",
                 "/verifikasi/1-1-AAAAAAAAAAAAAAAA"):
        resp = client.get(path)
        assert resp.status_code in (200, 404), path
        page = resp.get_data(as_text=True)
        assert "/login?" not in page
        outside = ("http:", "https:", "//")
        loads = re.findall(r'src="([^"]+)"', page) + re.findall(r'<link[^>]*href="([^"]+)"',
                                                                page)
        assert [s for s in loads if s.startswith(outside)] == [], path
        # the only link out is WhatsApp's share address (a tap, nothing the page loads)
        links = re.findall(r'<a[^>]*href="([^"]+)"', page)
        assert [h for h in links if h.startswith(outside)
                and not h.startswith("https://wa.me/?text=")] == [], path


def test_public_pages_in_english(client):
    client.get("/bahasa/en")
    page = client.get("/tim/LF-SD-001").get_data(as_text=True)
    assert "No attempts yet." in page and "School" in page


def test_a_match_category_links_its_bracket_and_every_page_links_the_public_pages(client):
    page = client.get("/kategori/sumo-sma").get_data(as_text=True)
    assert 'href="/kategori/sumo-sma/bagan"' in page
    assert 'href="/kategori/lf-smp/bagan"' not in client.get("/kategori/lf-smp").get_data(
        as_text=True)
    login = client.get("/login").get_data(as_text=True)
    assert 'href="/kategori"' in login and 'href="/hasil"' in login
