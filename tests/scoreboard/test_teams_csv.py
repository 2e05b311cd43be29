"""The teams CSV (docs/contract.md §3): import, re-import by code, and all-or-nothing errors that
name the line (the header is line 1), the value and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from scoreboard.errors import LoadError
from scoreboard.models import Team
from scoreboard.services.teams_csv import import_teams

HEADER = "code,name,institution,category,level,members,contact\n"
ROW1 = "T-001,Merapi Tim,SMPN 1 Blitar,lf-smp,SMP,Sari Santoso; Budi Lestari,0812\n"
ROW2 = "T-002,Kelud Robotik,SMPN 3 Blitar,lf-sd,SD,Rizky Wijaya,0813\n"


def write(tmp_path: Path, text: str | bytes, name: str = "teams.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def teams(db) -> dict[str, tuple]:
    with db.transaction() as s:
        return {t.code: (t.id, t.name, t.institution, t.category.slug, t.level, t.members,
                         t.contact) for t in s.scalars(select(Team))}


def do_import(db, path: Path) -> tuple[int, int]:
    with db.transaction() as s:
        return import_teams(s, path)


def test_import_stores_every_column(db, tmp_path):
    before = set(teams(db))
    assert do_import(db, write(tmp_path, HEADER + ROW1 + ROW2)) == (2, 0)
    got = teams(db)
    assert set(got) - before == {"T-001", "T-002"}
    assert got["T-001"][1:] == ("Merapi Tim", "SMPN 1 Blitar", "lf-smp", "SMP",
                                ["Sari Santoso", "Budi Lestari"], "0812")
    assert got["T-002"][1:] == ("Kelud Robotik", "SMPN 3 Blitar", "lf-sd", "SD",
                                ["Rizky Wijaya"], "0813")


def test_the_fixture_teams_are_loaded(db, data_dir):
    got = teams(db)
    assert len(got) == 10
    assert got["LF-SMP-001"][1:4] == ("Merapi Tim 1", "SMPN 1 Blitar", "lf-smp")


def test_reimport_updates_by_code_without_duplicates(db, tmp_path, count):
    do_import(db, write(tmp_path, HEADER + ROW1 + ROW2))
    first = teams(db)
    n = count(Team)
    changed = ROW1.replace("Merapi Tim", "Merapi Baru").replace(",lf-smp,SMP,", ",lf-sma,SMA,")
    assert do_import(db, write(tmp_path, HEADER + changed + ROW2)) == (0, 2)
    second = teams(db)
    assert count(Team) == n
    assert second["T-001"][0] == first["T-001"][0]  # same row
    assert second["T-001"][1:5] == ("Merapi Baru", "SMPN 1 Blitar", "lf-sma", "SMA")
    assert second["T-002"] == first["T-002"]


def test_bom_crlf_blank_lines_and_header_case_are_accepted(db, tmp_path):
    text = "\ufeff" + HEADER.upper() + ROW1 + "\n" + ROW2
    assert do_import(db, write(tmp_path, text.replace("\n", "\r\n"))) == (2, 0)


def test_quoted_cells_with_commas_and_newlines(db, tmp_path):
    text = HEADER + 'T-009,"Tim, Baru","SMP\nSatu",lf-smp,SMP,"A;B",0\n'
    assert do_import(db, write(tmp_path, text)) == (1, 0)
    assert teams(db)["T-009"][1:3] == ("Tim, Baru", "SMP\nSatu")


BAD = [
    # (id, file text, line, part of the message)
    ("unknown category", HEADER + ROW1 + ROW2.replace("lf-sd", "lf-tk"), 3,
     "column 'category' value 'lf-tk': no such category"),
    ("empty code", HEADER + ROW1 + ROW2.replace("T-002", ""), 3,
     "column 'code' value '': required"),
    ("blank code", HEADER + ROW1.replace("T-001", "   "), 2, "column 'code' value '': required"),
    ("bad code", HEADER + ROW1.replace("T-001", "T 001"), 2,
     "column 'code' value 'T 001': must be"),
    ("empty name", HEADER + ROW1 + ROW2.replace("Kelud Robotik", ""), 3,
     "column 'name' value '': required"),
    ("duplicate code in the file", HEADER + ROW1 + ROW2 + ROW1.replace("Merapi", "Lain"), 4,
     "column 'code' value 'T-001': already used on line 2"),
    ("too few columns", HEADER + ROW1 + "T-002,Kelud,SMPN 3,lf-sd,SD,Rizky\n", 3,
     "row 'T-002,Kelud,SMPN 3,lf-sd,SD,Rizky': expected 7 columns"),
    ("too many columns", HEADER + ROW1.replace("0812", "0812,extra"), 2,
     "row 'T-001,Merapi Tim,SMPN 1 Blitar,lf-smp,SMP,Sari Santoso; B...': expected 7 columns "
     "(code,name,institution,category,level,members,contact), found 8"),
    ("name too long", HEADER + ROW1.replace("Merapi Tim", "x" * 121), 2,
     "column 'name' value 'xxxxx"),
    ("bad row after a multi-line cell", HEADER + 'T-009,"Tim\nDua",i,lf-smp,SMP,m,c\n'
     + ROW2.replace("lf-sd", "??"), 4, "column 'category' value '??'"),
    ("bad multi-line row names its first line", HEADER + ROW1 + 'T-009,"Tim\nDua",i,nope,SMP,m,c\n',
     3, "column 'category' value 'nope'"),
    ("a cell over the CSV field limit", HEADER + ROW1 + "T-002," + "x" * 200_000 + ",a,lf-sd,SD,m,c\n",
     # the csv module's field limit is process-wide (a library may raise it), so either the
     # CSV reader refuses the cell or the column's own length rule does: both name line 3
     3, ("not a valid CSV row", "column 'name' value 'xxxxxxxx")),
]


@pytest.mark.parametrize("text,line,part", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_row_rejects_the_whole_file(db, tmp_path, snapshot, text, line, part):
    path = write(tmp_path, text)
    before = snapshot()
    with pytest.raises(LoadError) as info:
        do_import(db, path)
    message = info.value.message
    assert message.startswith(f"{path}:{line}: "), message
    assert any(p in message for p in ((part,) if isinstance(part, str) else part)), message
    assert "\n" not in message
    assert snapshot() == before  # not even the good rows before it


@pytest.mark.parametrize("header", [
    "code,name,institution,category,level,members\n",
    "kode,nama,sekolah,kategori,jenjang,anggota,kontak\n",
    "name,code,institution,category,level,members,contact\n",
    "",
])
def test_wrong_header(db, tmp_path, snapshot, header):
    path = write(tmp_path, header + ROW1)
    before = snapshot()
    with pytest.raises(LoadError) as info:
        do_import(db, path)
    assert info.value.message.startswith(
        f"{path}:1: header must be exactly code,name,institution,category,level,members,contact")
    assert snapshot() == before


def test_not_utf8_names_the_line(db, tmp_path, snapshot):
    text = (HEADER + ROW1 + ROW2.replace("Kelud", "K\xe9lud")).encode("latin-1")
    path = write(tmp_path, text)
    before = snapshot()
    with pytest.raises(LoadError) as info:
        do_import(db, path)
    assert info.value.message.startswith(f"{path}:3: not UTF-8 text"), info.value.message
    assert "\\xe9" in info.value.message
    assert snapshot() == before


def test_missing_file(db, tmp_path):
    path = tmp_path / "tidak-ada.csv"
    with pytest.raises(LoadError) as info:
        do_import(db, path)
    assert info.value.message == f"{path}: cannot read the file (No such file or directory)"


def test_failed_reimport_keeps_the_previous_values(db, tmp_path, snapshot):
    do_import(db, write(tmp_path, HEADER + ROW1 + ROW2))
    before = snapshot()
    changed = ROW1.replace("Merapi Tim", "Tidak Boleh Tersimpan")
    with pytest.raises(LoadError):
        do_import(db, write(tmp_path, HEADER + changed + ROW2.replace("lf-sd", "xx")))
    assert snapshot() == before
    assert teams(db)["T-001"][1] == "Merapi Tim"
