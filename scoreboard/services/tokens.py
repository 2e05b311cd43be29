"""Tokens after they are made: listing, revoking, and what a bound agent token may report.

A token is created in `accounts.create_token`; its secret is never stored, so a token is
named by its `name` from then on. Revoking is a fact with who and when (an audit record
plus `revoked_at`); the row stays, so `token list` still shows what existed.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from scoreboard.errors import NotFound
from scoreboard.models import ApiToken
from scoreboard.models.base import utcnow
from scoreboard.services.audit import audit

log = logging.getLogger(__name__)


def _when(at: datetime | None) -> str:
    # stored as UTC; SQLite gives it back without its zone
    return at.strftime("%Y-%m-%dT%H:%M:%SZ") if at else "-"


def token_line(row: ApiToken) -> str:
    """One `token list` line: name, role, sources, created, revoked (tab-separated)."""
    if row.role != "agent":
        sources = "-"
    elif row.sources:
        sources = ",".join(row.sources)
    else:
        sources = "(unbound)"
    state = f"revoked {_when(row.revoked_at)}" if row.revoked else "active"
    return "\t".join((row.name, row.role, sources, _when(row.created_at), state))


def list_tokens(session: Session) -> list[ApiToken]:
    """Every token ever made, oldest first."""
    return list(session.scalars(select(ApiToken).order_by(ApiToken.created_at, ApiToken.id)))


def unbound_agent_tokens(session: Session) -> list[str]:
    """Names of live agent tokens bound to no device: they may report for any source."""
    rows = session.scalars(select(ApiToken).where(
        ApiToken.role == "agent", ApiToken.revoked.is_(False)).order_by(ApiToken.name))
    return list(dict.fromkeys(row.name for row in rows if not row.sources))


def revoke_tokens(session: Session, name: str, actor: str) -> tuple[int, int]:
    """Revoke every live token called `name`; returns (revoked now, revoked before).

    Names are not unique (a token may be made again under the same name), so all live
    tokens of that name go. An unknown name raises NotFound.
    """
    rows = list(session.scalars(select(ApiToken).where(ApiToken.name == (name or "").strip())))
    if not rows:
        raise NotFound(f"name: no token called {name!r} (see: kejurda token list)")
    live = [row for row in rows if not row.revoked]
    now = utcnow()
    for row in live:
        row.revoked = True
        row.revoked_at = now
        audit(session, actor, "revoke", "token", row.id, old={"revoked": False},
              new={"revoked": True, "name": row.name, "role": row.role})
    session.flush()
    return len(live), len(rows) - len(live)


def revoked_among(session: Session, token_ids: Iterable[int]) -> set[int]:
    """Which of `token_ids` are revoked now (or gone): one query, however many."""
    wanted = set(token_ids)
    if not wanted:
        return set()
    live = set(session.scalars(select(ApiToken.id).where(
        ApiToken.id.in_(sorted(wanted)), ApiToken.revoked.is_(False))))
    return wanted - live


# built once: it runs before every edge an agent sends (services/runs.py says why)
_REVOKED = select(ApiToken.revoked).where(ApiToken.id == bindparam("token_id"))


def is_revoked(session: Session, token_id: int) -> bool:
    """Whether one token is revoked now (or gone): the check made on every agent event."""
    return session.connection().scalar(_REVOKED, {"token_id": token_id}) is not False


def foreign_source(payload: Any, allowed: Collection[str] | None) -> dict[str, Any] | None:
    """The refusal ack for an edge whose `source` its agent token is not bound to, or None.

    `allowed` None is an unbound token (every source passes). An edge without a usable
    `source` passes too: the edge parser refuses it with its own reason.
    """
    if allowed is None or not isinstance(payload, dict):
        return None
    source = payload.get("source")
    if not isinstance(source, str) or source in allowed:
        return None
    return {"ok": False,
            "error": f"source: {source!r} is not one of this agent token's devices "
                     f"({', '.join(sorted(allowed))}); not stored "
                     "(perangkat tidak terikat pada token ini)"}
