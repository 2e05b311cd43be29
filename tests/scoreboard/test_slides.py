"""Sponsor and announcement slides (issue: broadcast): the admin uploads images at
/admin/slide (checked by content, size-limited, stored like the payment proofs), a playlist's
`slide` scene shows one, the projector fetches it from /display/slide/<id>."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from scoreboard.models import AuditRecord
from tests.scoreboard.people import add_user, sign_in


def png(size: tuple[int, int] = (64, 36), colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def uploads(app, tmp_path) -> Path:
    folder = tmp_path / "uploads"
    app.config["KEJURDA_UPLOAD_DIR"] = str(folder)
    return folder


@pytest.fixture
def admin(app, uploads):
    add_user(app, "admin", "admin1")
    return sign_in(app, "admin1")


def upload(person, data: bytes, title: str = "Sponsor Utama", name: str = "sponsor.png",
           csrf: str | None = None):
    return person.client.post("/admin/slide", data={
        "csrf_token": csrf or person.csrf, "title": title,
        "image": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def slide_files(uploads: Path) -> list[Path]:
    return sorted((uploads / "slides").glob("*")) if (uploads / "slides").exists() else []


def test_an_uploaded_slide_is_listed_served_and_kept_private(app, api, admin, uploads, db):
    image = png((1920, 1080))
    resp = upload(admin, image)
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/admin/slide")
    [slide] = api.get("/api/v1/display/slides").get_json()
    assert slide == {"id": slide["id"], "title": "Sponsor Utama", "media_type": "image/png",
                     "bytes": len(image), "url": f"/display/slide/{slide['id']}"}
    served = app.test_client().get(slide["url"])        # public, like the projector
    assert (served.status_code, served.mimetype, served.data) == (200, "image/png", image)
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    [stored] = slide_files(uploads)
    assert stored.read_bytes() == image and stored.suffix == ".png"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE((uploads / "slides").stat().st_mode) == 0o700
    page = admin.client.get("/admin/slide").get_data(as_text=True)
    assert f"slide | 10 | {slide['id']}" in page and f'src="{slide["url"]}"' in page
    with db.transaction() as session:
        [record] = session.scalars(select(AuditRecord).where(AuditRecord.entity == "slide"))
        assert (record.action, record.actor, record.entity_id) == (
            "upload", "user:admin1", str(slide["id"]))


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"%PDF-1.7\n1 0 obj\n", "brosur.pdf",
     "Hanya gambar PNG, JPEG atau WebP."),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.png",
     "Hanya gambar PNG, JPEG atau WebP."),
    (png()[:40], "terpotong.png", "Berkas gambar rusak atau terpotong; kirim ulang."),
    (b"", "kosong.png", "Pilih berkasnya dulu."),
])
def test_a_file_that_is_not_a_whole_image_is_refused_and_nothing_is_kept(
        admin, uploads, snapshot, data, name, message):
    before = snapshot()
    resp = upload(admin, data, name=name)
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert message in page and "image:" not in page  # in the page's words, at its field
    assert snapshot() == before and slide_files(uploads) == []


def test_a_refused_image_is_told_in_english_on_an_english_page(admin, uploads):
    admin.client.set_cookie("lang", "en")
    page = upload(admin, b"%PDF-1.7\n1 0 obj\n", name="brosur.pdf").get_data(as_text=True)
    assert "Only a PNG, JPEG or WebP image." in page and "Hanya gambar" not in page


def test_a_slide_over_the_upload_limit_or_without_a_title_is_refused(app, admin, uploads,
                                                                      snapshot):
    app.config["KEJURDA_UPLOAD_MAX_BYTES"] = 1000
    before = snapshot()
    resp = upload(admin, png((400, 400), "white") + b"\0" * 1000)
    assert resp.status_code == 422
    assert "Berkas terlalu besar: paling besar 1000 bita." in resp.get_data(as_text=True)
    assert upload(admin, png(), title="").status_code == 400
    assert upload(admin, png(), title="x" * 81).status_code == 400
    assert upload(admin, png(), csrf="palsu").status_code == 400
    assert snapshot() == before and slide_files(uploads) == []


def test_only_an_admin_uploads_or_deletes(app, uploads, snapshot):
    add_user(app, "timekeeper", "waktu1")
    timekeeper = sign_in(app, "waktu1")
    before = snapshot()
    assert upload(timekeeper, png()).status_code == 403
    assert timekeeper.form("/admin/slide/1/hapus", {}).status_code == 403
    anonymous = app.test_client().get("/admin/slide")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert snapshot() == before


def test_a_playlist_shows_a_slide_by_its_number(app, api, admin, tokens):
    upload(admin, png())
    [slide] = api.get("/api/v1/display/slides").get_json()
    resp = admin.form("/admin/layar", {"screen": "aula",
                                       "lines": f"slide | 12 | {slide['id']}\nlive"})
    assert resp.status_code == 302
    assert api.get("/api/v1/display/screens/aula").get_json()["playlist"] == [
        {"scene": "slide", "seconds": 12, "slide": slide["id"]}, {"scene": "live", "seconds": 15}]
    page = admin.client.get("/admin/layar?layar=aula").get_data(as_text=True)
    assert f"slide | 12 | {slide['id']}\nlive | 15" in page
    bearer = {"Authorization": f"Bearer {tokens['admin']}"}
    for scene, status, error in [
            ({"scene": "slide"}, 422, "playlist[0].slide: the number of an uploaded slide "
                                      "(GET /api/v1/display/slides)"),
            ({"scene": "slide", "slide": "1"}, 422, "playlist[0].slide: the number of an "
                                                    "uploaded slide (GET /api/v1/display/slides)"),
            ({"scene": "slide", "slide": True}, 422, "playlist[0].slide: the number of an "
                                                     "uploaded slide (GET /api/v1/display/slides)"),
            ({"scene": "slide", "slide": 999}, 404,
             "playlist[0].slide: 999 is not an uploaded slide")]:
        resp = app.test_client().put("/api/v1/display/screens/aula", json={"playlist": [scene]},
                                     headers=bearer)
        assert (resp.status_code, resp.get_json()) == (status, {"error": error})


def test_a_slide_in_a_playlist_is_kept_until_taken_out(app, api, admin, uploads):
    upload(admin, png())
    [slide] = api.get("/api/v1/display/slides").get_json()
    admin.form("/admin/layar", {"screen": "aula", "lines": f"slide | 10 | {slide['id']}"})
    resp = admin.form(f"/admin/slide/{slide['id']}/hapus", {})
    assert resp.status_code == 303
    page = admin.client.get("/admin/slide").get_data(as_text=True)
    assert (f"slide {slide['id']} is in the playlist of aula; take it out there first "
            "(slide masih dipakai di daftar putar layar)") in page
    assert len(slide_files(uploads)) == 1 and api.get(slide["url"]).status_code == 200

    admin.form("/admin/layar", {"screen": "aula", "lines": "live"})
    assert admin.form(f"/admin/slide/{slide['id']}/hapus", {}).status_code == 303
    assert api.get("/api/v1/display/slides").get_json() == []
    assert slide_files(uploads) == [] and api.get(slide["url"]).status_code == 404
    assert admin.form("/admin/slide/999/hapus", {}).status_code == 303   # told, not a 500


def test_the_admin_home_and_the_playlist_page_lead_to_the_slides(admin):
    assert 'href="/admin/slide"' in admin.client.get("/").get_data(as_text=True)
    assert 'href="/admin/slide"' in admin.client.get("/admin/layar").get_data(as_text=True)
