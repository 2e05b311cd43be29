"""The English catalogue covers every Indonesian text and its compiled .mo is current."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "scoreboard" / "translations" / "en" / "LC_MESSAGES"


def _source_messages() -> set[str]:
    found = set()
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(ROOT / "scoreboard"), method_map):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_text_in_the_source_has_an_english_translation():
    po = read_po((CATALOG / "messages.po").open("rb"))
    translated = {m.id for m in po if m.id and m.string}
    missing = _source_messages() - translated
    assert missing == set(), f"add to messages.po and recompile: {sorted(missing)}"


def test_compiled_catalogue_matches_the_po_file():
    po = read_po((CATALOG / "messages.po").open("rb"))
    mo = read_mo(io.BytesIO((CATALOG / "messages.mo").read_bytes()))
    assert {m.id: m.string for m in po if m.id} == {m.id: m.string for m in mo if m.id}


def test_pages_speak_indonesian_first_and_english_on_request(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="id">' in page and "Kata sandi" in page
    client.get("/bahasa/en")
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Password" in page
