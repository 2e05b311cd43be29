"""The `kejurda` command (docs/contract.md §1). Entry points stay thin: parse, call a service, report.

A user's mistake is one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import getpass
import logging
import sys

import click
import sqlalchemy.exc

from scoreboard import config as cfg
from scoreboard.cli_tls import register_tls_commands
from scoreboard.cli_tokens import register_token_commands
from scoreboard.errors import KejurdaError

log = logging.getLogger("kejurda")

db_option = click.option("--db", "db_url", default=None, metavar="URL",
                         help="Database URL (default: env KEJURDA_DATABASE_URL, else instance/kejurda.db).")


def _database(db_url: str | None):
    from scoreboard.db import Database

    return Database(cfg.database_url(db_url))


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"kejurda: error: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """kejurda: competition manager and timing for school robotics championships."""
    # One-shot commands stay quiet (their result is one line); servers log at INFO.
    logging.basicConfig(level=logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("alembic", "werkzeug", "engineio", "socketio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@cli.group()
def event() -> None:
    """The event file (TOML)."""


@event.command("load")
@click.argument("file", type=click.Path(dir_okay=False))
@db_option
def event_load(file: str, db_url: str | None) -> None:
    """Load or update the event described by FILE (idempotent)."""
    from scoreboard.services.event_file import load_event, parse_event_file

    parse_event_file(file)  # a bad file fails before a database is even opened
    db = _database(db_url)
    with db.transaction() as session:
        ev = load_event(session, file)
        click.echo(f"loaded event {ev.slug!r}: {len(ev.tracks)} tracks, "
                   f"{len(ev.categories)} categories")


@cli.group()
def teams() -> None:
    """Teams (CSV)."""


@teams.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@db_option
def teams_import(file: str, db_url: str | None) -> None:
    """Import teams from FILE; re-import updates by code, never duplicates."""
    from scoreboard.services.teams_csv import import_teams

    db = _database(db_url)
    with db.transaction() as session:
        created, updated = import_teams(session, file)
    click.echo(f"teams: {created} created, {updated} updated")


@cli.group()
def token() -> None:
    """API and device tokens."""


@token.command("create")
@click.option("--role", required=True, type=click.Choice(cfg.ROLES_TOKEN))
@click.option("--name", required=True)
@click.option("--source", "sources", multiple=True, metavar="DEVICE",
              help="Agent tokens: a device (source) it may report for; may repeat.")
@db_option
def token_create(role: str, name: str, sources: tuple[str, ...], db_url: str | None) -> None:
    """Print a new token once, alone on the last line."""
    from scoreboard.services.accounts import create_token

    db = _database(db_url)
    with db.transaction() as session:
        secret = create_token(session, role, name, sources)
    click.echo(f"token for {name!r} ({role}); it is shown only once:", err=True)
    click.echo(secret)


register_token_commands(token, db_option, _database)


@cli.group()
def user() -> None:
    """People's accounts."""


@user.command("create")
@click.option("--role", required=True, type=click.Choice(cfg.ROLES_USER))
@click.option("--name", required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--full-name", default=None, help="The full name signed on result sheets.")
@db_option
def user_create(role: str, name: str, password_stdin: bool, db_url: str | None,
                full_name: str | None = None) -> None:
    """Create an account; the password is asked on the terminal."""
    from scoreboard.services.accounts import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password (kata sandi): ")
        if getpass.getpass("Again (ulangi): ") != password:
            _fail("password: the two entries differ")
    db = _database(db_url)
    with db.transaction() as session:
        create_user(session, role, name, password, full_name)
    click.echo(f"user {name!r} ({role}) created")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--event", "event_file", default=None, type=click.Path(dir_okay=False),
              help="Load/update this event file first.")
@click.option("--tls-cert", default=None, metavar="FILE",
              help="Serve HTTPS with this certificate (kejurda tls init makes one).")
