"""The end of the championship: a protest filed by a team and decided by the head judge,
every category made official, the medal table and the certificates."""

from __future__ import annotations

import time
from typing import Any

from scoreboard.rehearsal.people import Browser
from scoreboard.rehearsal.venue import RehearsalError


def file_protest(r: Any) -> int:
    """The loser of the sumo final protests it on its private link; the head judge
    rejects it. Returns the protest's id."""
    v = r.venue
    bracket = v.api("GET", "/categories/sumo-sma/bracket").json()
    done = [m for m in bracket["matches"] if m["status"] == "done" and m["loser"]]
    if not done:
        raise RehearsalError("sumo-sma: no match played to protest")
    match = done[-1]
    team = Browser(v)
    link = r.plan.links[match["loser"]] + "/sanggah"
    resp = team.form(link, {"target": f"match:{match['id']}",
                            "reason": "Robot lawan keluar arena lebih dulu"})
    if resp.status_code != 303:
        raise RehearsalError(f"protest of {match['loser']}: {resp.status_code}")
    open_ = r.head_judge.api("GET", "/protests?status=open").json()
    mine = [p for p in open_ if p["team"] == match["loser"]]
    if len(mine) != 1:
        raise RehearsalError(f"protest of {match['loser']}: {len(mine)} open protests listed")
    resp = r.head_judge.api("POST", f"/protests/{mine[0]['id']}/decision",
                            json={"accept": False, "reason": "Rekaman wasit: sah"})
    if resp.status_code != 200:
        raise RehearsalError(f"protest decision: {resp.status_code} {resp.text[:200]}")
    return mine[0]["id"]


def close(r: Any) -> None:
    """Protest, finalise every category, then the medal table and the certificates."""
    t0 = time.monotonic()
    r.protest_id = file_protest(r)
    for slug in r.plan.teams:
        resp = r.head_judge.api("POST", f"/categories/{slug}/finalise",
                                json={"reason": "Gladi: hasil akhir"})
        if resp.status_code != 200 or resp.json()["state"] != "official":
            raise RehearsalError(f"finalising {slug}: {resp.status_code} {resp.text[:200]}")
    r.medals = r.venue.api("GET", "/medals").json()
    resp = r.head_judge.request("GET", "/hasil/sertifikat.pdf")
    if resp.status_code != 200 or resp.headers.get("Content-Type") != "application/pdf":
        raise RehearsalError(f"certificates: {resp.status_code}")
    r.certificate_pages = resp.content.count(b"/Type /Page") - resp.content.count(
        b"/Type /Pages")
    r.team_certificates = {}
    for code, link in r.plan.links.items():
        got = Browser(r.venue).request("GET", f"{link}/sertifikat.pdf")
        r.team_certificates[code] = (got.status_code == 200
                                     and got.content.startswith(b"%PDF"))
    r.step(f"closed: protest {r.protest_id} decided, {len(r.plan.teams)} categories "
           f"official, {len(r.medals)} schools in the medal table, "
           f"{r.certificate_pages} certificate pages", t0)
