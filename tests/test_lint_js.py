"""The page scripts pass eslint (eslint.config.js), and they reach the server through the
two shared modules only: kj-api.js (fetch + CSRF + refusals in words) and kj-live.js (the
/live connection), so no page hand-rolls either again."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scoreboard" / "static" / "js"
ESLINT = ROOT / "node_modules" / "eslint" / "bin" / "eslint.js"


def test_page_scripts_pass_eslint():
    if not ESLINT.exists() or shutil.which("node") is None:
        if os.environ.get("CI"):
            pytest.fail("eslint is missing in CI: the README's test command runs npm install")
        pytest.skip("eslint not installed (npm install)")
    proc = subprocess.run(["node", str(ESLINT), "--max-warnings", "0", "scoreboard/static/js"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr

