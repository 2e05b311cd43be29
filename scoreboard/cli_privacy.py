"""`kejurda privacy purge --after DAYS` (docs/privacy.md)."""

from __future__ import annotations

from pathlib import Path

import click

from scoreboard import config as cfg


@click.group()
def privacy() -> None:
    """Personal data of the participants."""


@privacy.command("purge")
@click.option("--after", "after_days", required=True, type=click.IntRange(0, None),
              help="Only when the event's last record is at least this many days old.")
@click.option("--uploads", "upload_dir", default=None, type=click.Path(file_okay=False),
              help="Folder of uploaded files (default: env KEJURDA_UPLOAD_DIR, else "
                   "instance/uploads).")
@click.option("--db", "db_url", default=None, metavar="URL",
              help="Database URL (default: env KEJURDA_DATABASE_URL, else instance/kejurda.db).")
def purge(after_days: int, upload_dir: str | None, db_url: str | None) -> None:
    """Delete contacts (phones, coaches' names) and uploaded files after the event."""
    from scoreboard.db import Database
    from scoreboard.services.privacy import purge as purge_data

    folder = Path(upload_dir) if upload_dir else cfg.upload_dir()
    db = Database(cfg.database_url(db_url))
    try:
        with db.transaction() as session:
            done = purge_data(session, folder, after_days, "cli")
    finally:
        db.dispose()
    click.echo(f"privacy purge: {done.contacts} contacts and {done.uploads} uploaded files "
               "deleted")


def register(cli: click.Group) -> None:
    cli.add_command(privacy)
