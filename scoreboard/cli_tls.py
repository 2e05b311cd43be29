"""`kejurda tls init`: the venue's own certificate (CONTRACT §1).

Registered on the top-level group by scoreboard/cli.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from scoreboard.config import instance_dir


def register_tls_commands(cli: click.Group, db_option: Callable) -> None:
    """Add the `tls` command group."""

    @cli.group()
    def tls() -> None:
        """TLS at the venue: certificate for the server, fingerprint for the agents."""

    @tls.command("init")
    @click.option("--dir", "folder", default=None, type=click.Path(file_okay=False),
                  help="Where to write venue.crt and venue.key (default: instance/tls).")
    @click.option("--host", "hosts", multiple=True, metavar="NAME_OR_IP",
                  help="A name or address the server is reached by (e.g. 192.168.1.10); "
                       "localhost and this host's name are always included. May repeat.")
    @click.option("--days", default=825, show_default=True, type=int,
                  help="How long the certificate is valid.")
    @click.option("--force", is_flag=True, help="Replace an existing certificate and key.")
    @db_option
    def tls_init(folder: str | None, hosts: tuple[str, ...], days: int, force: bool,
                 db_url: str | None) -> None:
        """Make a venue certificate and key; print its SHA-256 fingerprint last."""
        from scoreboard.tls import init_venue_tls  # cryptography: loaded only when used

        del db_url  # accepted like every command's; a certificate needs no database
        where = Path(folder) if folder else instance_dir() / "tls"
        cert, key, fp = init_venue_tls(where, list(hosts), days, force)
        click.echo(f"certificate: {cert}\nkey: {key} (readable by its owner only)\n"
                   f"serve: kejurda serve --tls-cert {cert} --tls-key {key}\n"
                   f"agents: kejurda agent --server https://HOST:PORT --tls-fingerprint {fp}"
                   "\nSHA-256 fingerprint:", err=True)
        click.echo(fp)
