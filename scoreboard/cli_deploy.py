"""`kejurda nginx-config`: the reverse proxy in front of `kejurda serve --workers N`."""

from __future__ import annotations

import click


@click.command("nginx-config")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="As given to `kejurda serve --workers`.")
@click.option("--host", default="127.0.0.1", show_default=True, help="The workers' --host.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535),
              help="The workers' --port (worker i listens on port + i).")
@click.option("--listen", default="80", show_default=True,
              help="What nginx listens on (a port, or address:port).")
@click.option("--server-name", default="_", show_default=True)
def nginx_config(workers: int, host: str, port: int, listen: str, server_name: str) -> None:
    """Print an nginx site for the workers, with sticky sessions (docs/deployment.md)."""
    from scoreboard.nginx import site
    from scoreboard.workers import worker_ports

    shown = f"[{host}]" if ":" in host else host
    click.echo(site(listen, [f"{shown}:{p}" for p in worker_ports(port, workers)], server_name),
               nl=False)
