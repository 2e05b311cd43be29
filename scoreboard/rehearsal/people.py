"""The people of the rehearsal who use web pages: teams registering on `/daftar`, the
committee approving on `/admin/pendaftaran`, the inspector and the head judge signed in."""

from __future__ import annotations

import csv
import io
import re
import time

import requests

from scoreboard.rehearsal.venue import RehearsalError, Venue, kejurda

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
REVIEW = re.compile(r'/admin/pendaftaran/(\d+)/status')
JUDGES = ("juri-1", "juri-2")
PASSWORD = "gladi-kejurda-2027"  # a rehearsal's throwaway accounts, on its own database


class Browser:
    """One person's browser: cookies, the page's CSRF token, retries while the server
    restarts (a person presses the button again)."""

    def __init__(self, venue: Venue, url: str | None = None) -> None:
        self.venue = venue
        self.url = url or venue.url  # a tablet on the venue's Wi-Fi goes through a proxy
        self.http = requests.Session()
        self.token: str | None = None  # the signed-in session's CSRF token
        # how long a request is retried while the server is out of reach; a tablet that
        # is offline keeps its sheets as long as it takes
        self.patience = 180.0

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        deadline = time.monotonic() + self.patience
        while True:
            try:
                return self.http.request(method, self.url + path, timeout=60,
                                         allow_redirects=False, **kwargs)
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def csrf(self, path: str = "/daftar") -> str:
        page = self.request("GET", path).text
        found = CSRF.search(page)
        if found is None:
            raise RehearsalError(f"GET {path}: no CSRF token on the page")
        return found.group(1)

    def form(self, path: str, data: dict, page: str | None = None) -> requests.Response:
        """Submit a form; a signed-in person's session token serves every form."""
        token = self.token or self.csrf(page or path)
        return self.request("POST", path, data={"csrf_token": token, **data})

    def sign_in(self, name: str) -> Browser:
        resp = self.form("/login", {"name": name, "password": PASSWORD})
        if resp.status_code != 302:
            raise RehearsalError(f"sign-in of {name!r} refused ({resp.status_code})")
        self.token = self.csrf()
        return self

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        """The API as a signed-in person calls it from a page: cookie plus X-CSRFToken."""
        headers = {"X-CSRFToken": self.token or self.csrf()}
        return self.request(method, f"/api/v1{path}", headers=headers, **kwargs)


def add_people(venue: Venue) -> None:
    """The committee's accounts: an admin, an inspector and a head judge."""
    for role, name in (("admin", "panitia"), ("inspector", "pemeriksa"),
                       ("head_judge", "ketua-juri"), *(("judge", j) for j in JUDGES)):
        kejurda("user", "create", "--role", role, "--name", name, "--password-stdin",
                "--db", venue.db_url, stdin=PASSWORD + "\n")


def register_all(venue: Venue, roster: list[dict]) -> dict[str, str]:
    """Every team of the roster fills in `/daftar`; team name -> its private link."""
    links = {}
    for row in roster:
        browser = Browser(venue)
        data = {"team_name": row["name"], "institution": row["institution"],
                "npsn": row["npsn"], "level": row["level"], "category": row["category"],
                "robot_name": f"Robot {row['name']}", "coach_name": f"Pembina {row['name']}",
                "coach_phone": row["contact"], "members": row["members"].replace(";", "\n"),
                "consent": "y", "website": ""}
        resp = browser.form("/daftar", data)
        if resp.status_code != 303:
            raise RehearsalError(f"/daftar refused {row['name']!r} ({resp.status_code})")
        links[row["name"]] = resp.headers["Location"].split("?")[0]
    return links


def approve_all(admin: Browser) -> dict[str, str]:
    """The committee approves every pending registration; team name -> team code."""
    while True:
        page = admin.request("GET", "/admin/pendaftaran?status=pending").text
        ids = sorted(set(REVIEW.findall(page)), key=int)
        if not ids:
            break
        for reg_id in ids:
            resp = admin.form(f"/admin/pendaftaran/{reg_id}/status",
                              {"status": "approved", "reason": ""}, page="/admin/pendaftaran")
            if resp.status_code != 303:
                raise RehearsalError(f"approving registration {reg_id} refused "
                                     f"({resp.status_code})")
    body = admin.request("GET", "/admin/pendaftaran/tim.csv").text
    return {row["name"]: row["code"] for row in csv.DictReader(io.StringIO(body))}


def assign_judges(admin: Browser, category_name: str) -> None:
    """The committee gives every judge the judged category on `/admin/pengguna/`."""
    page = admin.request("GET", "/admin/pengguna/").text
    for judge in JUDGES:
        found = re.search(rf'data-user="{judge}".*?/admin/pengguna/(\d+)/kategori.*?'
                          rf'name="categories" value="(\d+)"[^>]*>\s*{category_name}<',
                          page, re.S)
        if found is None:
            raise RehearsalError(f"/admin/pengguna/: no category form for {judge!r}")
        resp = admin.form(f"/admin/pengguna/{found.group(1)}/kategori",
                          {"categories": found.group(2)}, page="/admin/pengguna/")
        if resp.status_code != 303 and resp.status_code != 302:
            raise RehearsalError(f"assigning {judge!r}: {resp.status_code}")
