"""`kejurda backup`, `kejurda restore` and `kejurda archive` (CONTRACT §1; docs/data-safety.md)."""

from __future__ import annotations

from pathlib import Path

import click

from scoreboard import config as cfg
from scoreboard.db import Database
from scoreboard.services import archive as service
from scoreboard.services import backup_duty
from scoreboard.services.backup import write_backup
from scoreboard.services.restore import restore_backup

db_option = click.option("--db", "db_url", default=None, metavar="URL",
                         help="Database URL (default: env KEJURDA_DATABASE_URL, else instance/kejurda.db).")
uploads_option = click.option(
    "--uploads", "upload_dir", default=None, type=click.Path(file_okay=False),
    help="Folder of uploaded files (default: env KEJURDA_UPLOAD_DIR, else instance/uploads).")


@click.command()
@click.option("--to", "folder", default=None, type=click.Path(file_okay=False),
              help="Folder for the backup (default: env KEJURDA_BACKUP_DIR, else instance/backups).")
@uploads_option
@db_option
def backup(folder: str | None, upload_dir: str | None, db_url: str | None) -> None:
    """Write one verified backup file; its path is the last line printed."""
    target = Path(folder) if folder else backup_duty.backup_folder()
    if not folder and not backup_duty.setting(None, "KEJURDA_BACKUP_DIR"):
        target.mkdir(parents=True, exist_ok=True)
    db = Database(cfg.database_url(db_url))
    try:
        info = write_backup(db.engine, target, Path(upload_dir) if upload_dir
                            else backup_duty.upload_folder())
    finally:
        db.dispose()
    click.echo(f"backup verified: {sum(info.counts.values())} rows, {info.size} bytes", err=True)
    click.echo(str(info.path.resolve()))


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace a database that already holds a championship.")
@uploads_option
@db_option
def restore(file: str, force: bool, upload_dir: str | None, db_url: str | None) -> None:
    """Restore the backup FILE into the database given by --db."""
    result = restore_backup(Path(file), cfg.database_url(db_url), force=force,
                            upload_dir=Path(upload_dir) if upload_dir
                            else backup_duty.upload_folder())
    click.echo(f"restored {result.rows} rows and {result.uploads} uploaded files "
               f"from {Path(file).name} (taken {result.backup.created_at.isoformat()})")


@click.group()
def archive() -> None:
    """The whole championship as one file, between machines and versions."""


@archive.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--event", "event_file", default=None, type=click.Path(dir_okay=False, exists=True),
              help="The event file (TOML) to carry along.")
@uploads_option
@db_option
def archive_export(file: str, event_file: str | None, upload_dir: str | None,
                   db_url: str | None) -> None:
    """Write the championship (every table, uploads, event file) to FILE."""
    db = Database(cfg.database_url(db_url))
    try:
        counts = service.export_archive(
            db.engine, Path(file), Path(upload_dir) if upload_dir else backup_duty.upload_folder(),
            Path(event_file) if event_file else None)
    finally:
        db.dispose()
    click.echo(f"archive written: {sum(counts.values())} rows in {len(counts)} tables", err=True)
    click.echo(str(Path(file).resolve()))


@archive.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--settings-only", is_flag=True,
              help="Only the event, tracks, categories, screens and accounts (next year's event).")
@click.option("--force", is_flag=True, help="Replace a database that already holds a championship.")
@click.option("--event-out", default=None, type=click.Path(dir_okay=False),
              help="Write the archived event file here.")
@uploads_option
@db_option
def archive_import(file: str, settings_only: bool, force: bool, event_out: str | None,
                   upload_dir: str | None, db_url: str | None) -> None:
    """Load the championship archived in FILE into --db."""
    result = service.import_archive(
        Path(file), cfg.database_url(db_url), settings_only=settings_only, force=force,
        upload_dir=None if settings_only else (Path(upload_dir) if upload_dir
                                               else backup_duty.upload_folder()),
        event_out=Path(event_out) if event_out else None)
    click.echo(f"imported {sum(result.values())} rows"
               + (" (settings only)" if settings_only else ""))


# run by name from scoreboard/cli.py, which loads this module only for these commands
COMMANDS = {"backup": backup, "restore": restore, "archive": archive}
