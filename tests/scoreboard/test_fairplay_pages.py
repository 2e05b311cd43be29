"""Fair-play pages as their people use them: the inspector's form, the head judge's
protest list, a team's protest form from its private link, the public medal page."""

from __future__ import annotations

import html
import io
import re

from PIL import Image
from sqlalchemy import select

from tests.scoreboard.matches_support import add_match_categories
from tests.scoreboard.people import add_user, csrf_of, sign_in
from tests.scoreboard.test_fairplay import SUMO_CHECKS, _final, _play_sumo, set_options


def _text(resp) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", resp.get_data(as_text=True)))


def _sumo(app):
    add_match_categories(app)
    set_options(app, "sumo-4", inspection=SUMO_CHECKS)


def test_the_inspector_fills_the_checklist_and_sees_the_verdict(app):
    _sumo(app)
    add_user(app, "inspector", "pemeriksa")
    inspector = sign_in(app, "pemeriksa")
    board = inspector.get("/pemeriksaan")
    assert board.status_code == 200 and "4 dari 4 tim belum lolos." in _text(board)
    page = "/pemeriksaan/sumo-4/SM-1"
    bad = inspector.form(page, {"v_massa": "berat", "v_ukuran_1": "20", "v_ukuran_2": "18",
                                "v_ukuran_3": "10", "v_tanpa_mcu": "ya"})
    assert bad.status_code == 422 and "massa: isi dengan angka" in _text(bad)
    heavy = inspector.form(page, {"v_massa": "3100", "v_ukuran_1": "20", "v_ukuran_2": "18",
                                  "v_ukuran_3": "10", "v_tanpa_mcu": "ya"})
    assert heavy.status_code == 303
    assert "Tidak lolos: Massa" in _text(inspector.get(page))
    ok = inspector.form(page, {"v_massa": "2900,5", "v_ukuran_1": "20", "v_ukuran_2": "18",
                               "v_ukuran_3": "10", "v_tanpa_mcu": "ya", "notes": "roda diganti"})
    assert ok.status_code == 303
    again = _text(inspector.get(page))
    assert "Lolos pemeriksaan teknis." in again and "roda diganti" in again
    assert "3 dari 4 tim belum lolos." in _text(inspector.get("/pemeriksaan"))


def _team_link(app, code: str) -> str:
    from scoreboard.models import Registration, Team
    from scoreboard.services.registration import edit_token

    with app.extensions["kejurda_db"].transaction() as session:
        team = session.scalar(select(Team).where(Team.code == code))
        reg = Registration(code=f"R{code}"[:16], edit_key="k" * 32, status="approved",
                           team_name=team.name, institution=team.institution, level="SMA",
                           category_id=team.category_id, robot_name="Robo", coach_name="Bu Guru",
                           coach_phone="+6281234567890", members=["A"], consent=True,
                           dup_key=code, team_id=team.id, team_code=code)
        session.add(reg)
        session.flush()
        return f"/daftar/{edit_token(app.config['SECRET_KEY'], reg)}"


def test_a_team_files_a_protest_and_the_head_judge_decides_it(app, api):
    _sumo(app)
    matches = _play_sumo(api)
    final = _final(matches)
    loser = final["away"] if final["winner"] == final["home"] else final["home"]
    link = _team_link(app, loser)
    phone = app.test_client()
    form = phone.get(f"{link}/sanggah")
    assert form.status_code == 200 and f"Pertandingan {final['id']}" in _text(form)
    csrf = csrf_of(phone, f"{link}/sanggah")
    empty = phone.post(f"{link}/sanggah", data={"csrf_token": csrf,
                                                 "target": f"match:{final['id']}", "reason": ""})
    assert empty.status_code == 422 and "reason:" in _text(empty)
    sent = phone.post(f"{link}/sanggah", data={"csrf_token": csrf,
                                                "target": f"match:{final['id']}",
                                                "reason": "Lawan keluar arena"})
    assert sent.status_code == 303
    assert "Menunggu keputusan" in _text(phone.get(f"{link}/sanggah"))
    add_user(app, "head_judge", "ketua")
    head = sign_in(app, "ketua")
    listing = _text(head.get("/sanggah"))
    assert "Lawan keluar arena" in listing
    protest_id = re.search(r"/sanggah/(\d+)", head.get("/sanggah").get_data(as_text=True))
    decided = head.form(f"/sanggah/{protest_id.group(1)}", {"decision": "tolak",
                                                            "reason": "Tidak ada bukti"})
    assert decided.status_code == 303
    assert "Ditolak" in _text(phone.get(f"{link}/sanggah"))


def test_the_medal_page_shows_the_table_and_each_podium_as_provisional(app, api):
    _sumo(app)
    _play_sumo(api)
    page = _text(app.test_client().get("/juara-umum"))
    assert "Juara umum" in page and "Sekolah SM-" in page
    assert "Robot Sumo" in page or "Kategori sumo-4" in page
    assert "sementara" in page


