"""Helpers for the registration tests: the event with levels, sizes, capacity and deadlines,
a valid submission, and reading messages back from the page."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest

from tests.scoreboard.people import add_user, csrf_of, sign_in

EVENT = Path(__file__).resolve().parents[1] / "data" / "registration.toml"
GOOD = {"team_name": "Tim Merapi", "institution": "SDN Sananwetan 1", "npsn": "2051 2345",
        "level": "SD", "category": "lf-sd", "robot_name": "Kilat", "coach_name": "Bu Sari",
        "coach_phone": "0812-3456-7890", "members": "Ani\nBudi", "consent": "y",
        "website": ""}
FIELD_ERROR = re.compile(r'<p class="field-error" id="([a-z_]+)-error">([^<]*)</p>')


@pytest.fixture
def reg_app(bare_app, tmp_path):
    """The app with tests/data/registration.toml loaded, uploads in tmp, lax limits."""
    from scoreboard.services.event_file import load_event

    with bare_app.extensions["kejurda_db"].transaction() as session:
        load_event(session, EVENT)
    bare_app.config.update(KEJURDA_UPLOAD_DIR=str(tmp_path / "uploads"),
                           KEJURDA_REGISTRATION_LIMIT="1000 per hour",
                           KEJURDA_REGISTRATION_EDIT_LIMIT="1000 per hour")
    return bare_app


@pytest.fixture
def admin(reg_app):
    add_user(reg_app, "admin", "panitia")
    return sign_in(reg_app, "panitia")


@pytest.fixture
def desk(reg_app):
    add_user(reg_app, "timekeeper", "meja")
    return sign_in(reg_app, "meja")


def field_errors(page: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for field, message in FIELD_ERROR.findall(page):
        found.setdefault(field, []).append(html.unescape(message))
    return found


def register(client: Any, **changes: str):
    """POST /daftar with GOOD plus `changes` and the page's CSRF token."""
    data = {**GOOD, **changes}
    return client.post("/daftar", data={"csrf_token": csrf_of(client, "/daftar"), **data})


def register_ok(app: Any, **changes: str) -> str:
    """Register from a fresh client and insist on success: the private link's path."""
    client = app.test_client()
    resp = register(client, **changes)
    assert resp.status_code == 303, field_errors(resp.get_data(as_text=True))
    return resp.headers["Location"]


def registration(app: Any, **filters: Any):
    from sqlalchemy import select

    from scoreboard.models import Registration

    with app.extensions["kejurda_db"].transaction() as session:
        row = session.scalars(select(Registration).filter_by(**filters)).one()
        session.expunge(row)
        return row


def team_of(app: Any, code: str):
    from sqlalchemy import select

    from scoreboard.models import Team

    with app.extensions["kejurda_db"].transaction() as session:
        row = session.scalar(select(Team).where(Team.code == code))
        if row is not None:
            session.expunge(row)
        return row


def decide(person: Any, reg_id: int, status: str, reason: str = ""):
    return person.form(f"/admin/pendaftaran/{reg_id}/status", {"status": status,
                                                               "reason": reason})
