"""`kejurda schedule ...` (CONTRACT §1): generate the championship's schedule."""

from __future__ import annotations

import click

SHOWN = 20  # impossible slots listed on the terminal; the admin page lists them all


def register(cli: click.Group, db_option, database) -> None:
    """Add the `schedule` group to the `kejurda` command."""

    @cli.group()
    def schedule() -> None:
        """The championship's schedule (event file [schedule])."""

    @schedule.command("generate")
    @click.option("--time-limit", "time_limit", default=None, type=click.FloatRange(1, 3600),
                  help="Seconds the solver may take (default 40).")
    @click.option("--reason", default=None, help="Why (kept with the version).")
    @click.option("--now", "now", default=None, type=click.DateTime(["%Y-%m-%dT%H:%M"]),
                  help="Plan as if it were this local time (rehearsals); default: the clock.")
    @db_option
    def generate(time_limit: float | None, reason: str | None, now, db_url: str | None) -> None:
        """Place and time every known slot, keeping what already happened."""
        from scoreboard.services import schedule as service

        db = database(db_url)
        with db.transaction() as session:
            version = service.generate(session, "cli", now=now, time_limit_s=time_limit,
                                       reason=reason)
            report = version.report
            impossible = list(report["impossible"].items())
            for key, why in impossible[:SHOWN]:
                click.echo(f"impossible: {key}: {why}", err=True)
            if len(impossible) > SHOWN:
                click.echo(f"impossible: ... and {len(impossible) - SHOWN} more (see the "
                           "admin's schedule page)", err=True)
            click.echo(f"schedule version {version.id}: {report['placed']} slots placed, "
                       f"{report['kept']} kept, {len(report['impossible'])} impossible "
                       f"({report['seconds']} s, length {report['ratio']} x lower bound)")
