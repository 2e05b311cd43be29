"""`kejurda token create --source / list / revoke`, `kejurda tls init` and `serve --tls-*`
through the real command (CONTRACT §1): exact output, one error line, files' modes."""

from __future__ import annotations

import re
import socket
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from tests.scoreboard.test_cli import Cli, one_error_line

WHEN = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def test_token_list_shows_name_role_sources_created_and_revoked(cli: Cli):
    cli.ok("token", "create", "--role", "agent", "--name", "pi-a", "--source", "esp32-a",
           "--source", "pi-b")
    made = cli.many([("token", "create", "--role", "agent", "--name", "pi-lama"),
                     ("token", "create", "--role", "timekeeper", "--name", "meja 1")])
    assert [d.returncode for d in made] == [0, 0], [d.stderr for d in made]
    revoked = cli.ok("token", "revoke", "pi-lama")
    assert revoked.stdout == ("token 'pi-lama' revoked; servers close its connections "
                              "within a second\n")
    lines = cli.ok("token", "list").stdout.splitlines()
    assert len(lines) == 3
    rows = {line.split("\t")[0]: line.split("\t") for line in lines}
    assert rows["pi-a"][1:3] == ["agent", "esp32-a,pi-b"]
    assert rows["pi-lama"][1:3] == ["agent", "(unbound)"]
    assert rows["meja 1"][1:3] == ["timekeeper", "-"]
    for row in rows.values():
        assert len(row) == 5 and re.fullmatch(WHEN, row[3]), row
    assert rows["pi-a"][4] == rows["meja 1"][4] == "active"
    assert re.fullmatch(f"revoked {WHEN}", rows["pi-lama"][4]), rows["pi-lama"]
    assert cli.ok("token", "revoke", "pi-lama").stdout == "token 'pi-lama' was already revoked\n"


def test_token_revoke_of_an_unknown_name_is_one_line(cli: Cli):
    line = one_error_line(cli("token", "revoke", "tidak-ada"))
    assert line == "kejurda: error: name: no token called 'tidak-ada' (see: kejurda token list)"


def test_token_create_binds_sources_of_agent_tokens_only(cli: Cli):
    line = one_error_line(cli("token", "create", "--role", "judge", "--name", "j",
                              "--source", "esp32-a"))
    assert line == ("kejurda: error: source: only agent tokens are bound to devices "
                    "(role is 'judge')")
    assert cli.ok("token", "list").stdout == ""


def _fingerprint(path) -> str:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    return ":".join(f"{b:02X}" for b in cert.fingerprint(hashes.SHA256()))


def test_tls_init_makes_owner_only_files_and_prints_the_fingerprint(cli: Cli):
    folder = cli.folder / "tls"
    done = cli.ok("tls", "init", "--dir", str(folder), "--host", "192.168.10.2",
                  "--host", "kejurda.lan")
    cert, key = folder / "venue.crt", folder / "venue.key"
    assert done.stdout == _fingerprint(cert) + "\n"
    assert re.fullmatch(r"([0-9A-F]{2}:){31}[0-9A-F]{2}\n", done.stdout)
    assert f"--tls-fingerprint {done.stdout.strip()}" in done.stderr
    for path in (cert, key):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    loaded = x509.load_pem_x509_certificate(cert.read_bytes())
    names = loaded.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {"localhost", "kejurda.lan", socket.gethostname()} <= set(
        names.get_values_for_type(x509.DNSName))
    assert {"127.0.0.1", "::1", "192.168.10.2"} <= {
        str(ip) for ip in names.get_values_for_type(x509.IPAddress)}
    assert b"PRIVATE KEY" in key.read_bytes()

    # a second run would change the fingerprint every agent pins: only with --force
    again = one_error_line(cli("tls", "init", "--dir", str(folder)))
    assert again == (f"kejurda: error: {cert}: already exists; keep it (agents pin its "
                     "fingerprint) or pass --force to make a new one (sudah ada)")
    assert _fingerprint(cert) == done.stdout.strip()
    cert.chmod(0o644)
    forced = cli.ok("tls", "init", "--dir", str(folder), "--force")
    assert forced.stdout.strip() == _fingerprint(cert) != done.stdout.strip()
    assert stat.S_IMODE(cert.stat().st_mode) == 0o600


def test_serve_tls_files_are_checked_before_anything_starts(cli: Cli):
    folder = cli.folder / "tls"
    cli.ok("tls", "init", "--dir", str(folder))
    other = cli.folder / "other"
    cli.ok("tls", "init", "--dir", str(other))
    cert, key = str(folder / "venue.crt"), str(folder / "venue.key")
    runs = [cli(*argv) for argv in (
        ("serve", "--port", "1", "--tls-cert", cert),
        ("serve", "--port", "1", "--tls-cert", cert, "--tls-key", str(folder / "nope.key")),
        ("serve", "--port", "1", "--tls-cert", cert, "--tls-key", str(other / "venue.key")),
        ("serve", "--port", "1", "--tls-cert", key, "--tls-key", key),
    )]
    lines = [one_error_line(done) for done in runs]
    assert lines[0] == "kejurda: error: --tls-cert and --tls-key: give both (or neither)"
    assert lines[1] == (f"kejurda: error: --tls-key: no such file '{folder / 'nope.key'}' "
                        "(make them with: kejurda tls init)")
    assert lines[2].startswith(f"kejurda: error: --tls-key: cannot use '{other / 'venue.key'}'"
                               f" with '{cert}' (")
    assert lines[3].startswith(f"kejurda: error: --tls-key: cannot use '{key}' with '{key}' (")
    assert all(done.stdout == "" for done in runs)
