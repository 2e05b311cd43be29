"""Every `KEJURDA_*` setting is read in one place per package and listed in
docs/configuration.md (scoreboard/config.py for the server, hardware/settings.py for the
agent, which may not import the scoreboard)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READERS = {"scoreboard/config.py", "hardware/settings.py"}
NAME = re.compile(r"\bKEJURDA_[A-Z0-9_]+\b")
# an environment read of a KEJURDA_ variable: os.environ.get("KEJURDA_X"),
# os.environ["KEJURDA_X"], os.getenv("KEJURDA_X"), env.get("KEJURDA_X") on a copy of it
READ = re.compile(r"""(?:environ|getenv|\benv)\s*(?:\.get\s*\(|\[|\()\s*["']KEJURDA_""")


def _code() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
            for package in ("scoreboard", "hardware", "firmware")
            for p in (ROOT / package).rglob("*.py")}


def test_settings_are_read_only_by_the_two_readers():
    elsewhere = sorted(f"{path}:{n}" for path, text in _code().items() if path not in READERS
                       for n, line in enumerate(text.splitlines(), 1) if READ.search(line))
    assert elsewhere == []


def test_the_check_sees_a_read():
    for line in ('x = os.environ.get("KEJURDA_X")', "os.environ['KEJURDA_X']",
                 'os.getenv("KEJURDA_X", "1")', 'env.get("KEJURDA_X")'):
        assert READ.search(line), line
    assert not READ.search('app.config["KEJURDA_X"]')


def test_every_setting_in_the_code_is_documented_and_every_documented_one_exists():
    used = {name for text in _code().values() for name in NAME.findall(text)}
    documented = set(NAME.findall((ROOT / "docs" / "configuration.md").read_text("utf-8")))
    assert sorted(used - documented) == []
    assert sorted(documented - used) == []


def test_the_readers_read_every_setting_they_document():
    readers = "".join((ROOT / path).read_text("utf-8") for path in sorted(READERS))
    documented = set(NAME.findall((ROOT / "docs" / "configuration.md").read_text("utf-8")))
    assert sorted(documented - set(NAME.findall(readers))) == []
