"""What a process loads to start: the server's workers, `kejurda serve` and every CLI command
start a fresh interpreter, and the tests start hundreds. OR-Tools (with the pandas it
imports) and openpyxl (with numpy) cost ~0.5 s of that and are needed only to plan a
schedule or write a workbook, so they are imported there (the solver's and the workbooks'
tests use them: test_schedule_solver.py, test_registration_admin.py, test_results_formats.py)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("ortools", "pandas", "openpyxl", "numpy")
PROBE = """
import json, sys
from scoreboard.app import create_app
import scoreboard.cli
app = create_app({"DATABASE_URL": "sqlite:///" + sys.argv[1], "SECRET_KEY": "t"})
with app.test_client() as client:
    assert client.get("/api/v1/categories").status_code == 200
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in sys.argv[2].split())))
"""


def test_an_app_and_its_cli_start_without_the_solver_or_the_workbook_libraries(tmp_path):
    out = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "k.db"), " ".join(HEAVY)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.splitlines()[-1]) == []

