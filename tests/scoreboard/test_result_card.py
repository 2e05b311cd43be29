"""A team's result card: a 1080×1080 PNG that names the place and time, never members."""

from __future__ import annotations

import io
from urllib.parse import unquote

from PIL import Image


def test_the_card_is_a_square_png_and_the_team_page_links_it_for_sharing(api, agent):
    run = api.arm("lf-smp", "LF-SMP-001")
    agent.send("esp32-a", 0, "B", 5_000_000)
    agent.send("esp32-a", 1, "B", 17_345_678)
    assert api.run(run["id"])["elapsed_us"] == 12_345_678
    resp = api.get("/tim/LF-SMP-001/kartu.png")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    image = Image.open(io.BytesIO(resp.data))
    assert image.size == (1080, 1080)
    page = api.get("/tim/LF-SMP-001").get_data(as_text=True)
    assert 'href="/tim/LF-SMP-001/kartu.png"' in page
    share = page.split('href="https://wa.me/?text=', 1)[1].split('"', 1)[0]
    assert "Merapi Tim 1" in unquote(share) and "/tim/LF-SMP-001/kartu.png" in unquote(share)
    assert api.get("/tim/TIDAK-ADA/kartu.png").status_code == 404


def test_what_the_card_says(app, api, agent):
    from scoreboard.services.result_card import card_facts

    run = api.arm("lf-smp", "LF-SMP-001")
    agent.send("esp32-a", 0, "B", 5_000_000)
    agent.send("esp32-a", 1, "B", 17_345_678)
    assert api.run(run["id"])["status"] == "finished"
    with app.test_request_context("/"):
        app.preprocess_request()
        facts = card_facts(app.extensions["kejurda_db"].session, "LF-SMP-001")
        unranked = card_facts(app.extensions["kejurda_db"].session, "LF-SMP-002")
    assert facts == {"event": "Kejurda Uji", "category": "Line Follower SMP",
                     "headline": "Juara 1", "measure": "12.345 s", "team": "Merapi Tim 1",
                     "institution": "SMPN 1 Blitar", "code": "LF-SMP-001",
                     "provisional": True}
    assert (unranked["headline"], unranked["measure"]) == ("Peserta", "")
