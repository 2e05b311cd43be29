"""One way to write the audit trail: `audit(...)` with an action of the vocabulary."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scoreboard.models import AuditRecord
from scoreboard.services.audit import ACTIONS, audit

ROOT = Path(__file__).resolve().parents[2]


def test_only_the_audit_helper_builds_audit_records():
    built = re.compile(r"(?<!class )AuditRecord\(")
    builders = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "scoreboard").rglob("*.py")
                      if built.search(p.read_text(encoding="utf-8")))
    assert builders == ["scoreboard/services/audit.py"]


def test_every_literal_action_in_the_code_is_in_the_vocabulary():
    calls = re.compile(r'audit\(\s*session,\s*[^,]+,\s*"([a-z_:]+)",\s*"([a-z_]+)"')
    used = {m.groups() for p in (ROOT / "scoreboard").rglob("*.py")
            for m in calls.finditer(p.read_text(encoding="utf-8"))}
    assert len(used) >= 8  # the others pass the action through a variable
    assert sorted((action, entity) for action, entity in used
                  if action not in ACTIONS[entity]) == []


def test_a_record_carries_who_what_and_why(db):
    with db.transaction() as session:
        audit(session, "desk", "abort", "run", 7, old={"status": "running"},
              new={"status": "dnf"}, reason="robot mogok")
    with db.transaction() as session:
        row = session.query(AuditRecord).one()
        assert (row.actor, row.action, row.entity, row.entity_id, row.old, row.new,
                row.reason) == ("desk", "abort", "run", "7", {"status": "running"},
                                {"status": "dnf"}, "robot mogok")
        assert row.at is not None


def test_an_action_outside_the_vocabulary_is_a_programming_mistake(db):
    with db.transaction() as session, pytest.raises(ValueError) as info:
        audit(session, "desk", "erase", "run", 7)
    assert str(info.value) == "audit: 'erase' on 'run' is not in the vocabulary"
