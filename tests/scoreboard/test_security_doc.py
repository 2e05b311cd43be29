"""docs/security.md: the venue setup in both languages, and every command it shows is one
that `kejurda` accepts as written (a renamed option would otherwise rot in the doc)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click

from hardware.cli import build_parser
from scoreboard.cli import cli

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
SECTIONS = {
    "id": ["### 1. Wi-Fi arena", "### 2. Kata sandi", "### 3. Token perangkat (agen)",
           "### 4. TLS (HTTPS) di arena", "### 5. Daftar periksa sebelum hari lomba"],
    "en": ["### 1. The venue Wi-Fi", "### 2. Passwords", "### 3. Device (agent) tokens",
           "### 4. TLS (HTTPS) at the venue", "### 5. Checklist before the day"],
}


def _commands(text: str) -> list[list[str]]:
    found = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.split(" #", 1)[0].strip()
            if line.startswith("kejurda "):
                found.append(shlex.split(line)[1:])
    return found


def _accepts(argv: list[str]) -> None:
    """Parse `kejurda ARGV` the way the command would, without running it."""
    if argv[0] == "agent":
        build_parser().parse_args(argv[1:])   # the agent's own parser (hardware/cli.py)
        return
    command: click.Command = cli
    ctx = click.Context(cli, info_name="kejurda")
    while isinstance(command, click.Group):
        name, argv = argv[0], argv[1:]
        found = command.get_command(ctx, name)
        assert found is not None, f"no command {name!r}"
        command = found
    command.make_context(name, argv)


def test_docs_security_explains_the_venue_setup_in_indonesian_and_english():
    text = DOC.read_text(encoding="utf-8")
    id_part, en_part = text.split("\n## English\n")
    assert "## Bahasa Indonesia" in id_part
    for heading in SECTIONS["id"]:
        assert heading in id_part, heading
    for heading in SECTIONS["en"]:
        assert heading in en_part, heading
    for part in (id_part, en_part):
        for needed in ("WPA2", "--source", "kejurda token list", "kejurda token revoke",
                       "KEJURDA_TOKEN", "--token-file", "kejurda tls init", "--tls-cert",
                       "--tls-fingerprint"):
            assert needed in part, needed


def test_docs_security_shows_only_commands_kejurda_accepts():
    commands = _commands(DOC.read_text(encoding="utf-8"))
    assert {argv[0] for argv in commands} == {"token", "tls", "serve", "agent"}
    assert len(commands) == 14
    for argv in commands:
        _accepts(argv)
