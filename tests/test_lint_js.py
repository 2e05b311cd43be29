"""The page scripts pass eslint (eslint.config.js), and they reach the server through the
two shared modules only: kj-api.js (fetch + CSRF + refusals in words) and kj-live.js (the
/live connection), so no page hand-rolls either again."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scoreboard" / "static" / "js"
ESLINT = ROOT / "node_modules" / "eslint" / "bin" / "eslint.js"
SHARED = {"kj-api.js": re.compile(r"\bfetch\("), "kj-live.js": re.compile(r"\bio\(")}


def test_page_scripts_pass_eslint():
    if not ESLINT.exists() or shutil.which("node") is None:
        if os.environ.get("CI"):
            pytest.fail("eslint is missing in CI: the README's test command runs npm install")
        pytest.skip("eslint not installed (npm install)")
    proc = subprocess.run(["node", str(ESLINT), "--max-warnings", "0", "scoreboard/static/js"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr



def test_only_the_shared_modules_fetch_or_open_the_live_socket():
    offenders = []
    for script in sorted(SCRIPTS.glob("*.js")):
        text = script.read_text(encoding="utf-8")
        for owner, pattern in SHARED.items():
            if script.name != owner and pattern.search(text):
                offenders.append((script.name, pattern.pattern))
    assert offenders == []
