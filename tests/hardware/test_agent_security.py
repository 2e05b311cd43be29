"""``kejurda agent``: the token from env KEJURDA_TOKEN or --token-file (never only the
command line), and --tls-fingerprint's forms and mistakes."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from hardware.cli import main, parse_args
from hardware.tls import parse_fingerprint, show

FP = "95:F8:09:66:9E:86:8D:87:20:28:99:4C:A9:B2:9B:E9:34:5A:25:26:E0:61:4F:D7:68:0B:EA:56:7A:BF:64:5E"
BASE = ["--server", "https://127.0.0.1:9", "--simulate"]


def args_with(argv: list[str], env: dict[str, str] | None = None):
    return parse_args(BASE + argv, environ=env or {})


def test_tokens_by_env_or_file_keep_them_off_the_command_line(tmp_path: Path):
    token_file = tmp_path / "agent.token"
    token_file.write_text("  kj_from-file  \nignored second line\n")
    assert args_with([], {"KEJURDA_TOKEN": "kj_from-env"}).token == "kj_from-env"
    assert args_with(["--token-file", str(token_file)], {"KEJURDA_TOKEN": "kj_env"}).token \
        == "kj_from-file"
    assert args_with(["--token", "kj_flag"], {"KEJURDA_TOKEN": "kj_env"}).token == "kj_flag"


@pytest.mark.parametrize(("argv", "content", "message"), [
    (["--token", "t", "--token-file", "{file}"], "kj_x\n",
     "give --token or --token-file, not both"),
    (["--token-file", "{file}"], "\n\n", "--token-file: {file} is empty"),
    (["--token-file", "{missing}"], None,
     "--token-file: cannot read {missing} (No such file or directory)"),
])
def test_tokens_by_env_or_file_mistakes_are_one_line(tmp_path, capsys, monkeypatch, argv,
                                                     content, message):
    monkeypatch.delenv("KEJURDA_TOKEN", raising=False)
    token_file, missing = tmp_path / "agent.token", tmp_path / "nope.token"
    if content is not None:
        token_file.write_text(content)
    fill = {"file": token_file, "missing": missing}
    code = main(BASE + [a.format(**fill) for a in argv])
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert captured.err == f"kejurda agent: error: {message.format(**fill)}\n"


def test_tokens_by_env_or_file_warn_when_given_on_the_command_line(tmp_path, caplog,
                                                                   monkeypatch):
    monkeypatch.delenv("KEJURDA_TOKEN", raising=False)
    stop = threading.Event()
    stop.set()  # start and stop at once: only what the agent says at start is wanted
    argv = ["--server", "http://127.0.0.1:9", "--serial", str(tmp_path / "no-port"),
            "--data-dir", str(tmp_path / "agent")]
    with caplog.at_level(logging.WARNING, logger="hardware.cli"):
        main(argv + ["--token", "kj_visible"], stop=stop)
        main(argv + ["--token-file", str(_token(tmp_path))], stop=stop)
    warned = [r.getMessage() for r in caplog.records if r.name == "hardware.cli"]
    assert warned == ["the token is on the command line, where ps shows it to every user of "
                      "this computer; prefer --token-file FILE or env KEJURDA_TOKEN"]


def _token(tmp_path: Path) -> Path:
    path = tmp_path / "agent.token"
    path.write_text("kj_hidden\n")
    return path


@pytest.mark.parametrize("written", [
    FP, FP.lower(), FP.replace(":", ""), f"sha256:{FP}", f"SHA256 Fingerprint={FP}",
    f"  {FP.lower().replace(':', '')}\n",
])
def test_agent_tls_fingerprint_accepts_the_printed_forms(written):
    assert show(parse_fingerprint(written)) == FP
    assert args_with(["--tls-fingerprint", written, "--token", "t"]).tls_pin == \
        bytes.fromhex(FP.replace(":", ""))


@pytest.mark.parametrize(("argv", "message"), [
    (["--tls-fingerprint", FP[:-3]],
     f"--tls-fingerprint: expected a SHA-256 fingerprint: 64 hex digits, colons allowed "
     f"(got '{FP[:-3]}')"),
    (["--tls-fingerprint", FP.replace("5E", "ZZ")],
     "--tls-fingerprint: expected a SHA-256 fingerprint: 64 hex digits, colons allowed "
     f"(got '{FP.replace('5E', 'ZZ')}')"),
])
def test_agent_tls_fingerprint_mistakes_are_one_line(capsys, argv, message):
    code = main(BASE + ["--token", "t"] + argv)
    captured = capsys.readouterr()
    assert (code, captured.err) == (2, f"kejurda agent: error: {message}\n")


def test_agent_tls_fingerprint_needs_an_https_server(capsys):
    code = main(["--server", "http://127.0.0.1:9", "--simulate", "--token", "t",
                 "--tls-fingerprint", FP])
    assert (code, capsys.readouterr().err) == (
        2, "kejurda agent: error: --tls-fingerprint pins an https:// server; --server is "
           "'http://127.0.0.1:9'\n")
