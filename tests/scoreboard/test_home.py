"""The start page `/`: public links for everyone; after sign-in every page of the role.

"Every page of the role" is read from the app itself: each GET page whose
`required_roles` let the role in must be linked from `/` (pages with a category or track in
their URL: once per category or track), and every link there must open for that person.
"""

from __future__ import annotations

import re

from tests.scoreboard import people as support
from tests.scoreboard.people import Person

people = support.people  # the fixture
HREF = re.compile(r'<a [^>]*href="([^"]+)"')
MAIN = re.compile(r"<main>(.*)</main>", re.S)
ROLES = {"admin": "admin1", "timekeeper": "waktu1", "judge": "juri1", "head_judge": "ketua",
         "inspector": "pemeriksa1"}
# Pages reached from another page rather than from `/`: one team's, one match's, one file's.
DEEPER = {"callup.queue", "schedule.place_pdf", "registration_admin.proof", "registration_admin.export_csv",
          "registration_admin.export_xlsx", "brackets.admin", "judge.history", "pads.pad",
          "fairplay.inspect", "fairplay.inspection_photo", "fairplay.protest_photo"}


def _links(html: str) -> set[str]:
    return set(HREF.findall(MAIN.search(html).group(1)))


def _role_pages(app, role: str) -> set[str]:
    """GET pages without parameters (or with a category/track one) open to `role`."""
    wanted = set()
    for rule in app.url_map.iter_rules():
        roles = getattr(app.view_functions[rule.endpoint], "required_roles", None)
        if (roles is None or "GET" not in rule.methods or rule.endpoint in DEEPER
                or rule.rule.startswith("/api/")):
            continue
        if role == "admin" or role in roles:
            wanted.add(rule.endpoint)
    return wanted


def test_anyone_gets_the_public_links_and_a_way_to_sign_in(app):
    page = app.test_client().get("/").get_data(as_text=True)
    links = _links(page)
    assert {"/kategori", "/hasil", "/daftar", "/display", "/login"} <= links
    assert not [href for href in links if href.startswith(("/admin", "/desk", "/juri", "/wasit"))]
    assert "<h1>Kejurda Uji</h1>" in page


def test_every_link_on_the_start_page_opens_for_its_role(app, people: dict[str, Person]):
    for role, name in ROLES.items():
        person = people[name]
        links = _links(person.get("/").get_data(as_text=True))
        for href in sorted(links):
            resp = person.get(href)
            assert resp.status_code == 200, (role, href, resp.status_code)
        endpoints = {app.url_map.bind("localhost").match(h.split("?")[0])[0] for h in links}
        missing = _role_pages(app, role) - endpoints
        assert missing == set(), (role, missing)


def test_the_desk_is_offered_once_per_track_and_the_pads_once_per_match_category(people):
    links = _links(people["waktu1"].get("/").get_data(as_text=True))
    assert {h for h in links if h.startswith("/desk/")} == {
        "/desk/?lintasan=lintasan-a", "/desk/?lintasan=lintasan-b", "/desk/?lintasan=lintasan-c",
        "/desk/?lintasan=lintasan-d"}
    assert {h for h in links if h.startswith("/wasit/")} == {"/wasit/sumo-sma"}


def test_a_judge_sees_the_tablet_and_no_administration(people):
    links = _links(people["juri1"].get("/").get_data(as_text=True))
    assert "/juri" in links
    assert not [h for h in links if h.startswith(("/admin", "/desk", "/wasit", "/juri/ketua"))]


def test_the_admin_dashboard_counts_what_the_championship_holds(people):
    page = people["admin1"].get("/").get_data(as_text=True)
    counts = dict((label, int(value)) for value, label in
                  re.findall(r"<li><strong>(\d+)</strong> <span>([^<]+)</span></li>", page))
    # tests/data/teams.csv has 10 teams; the people fixture adds 3 to kreatif-sd
    assert counts == {"Kategori": 6, "Tim": 13, "Pendaftaran menunggu": 0,
                      "Percobaan selesai": 0, "Hasil pertandingan": 0, "Lembar nilai juri": 0,
                      "Pengguna aktif": 7}
    assert 'href="/panduan"' in page


def test_the_guide_is_shown_as_text_on_the_venue_network(client):
    page = client.get("/panduan").get_data(as_text=True)
    assert "<h1>Panduan panitia" in page
    assert "Wi-Fi" in page and "<script" not in MAIN.search(page).group(1)


def test_the_role_is_named_in_words_not_as_its_key(people):
    page = people["ketua"].get("/").get_data(as_text=True)
    assert "(Ketua juri)" in page and "head_judge" not in page


def test_error_pages_speak_the_page_language(client):
    resp = client.get("/tidak-ada-halaman-ini")
    assert resp.status_code == 404
    assert "Halaman tidak ditemukan" in resp.get_data(as_text=True)
    assert "The requested URL" not in resp.get_data(as_text=True)
    client.get("/bahasa/en")
    assert "Page not found" in client.get("/tidak-ada-halaman-ini").get_data(as_text=True)
