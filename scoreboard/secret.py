"""The key that signs sessions, CSRF tokens and certificate serials: one per database.

Every server and worker on one database must sign with the same key, or a login made on
one is refused by the next (and a certificate's serial checks out on one server only).
Env `KEJURDA_SECRET_KEY` wins when set. Otherwise the key lives in the database
(`server_setting`, an installation's own table: never in a backup or on a standby): the
first server to start stores it (the instance folder's `secret_key` file if an older
version left one there, so existing sessions and serials stay valid), and the others read it.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from scoreboard import config as cfg
from scoreboard.db import Database
from scoreboard.models import ServerSetting

NAME = "secret_key"


def shared_secret_key(db: Database) -> str:
    """The database's key, stored on first use; env KEJURDA_SECRET_KEY overrides it."""
    override = cfg.secret_key_override()
    if override:
        return override
    with db.transaction() as session:
        stored = session.scalar(select(ServerSetting.value).where(ServerSetting.name == NAME))
    if stored:
        return stored
    legacy = cfg.instance_dir() / "secret_key"
    key = legacy.read_text().strip() if legacy.exists() else secrets.token_hex(32)
    try:
        with db.transaction() as session:
            session.add(ServerSetting(name=NAME, value=key))
    except IntegrityError:
        pass  # another server stored its key first: that one is the key
    with db.transaction() as session:
        return session.scalar(select(ServerSetting.value).where(ServerSetting.name == NAME))