@click.option("--tls-key", default=None, metavar="FILE", help="The certificate's private key.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes, on --port, --port+1, ... (behind nginx; needs Redis).")
@db_option
def serve(host: str, port: int, event_file: str | None, tls_cert: str | None,
          tls_key: str | None, workers: int, db_url: str | None) -> None:
    """Run the scoreboard server."""
    from scoreboard.server import run_server

    logging.getLogger().setLevel(logging.INFO)
    if workers > 1:
        from scoreboard.workers import run_workers

        return run_workers(host, port, workers, cfg.database_url(db_url), event_file,
                           tls_cert, tls_key)
    run_server(host, port, cfg.database_url(db_url), event_file=event_file, tls_cert=tls_cert,
               tls_key=tls_key)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--dir", "workdir", default=None, type=click.Path(file_okay=False),
              help="Folder for the demo database and agent (default: a fresh temporary one).")
@click.option("--sim-scale", default=1.0, show_default=True, type=click.FloatRange(0.01, 10))
@db_option
def demo(host: str, port: int, workdir: str | None, sim_scale: float, db_url: str | None) -> None:
    """Load the demo championship and run it with a simulated timing agent."""
    from scoreboard.demo import run_demo

    logging.getLogger().setLevel(logging.INFO)
    run_demo(host, port, workdir, sim_scale, db_url)


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                               "help_option_names": []})
@click.pass_context
def agent(ctx: click.Context) -> None:
    """The timing agent (see `kejurda agent --help`)."""
    # The one place that composes both sides: hardware never imports scoreboard.
    from hardware.cli import main as agent_main

    sys.exit(agent_main(list(ctx.args)))


def _register_privacy() -> None:
    from scoreboard import cli_privacy

    cli_privacy.register(cli)


_register_privacy()
from scoreboard.cli_schedule import register as _register_schedule  # noqa: E402

_register_schedule(cli, db_option, _database)
register_tls_commands(cli, db_option)
from scoreboard.cli_rehearse import register as _register_rehearse  # noqa: E402

_register_rehearse(cli)
from scoreboard.cli_deploy import nginx_config  # noqa: E402 (a command of its own module)

cli.add_command(nginx_config)


DATA_SAFETY = {  # docs/data-safety.md
    "backup": "Write one verified backup file; its path is the last line printed.",
    "restore": "Restore a backup FILE into the database given by --db.",
    "archive": "The whole championship as one file (export FILE / import FILE).",
    "standby": "Follow a primary (--primary URL --token T); `kejurda promote` makes it serve.",
    "promote": "Make the standby running on this machine the server.",
}


def _data_safety(name: str, summary: str) -> None:
    # The command's module (which imports the whole server) loads only when it runs, so
    # every other command, `kejurda agent` above all, starts as fast as before.
    @cli.command(name, help=summary, context_settings={
        "ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []})
    @click.pass_context
    def forward(ctx: click.Context) -> None:
        from scoreboard import cli_backup, cli_standby

        command = {**cli_backup.COMMANDS, **cli_standby.COMMANDS}[name]
        command.main(args=list(ctx.args), prog_name=f"kejurda {name}", standalone_mode=False)


for _name, _summary in DATA_SAFETY.items():
    _data_safety(_name, _summary)


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    try:
        cli.main(args=argv, prog_name="kejurda", standalone_mode=False)
    except click.exceptions.Abort:
        _fail("aborted", 130)
    except click.ClickException as exc:
        _fail(exc.format_message(), exc.exit_code)
    except KejurdaError as exc:
        _fail(exc.message, 1)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.ArgumentError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        _fail(f"database: cannot use it ({reason})", 1)
    except SystemExit:
        raise
    except Exception as exc:  # a bug, but still no traceback on a user's terminal
        if cfg.debug():
            raise
        first = str(exc).splitlines()[0] if str(exc) else ""
        _fail(f"unexpected error: {exc.__class__.__name__}: {first} "
              "(run with KEJURDA_DEBUG=1 for details)", 1)


if __name__ == "__main__":
    main()
