"""Every mutating route and socket event × every role, generated from the app itself.

Routes come from `app.url_map`; who may call one comes from the `required_roles` that
`require()` (API) and `role_required()` (pages) put on the view. A new route is tested
the moment it exists: if it writes and declares no roles, it must be listed in PUBLIC
below on purpose, or this test fails. Socket namespaces likewise must be declared in
SOCKETS. Expected: anonymous → 401 (API) or a redirect to /login (pages); a role not
allowed → 403; an allowed role → neither (the dummy ids then give 400/404/422).
Admins may do everything (both decorators let them through).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.scoreboard import people as support
from tests.scoreboard.people import Person, csrf_of

people = support.people  # the fixture
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Writes open to anyone by design: signing in and out, a team's own registration pages.
PUBLIC = {"auth.login", "auth.logout", "registration.register", "registration.team",
          "registration.proof", "fairplay.team_protest"}
USERS = {"admin": "admin1", "head_judge": "ketua", "judge": "juri1", "timekeeper": "waktu1",
         "inspector": "pemeriksa1"}
TOKENS = ("admin", "timekeeper", "judge", "agent")
# Socket namespaces and the token roles that may connect; "*" = anyone, read-only.
SOCKETS = {"/timing": {"agent"}, "/live": "*"}


def _url(rule) -> str:
    values = {}
    for name, conv in rule._converters.items():
        values[name] = 999999 if type(conv).__name__ == "IntegerConverter" else "tidak-ada"
    return rule.build(values)[1]


def _guarded(app) -> list[tuple[str, str, str, tuple[str, ...] | None]]:
    """(method, url, endpoint, roles) for every route that writes or declares roles."""
    out = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        roles = getattr(view, "required_roles", None)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method in WRITES or roles is not None:
                out.append((method, _url(rule), rule.endpoint, roles))
    return out


def _call(client, method: str, url: str, csrf: str | None, token: str | None = None):
    headers = {"X-CSRFToken": csrf} if csrf else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if url.startswith("/api/"):
        return client.open(url, method=method, json={}, headers=headers)
    data = {"csrf_token": csrf} if csrf and method in WRITES else None
    return client.open(url, method=method, data=data, headers=headers)


def _verdict(resp, api: bool) -> str:
    if resp.status_code >= 500:
        return "error"
    if api:
        return {401: "401", 403: "403"}.get(resp.status_code, "allowed")
    if resp.status_code == 403:
        return "403"
    if resp.status_code in (301, 302, 303) and \
            resp.headers.get("Location", "").startswith("/login"):
        return "login"
    return "allowed"


def _expected(roles: tuple[str, ...], caller_role: str | None, api: bool, token: bool) -> str:
    if caller_role is None or (token and not api):
        return "401" if api else "login"
    return "allowed" if caller_role == "admin" or caller_role in roles else "403"


def test_every_guarded_route_times_every_role(app, people: dict[str, Person], tokens):
    routes = _guarded(app)
    undeclared = [(m, u, e) for m, u, e, roles in routes if roles is None and e not in PUBLIC]
    assert undeclared == [], "a route writes without required_roles: declare its roles or " \
                             "add it to PUBLIC on purpose"
    anonymous = app.test_client()
    anon_csrf = csrf_of(anonymous)
    callers: list[tuple[str, Any, str | None, str | None, bool]] = [
        ("anonymous", anonymous, None, anon_csrf, False)]
    callers += [(f"user:{role}", people[name].client, role, people[name].csrf, False)
                for role, name in USERS.items()]
    for role in TOKENS:  # a page session with a CSRF token but nobody signed in
        client = app.test_client()
        callers.append((f"token:{role}", client, role, csrf_of(client), True))
    wrong, crashed = [], []
    checked = 0
    for method, url, _endpoint, roles in routes:
        if roles is None:
            continue
        api = url.startswith("/api/")
        for label, client, role, csrf, is_token in callers:
            want = _expected(roles, role, api, is_token)
            checked += 1
            try:
                resp = _call(client, method, url, csrf, tokens[role] if is_token else None)
            except Exception as exc:  # TESTING propagates what would be a 500 in production
                crashed.append((method, url, label, repr(exc)))
                continue
            got = _verdict(resp, api)
            if got != want:
                wrong.append((method, url, label, want, got, resp.status_code))
    assert wrong == [], '\n'.join(map(str, wrong))
    assert crashed == [], "server errors on unknown ids:\n" + "\n".join(map(str, crashed))
    assert checked >= 40 * len(callers) // 2  # the table really was walked


def test_public_writes_need_no_account_and_logout_signs_out(app, people):
    anonymous = app.test_client()
    csrf = csrf_of(anonymous)
    for method, url, endpoint, _roles in _guarded(app):
        if endpoint in PUBLIC and endpoint != "auth.logout":
            resp = _call(anonymous, method, url, csrf)
            assert resp.status_code < 500 and resp.status_code not in (401, 403), (url, resp)
    judge = people["juri1"]
    assert judge.form("/logout", {}).status_code == 302
    assert judge.get("/juri").status_code == 302


def test_a_write_without_csrf_from_a_signed_in_user_does_nothing(app, people, snapshot):
    before = snapshot()
    for method, url, endpoint, _roles in _guarded(app):
        if method not in WRITES or endpoint in PUBLIC:
            continue
        resp = people["admin1"].client.open(url, method=method, json={} if "/api/" in url
                                            else None)
        assert resp.status_code in (400, 403), (url, resp.status_code)
    assert snapshot() == before


def _sio(app, namespace: str, auth: Any = None, client: Any = None):
    return app.extensions["socketio"].test_client(app, namespace=namespace, auth=auth,
                                                  flask_test_client=client)


def test_every_socket_namespace_and_event_times_every_role(app, people, tokens, snapshot):
    namespaces = set(app.extensions["socketio"].server.namespace_handlers)
    assert namespaces == set(SOCKETS), "declare the roles of every Socket.IO namespace here"
    before = snapshot()
    for namespace, allowed in SOCKETS.items():
        handler = app.extensions["socketio"].server.namespace_handlers[namespace]
        events = sorted(n[3:] for n in dir(handler) if n.startswith("on_")
                        and n not in ("on_connect", "on_disconnect"))
        attempts = [(f"token:{r}", {"token": tokens[r]}, None) for r in TOKENS]
        attempts += [(f"user:{r}", None, people[n].client) for r, n in USERS.items()]
        attempts += [("anonymous", None, None), ("bad token", {"token": "kj_nope"}, None)]
        for label, auth, client in attempts:
            sio = _sio(app, namespace, auth, client)
            role = label.split(":", 1)[1] if label.startswith("token:") else None
            should = allowed == "*" or role in allowed
            assert sio.is_connected(namespace) == should, (namespace, label)
            if not should:
                continue
            for event in [*events, "gate_event", "score", "set_screen"]:
                if allowed == "*":
                    ack = sio.emit(event, {"source": "x"}, namespace=namespace, callback=True)
                    assert event == "sync" or not ack, (namespace, event, ack)
                else:
                    ack = sio.emit(event, {"bad": True}, namespace=namespace, callback=True)
                    # the agent may call every handler; malformed data must store nothing
                    assert ack is None or isinstance(ack, dict | list), (event, ack)
            sio.disconnect(namespace=namespace)
    # nothing a refused or read-only client sent, nor a malformed agent event, was stored
    after = snapshot()
    assert {k: v for k, v in after.items() if k != "audit_record"} == \
        {k: v for k, v in before.items() if k != "audit_record"}


@pytest.fixture
def tokens(app):
    from scoreboard.services.accounts import create_token

    with app.extensions["kejurda_db"].transaction() as session:
        return {role: create_token(session, role, f"matrix-{role}") for role in TOKENS}
