"""Public pages and reads are cached per change and revalidated (scoreboard/web/caching.py)."""

from __future__ import annotations

import pytest

from tests.scoreboard.test_results import finish


@pytest.mark.parametrize("path", ["/kategori/lf-smp", "/api/v1/categories/lf-smp/ranking",
                                  "/kategori", "/tim/LF-SMP-002", "/hasil",
                                  "/kategori/sumo-sma/bagan",
                                  "/api/v1/categories/sumo-sma/bracket"])
def test_a_public_read_is_rendered_once_and_revalidated_with_304(app, client, path):
    cache = app.extensions["kejurda_public_cache"]
    first = client.get(path)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=1"
    assert first.headers["Last-Modified"]
    assert "Set-Cookie" not in first.headers  # one page for everybody: no session made
    hits = cache.hits
    again = client.get(path)
    assert (again.status_code, again.headers["ETag"], again.data) == (200, etag, first.data)
    assert cache.hits == hits + 1
    # answered by the fast path before Flask, with every security header all the same
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert again.headers["X-Frame-Options"] == "DENY"
    by_tag = client.get(path, headers={"If-None-Match": etag})
    assert (by_tag.status_code, by_tag.data) == (304, b"")
    by_date = client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert (by_date.status_code, by_date.data) == (304, b"")


def test_a_published_result_outdates_its_category_at_once(api, agent, client):
    before = client.get("/kategori/lf-smp")
    api_before = client.get("/api/v1/categories/lf-smp/ranking")
    other = client.get("/kategori/lf-sd")
    finish(api, agent, "LF-SMP-004", 1_000_000, 12_345_999)
    after = client.get("/kategori/lf-smp", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert "11.345" in after.get_data(as_text=True)
    ranking = client.get("/api/v1/categories/lf-smp/ranking",
                         headers={"If-None-Match": api_before.headers["ETag"]})
    assert ranking.status_code == 200
    assert ranking.get_json()["entries"][0]["best_us"] == 11_345_999
    # another category's page did not change: still revalidates
    same = client.get("/kategori/lf-sd", headers={"If-None-Match": other.headers["ETag"]})
    assert same.status_code == 304


def test_shared_pages_carry_no_visitor_s_csrf_token(client):
    page = client.get("/kategori/lf-smp").get_data(as_text=True)
    assert '<meta name="csrf-token" content="">' in page


def test_a_token_or_a_signed_in_person_gets_the_uncached_response(app, client, tokens):
    client.get("/api/v1/categories/lf-smp/ranking")
    with_token = client.get("/api/v1/categories/lf-smp/ranking",
                            headers={"Authorization": f"Bearer {tokens['admin']}"})
    assert with_token.status_code == 200
    assert "ETag" not in with_token.headers and "Cache-Control" not in with_token.headers
    with client.session_transaction() as sess:
        sess["_user_id"] = "1"
    page = client.get("/kategori/lf-smp")
    assert page.status_code == 200 and "ETag" not in page.headers


def test_each_language_has_its_own_cached_page(client):
    indonesian = client.get("/kategori/lf-smp")
    client.set_cookie("lang", "en")
    english = client.get("/kategori/lf-smp")
    english_again = client.get("/kategori/lf-smp")
    assert '<html lang="id">' in indonesian.get_data(as_text=True)
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert english_again.data == english.data
    assert english.headers["ETag"] != indonesian.headers["ETag"]
    assert english_again.headers["Vary"] == english.headers["Vary"] == "Cookie, Authorization"


def test_a_screen_told_of_a_change_is_never_answered_from_before_it(app, monkeypatch):
    """The cached pages are outdated before any screen hears of the change: a screen that
    asks for its page the moment it is told gets the new one (a browser test once waited
    in vain for a match row: it was told, asked, and got the page cached before)."""
    from scoreboard.services.publish import publish

    cache = app.extensions["kejurda_public_cache"]
    socketio = app.extensions["socketio"]
    told: list[tuple[str, int, int]] = []
    real = socketio.emit

    def spy(event, *args, **kwargs):
        told.append((event, cache.version("*"), cache.version("sumo-4")))
        return real(event, *args, **kwargs)

    monkeypatch.setattr(socketio, "emit", spy)
    before = (cache.version("*"), cache.version("sumo-4"))
    with app.app_context():
        publish("match", {"category": "sumo-4", "match_id": "W1-1"})
    assert told == [("match", before[0] + 1, before[1] + 1)]


def test_status_labels_are_kept_per_language_and_each_caller_gets_its_own(app):
    """Made once per language (a label per row made all seventeen each time), never the
    other language's, and a caller's changes stay its own."""
    from scoreboard.services import results

    for language, finished in (("id", "Selesai"), ("en", "Finished"), ("id", "Selesai")):
        with app.test_request_context("/", headers={"Cookie": f"lang={language}"}):
            assert results.status_label("finished") == finished
            assert results.status_label("no-such-status") == "no-such-status"
            labels = results.status_labels()
            assert labels["finished"] == finished
            labels["finished"] = "changed"
            assert results.status_labels()["finished"] == finished


def test_a_page_rendered_again_for_a_revalidation_is_still_answered_by_the_fast_path(
        app, client):
    """The request that renders an expired page again may itself be a revalidation (a
    browser sends its ETag) and get a 304; the page kept must still be the whole answer,
    or every request after it would go through Flask and render it again."""
    from scoreboard.web import caching

    cache = app.extensions["kejurda_public_cache"]
    first = client.get("/kategori/lf-smp")
    key = ("/kategori/lf-smp?", "id")
    cache.entries[key].at -= caching.KEPT_S + 1  # expired, and past what may be kept
    again = client.get("/kategori/lf-smp", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert cache.entries[key].headers is not None
    hits = cache.hits
    whole = client.get("/kategori/lf-smp")
    assert (whole.status_code, whole.data) == (200, first.data)
    assert cache.hits == hits + 1  # from the fast path
    assert whole.headers["Content-Length"] == str(len(first.data))
