"""Helpers for tests that need people: accounts per role, signed-in clients, judged teams.

Real accounts (argon2), real sign-in through /login with its CSRF token, then the API with
the X-CSRFToken header, exactly as the judge's tablet calls it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import pytest

PASSWORD = "rahasia-juri-123"
CATEGORY = "kreatif-sd"
TEAMS = ("KRE-001", "KRE-002", "KRE-003", "KRE-004")
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


@functools.cache
def cheap_hash() -> str:
    """An argon2 hash of PASSWORD with light parameters: verifying it reads them from the
    hash itself, so sign-in stays real but fast."""
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


def add_user(app: Any, role: str, name: str, categories: tuple[str, ...] = ()) -> int:
    from sqlalchemy import select

    from scoreboard.models import Category, JudgeAssignment, User

    with app.extensions["kejurda_db"].transaction() as session:
        user = User(name=name, role=role, password_hash=cheap_hash())
        session.add(user)
        session.flush()
        for slug in categories:
            cid = session.scalar(select(Category.id).where(Category.slug == slug))
            session.add(JudgeAssignment(user_id=user.id, category_id=cid))
        session.flush()
        return user.id


def add_judged_teams(app: Any) -> None:
    """KRE-002..004 join KRE-001 in kreatif-sd, so a judge has four teams to score."""
    from sqlalchemy import select

    from scoreboard.models import Category, Team

    with app.extensions["kejurda_db"].transaction() as session:
        cid = session.scalar(select(Category.id).where(Category.slug == CATEGORY))
        for n, code in enumerate(TEAMS[1:], start=2):
            session.add(Team(code=code, name=f"Kreasi {n}", institution="SDN Uji",
                             category_id=cid, level="SD", members=["Anak"], contact=""))


@dataclass
class Person:
    """A signed-in browser-like client: its CSRF token goes with every API write."""

    client: Any
    name: str
    csrf: str

    def post(self, path: str, body: Any = None, csrf: str | None = None):
        return self.client.post(path, json=body, headers={"X-CSRFToken": csrf or self.csrf})

    def get(self, path: str):
        return self.client.get(path, headers={"X-CSRFToken": self.csrf})

    def form(self, path: str, data: dict, csrf: str | None = None):
        return self.client.post(path, data={"csrf_token": csrf or self.csrf, **data})


def csrf_of(client: Any, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return CSRF.search(page).group(1)


def sign_in(app: Any, name: str, password: str = PASSWORD) -> Person:
    client = app.test_client()
    token = csrf_of(client)
    resp = client.post("/login", data={"csrf_token": token, "name": name, "password": password})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return Person(client, name, csrf_of(client))


@pytest.fixture
def people(app: Any) -> dict[str, Person]:
    """Signed-in people: two judges of kreatif-sd, one judge of nothing, a head judge,
    an admin and a timekeeper; kreatif-sd has four teams."""
    add_judged_teams(app)
    add_user(app, "judge", "juri1", (CATEGORY,))
    add_user(app, "judge", "juri2", (CATEGORY,))
    add_user(app, "judge", "juri3")
    add_user(app, "head_judge", "ketua")
    add_user(app, "admin", "admin1")
    add_user(app, "timekeeper", "waktu1")
    add_user(app, "inspector", "pemeriksa1")
    return {n: sign_in(app, n) for n in ("juri1", "juri2", "juri3", "ketua", "admin1",
                                          "waktu1", "pemeriksa1")}


def sheet(team: str, key: str, base: int = 0, **scores: int) -> dict[str, Any]:
    return {"team": team, "scores": scores or {"inovasi": 80, "teknis": 70, "presentasi": 90},
            "idempotency_key": key, "base_version": base}
