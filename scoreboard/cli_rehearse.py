"""`kejurda rehearse`: a whole championship simulated end to end (docs/rehearsal.md)."""

from __future__ import annotations

import click


@click.command()
@click.option("--teams", default=40, show_default=True, type=click.IntRange(10, 5000),
              help="Teams registered, spread over the categories.")
@click.option("--days", default=2, show_default=True, type=click.IntRange(1, 14),
              help="Competition days of the schedule.")
@click.option("--speed", default=50.0, show_default=True, type=click.FloatRange(1, 1000),
              help="Times real speed: 50 plays an 8 s run in 0.16 s.")
@click.option("--faults", is_flag=True,
              help="Kill and restart the server and an agent, drop the Wi-Fi, take a "
                   "tablet offline, corrupt the serial line, reboot the ESP32 between and "
                   "during runs and pull its cable, step a Pi's clock, resend submissions "
                   "(docs/rehearsal.md).")
@click.option("--viewers", default=5, show_default=True, type=click.IntRange(0, 2000),
              help="Phones following /live.")
@click.option("--seed", default=1, show_default=True, type=int,
              help="Seed of the teams, robots, results and scores (same seed, same event).")
@click.option("--dir", "folder", default=None, type=click.Path(file_okay=False),
              help="Keep the database, event file and logs here (default: a temporary "
                   "folder, removed afterwards).")
def rehearse(teams: int, days: int, speed: float, faults: bool, viewers: int, seed: int,
             folder: str | None) -> None:
    """Simulate a whole championship end to end and check its invariants."""
    from scoreboard.rehearsal.driver import Options, run

    # the setup is typed as `kejurda` commands: the root group is this command's parent
    commands = click.get_current_context().find_root().command
    code = run(Options(teams=teams, days=days, speed=speed, faults=faults, viewers=viewers,
                       seed=seed), folder, commands)
    raise SystemExit(code)


def register(cli: click.Group) -> None:
    cli.add_command(rehearse)
