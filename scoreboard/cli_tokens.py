"""`kejurda token list` and `kejurda token revoke NAME` (CONTRACT §1).

Registered on the `token` group by scoreboard/cli.py, which passes its `--db` option
and database opener so every command reads the database the same way.
"""

from __future__ import annotations

from collections.abc import Callable

import click


def register_token_commands(group: click.Group, db_option: Callable,
                            database: Callable) -> None:
    """Add `list` and `revoke` to the `token` command group."""

    @group.command("list")
    @db_option
    def token_list(db_url: str | None) -> None:
        """One line per token: name, role, sources, created, revoked (tab-separated)."""
        from scoreboard.services.tokens import list_tokens, token_line

        with database(db_url).transaction() as session:
            for row in list_tokens(session):
                click.echo(token_line(row))

    @group.command("revoke")
    @click.argument("name")
    @db_option
    def token_revoke(name: str, db_url: str | None) -> None:
        """Revoke the token(s) called NAME: refused at once, open connections closed."""
        from scoreboard.services.tokens import revoke_tokens

        with database(db_url).transaction() as session:
            now, _before = revoke_tokens(session, name, "cli")
        if now:
            click.echo(f"token {name!r} revoked" + (f" ({now} tokens)" if now > 1 else "")
                       + "; servers close its connections within a second")
        else:
            click.echo(f"token {name!r} was already revoked")
