"""Who/when columns follow one rule (docs/internals.md §7): `<act>_by` with `<act>_at`."""

from __future__ import annotations

from scoreboard.models import Base

# tables older than the rule, with the columns that break it
OLDER = {
    "audit_record": {"actor", "at"},
    "match_record": {"actor", "at"},
    "score_sheet": {"entered_by"},
}


def _misnamed(table) -> set[str]:
    names = {c.name for c in table.columns}
    wrong = {n for n in names if n in ("actor", "at", "who", "when", "by")}
    wrong |= {n for n in names if n.endswith("_by") and n[:-3] + "_at" not in names}
    wrong |= {n for n in names if n.endswith("_by_user") or n.endswith("_time")}
    return wrong


def test_every_table_names_who_and_when_after_the_act():
    found = {t.name: _misnamed(t) for t in Base.metadata.sorted_tables}
    assert {name: cols for name, cols in found.items() if cols - OLDER.get(name, set())} == {}


def test_the_rule_catches_a_who_without_its_when():
    from sqlalchemy import Column, DateTime, MetaData, String, Table

    table = Table("example", MetaData(), Column("approved_by", String(80)),
                  Column("created_by", String(80)), Column("created_at", DateTime),
                  Column("actor", String(80)))
    assert _misnamed(table) == {"approved_by", "actor"}
