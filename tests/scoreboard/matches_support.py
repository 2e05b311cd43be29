"""Match categories for the match tests, added straight to the test event's database.

The categories are written as rows (as `kejurda event load` stores them) so that every
bracket type and match kind of docs/engine.md can be tested, whatever the event file
loader accepts today.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

PASSWORD = "rahasia-wasit-123"
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')

# slug -> (options, team codes); every team from its own school unless listed in SCHOOLS
CATEGORIES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "ko-8": ({"match": "score", "bracket": "single_elimination"},
             [f"KO-{n}" for n in range(1, 9)]),
    "sumo-4": ({"match": "sumo", "bracket": "single_elimination", "third_place": True},
               [f"SM-{n}" for n in range(1, 5)]),
    "bola-rr": ({"match": "soccer", "bracket": "round_robin"},
                [f"BL-{n}" for n in range(1, 5)]),
    "grup-8": ({"match": "score", "bracket": "groups_knockout", "groups": 2},
               [f"GR-{n}" for n in range(1, 9)]),
    "swiss-5": ({"match": "score", "bracket": "swiss", "swiss_rounds": 2},
                [f"SW-{n}" for n in range(1, 6)]),
    "de-4": ({"match": "score", "bracket": "double_elimination"},
             [f"DE-{n}" for n in range(1, 5)]),
    "seri-2": ({"match": "score", "bracket": "single_elimination", "best_of": 3},
               ["SR-1", "SR-2"]),
}


def add_match_categories(app: Any) -> None:
    add_match_categories_to(app.extensions["kejurda_db"])


def add_match_categories_to(database: Any) -> None:
    """The categories and their teams, into a `scoreboard.db.Database` (an app's or a venue's)."""
    from scoreboard.models import Category, Event, Team

    with database.transaction() as session:
        event = session.scalar(select(Event))
        for slug, (options, codes) in CATEGORIES.items():
            category = Category(event_id=event.id, slug=slug, name=f"Kategori {slug}",
                                format="match", options=options)
            session.add(category)
            session.flush()
            for code in codes:
                session.add(Team(code=code, name=f"Tim {code}", institution=f"Sekolah {code}",
                                 category_id=category.id, level="SMA", members=["A"]))


class Person:
    """A signed-in browser: its CSRF token goes with every API write."""

    def __init__(self, client: Any, csrf: str):
        self.client, self.csrf = client, csrf

    def post(self, path: str, body: Any = None):
        return self.client.post(path, json=body, headers={"X-CSRFToken": self.csrf})

    def put(self, path: str, body: Any = None):
        return self.client.put(path, json=body, headers={"X-CSRFToken": self.csrf})


def sign_in(app: Any, role: str, name: str) -> Person:
    from scoreboard.services.accounts import create_user

    with app.extensions["kejurda_db"].transaction() as session:
        create_user(session, role, name, PASSWORD)
    client = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    resp = client.post("/login", data={"csrf_token": token, "name": name, "password": PASSWORD})
    assert resp.status_code == 302
    return Person(client, CSRF.search(client.get("/login").get_data(as_text=True)).group(1))