def test_the_awards_script_calls_each_category_from_the_last_place_up(app, api):
    import io

    from pypdf import PdfReader

    _sumo(app)
    matches = _play_sumo(api)
    final = _final(matches)
    add_user(app, "head_judge", "ketua")
    head = sign_in(app, "ketua")
    resp = head.get("/hasil/naskah-juara.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(resp.data)).pages)
    champion = f"Tim {final['winner']}"
    assert text.index("Juara 3") < text.index("Juara 2") < text.index("Juara 1")
    assert text.index("Juara 1") < text.index(champion)
    assert app.test_client().get("/hasil/naskah-juara.pdf").status_code == 302  # to /login


def _png(colour: str = "green") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(out, "PNG")
    return out.getvalue()


def test_an_inspection_keeps_its_optional_photo_for_the_committee_only(app, tmp_path):
    _sumo(app)
    app.config["KEJURDA_UPLOAD_DIR"] = str(tmp_path / "uploads")
    add_user(app, "inspector", "pemeriksa")
    inspector = sign_in(app, "pemeriksa")
    page = "/pemeriksaan/sumo-4/SM-1"
    values = {"v_massa": "2900", "v_ukuran_1": "20", "v_ukuran_2": "18", "v_ukuran_3": "10",
              "v_tanpa_mcu": "ya", "csrf_token": inspector.csrf}
    refused = inspector.client.post(page, data={**values, "photo": (io.BytesIO(b"MZ\x90\0"),
                                                                    "robot.jpg")},
                                    content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "Hanya gambar PNG, JPEG atau WebP." in _text(refused)
    assert not (tmp_path / "uploads" / "inspections").exists()       # nothing kept
    assert "Belum diperiksa" in _text(inspector.get(page))
    photo = _png()
    sent = inspector.client.post(page, data={**values, "photo": (io.BytesIO(photo), "r.png")},
                                 content_type="multipart/form-data")
    assert sent.status_code == 303
    link = re.search(r'href="(/pemeriksaan/foto/\d+)"', inspector.get(page).get_data(as_text=True))
    shown = inspector.get(link.group(1))
    assert (shown.status_code, shown.mimetype, shown.data) == (200, "image/png", photo)
    assert shown.headers["Cache-Control"] == "private, no-store"
    [kept] = (tmp_path / "uploads" / "inspections").iterdir()
    assert kept.name.startswith("SM-1-") and kept.stat().st_mode & 0o777 == 0o600
    assert app.test_client().get(link.group(1)).status_code == 302       # to the sign-in
    add_user(app, "timekeeper", "waktu")
    assert sign_in(app, "waktu").get(link.group(1)).status_code == 403
    assert inspector.get("/pemeriksaan/foto/999").status_code == 404
    # without a photo the form works as before
    assert inspector.form(page, {k: v for k, v in values.items() if k != "csrf_token"}
                          ).status_code == 303


def test_a_protest_carries_its_optional_photo_to_the_head_judge(app, api, tmp_path):
    _sumo(app)
    app.config["KEJURDA_UPLOAD_DIR"] = str(tmp_path / "uploads")
    final = _final(_play_sumo(api))
    loser = final["away"] if final["winner"] == final["home"] else final["home"]
    link = _team_link(app, loser)
    phone = app.test_client()
    csrf = csrf_of(phone, f"{link}/sanggah")
    body = {"csrf_token": csrf, "target": f"match:{final['id']}", "reason": "Lihat fotonya"}
    damaged = phone.post(f"{link}/sanggah", data={**body, "photo": (io.BytesIO(_png()[:30]),
                                                                    "bukti.png")},
                         content_type="multipart/form-data")
    assert damaged.status_code == 422
    assert "Berkas gambar rusak atau terpotong; kirim ulang." in _text(
        damaged)
    photo = _png("orange")
    sent = phone.post(f"{link}/sanggah", data={**body, "photo": (io.BytesIO(photo), "b.png")},
                      content_type="multipart/form-data")
    assert sent.status_code == 303
    add_user(app, "head_judge", "ketua")
    head = sign_in(app, "ketua")
    [protest] = api.get("/api/v1/protests", role="admin").get_json()
    assert protest["photo"] is True and protest["reason"] == "Lihat fotonya"
    listing = head.get("/sanggah").get_data(as_text=True)
    assert f'href="/sanggah/{protest["id"]}/foto"' in listing
    shown = head.get(f"/sanggah/{protest['id']}/foto")
    assert (shown.status_code, shown.data) == (200, photo)
    assert phone.get(f"/sanggah/{protest['id']}/foto").status_code == 302   # not public
