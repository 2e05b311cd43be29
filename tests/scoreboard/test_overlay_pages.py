"""The stream overlay pages: served for every kind, transparent, no outside assets."""

from __future__ import annotations

import html
import json
import re

import pytest


@pytest.mark.parametrize("path, kind", [
    ("/overlay/lintasan", "run"), ("/overlay/lintasan?track=lintasan-a", "run"),
    ("/overlay/peringkat/lf-smp", "ranking"), ("/overlay/pertandingan/sumo-sma", "match"),
    ("/overlay/berikutnya", "next"),
])
def test_each_overlay_is_served_with_its_own_assets_only(client, path, kind):
    resp = client.get(path)
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert f'data-kind="{kind}"' in page and 'class="overlay"' in page
    assert all(src.startswith("/static/") for src in re.findall(r'(?:src|href)="([^"]+)"', page))
    css = client.get("/static/css/overlay.css").get_data(as_text=True)
    assert "background: transparent" in css


@pytest.mark.parametrize("path", ["/overlay/peringkat/tidak-ada",
                                  "/overlay/pertandingan/lf-smp"])
def test_an_unknown_or_wrong_category_is_404(client, path):
    assert client.get(path).status_code == 404


def test_the_match_bug_gets_the_round_names_in_the_page_language(client):
    """overlay.js names a round with results.js and these labels, never by its key."""
    page = client.get("/overlay/pertandingan/sumo-sma").get_data(as_text=True)
    assert "/static/js/results.js" in page
    texts = json.loads(html.unescape(re.search(r"data-texts='([^']*)'", page).group(1)))
    assert texts["results"]["rounds"]["fixed"]["final"] == "Final"
    assert texts["results"]["rounds"]["numbered"]["winners"] == "Babak atas {n}"
