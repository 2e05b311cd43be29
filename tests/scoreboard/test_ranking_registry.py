"""Every format's ranker is in one table: importing the results service alone ranks them all,
and a category of an unknown format is refused, never ranked as a timed one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, update
from sqlalchemy.orm import Session

from scoreboard.errors import Invalid
from scoreboard.models import Category
from scoreboard.services.ranking import RANKERS, category_ranking

ROOT = Path(__file__).resolve().parents[2]
# run in a fresh interpreter: this test process has imported the whole app already
ONLY_RESULTS = """
import json, sys
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from scoreboard.services.results import category_results

with Session(create_engine(sys.argv[1])) as session:
    rows = {slug: [[r["rank"], r["team"], r["status"]]
                   for r in category_results(session, slug)["rows"]]
            for slug in ("lf-smp", "sumo-sma", "kreatif-sd")}
app_loaded = sorted(m for m in sys.modules
                    if m in ("scoreboard.app", "scoreboard.api", "scoreboard.web"))
print(json.dumps({"rows": rows, "app_loaded": app_loaded}))
"""


@pytest.fixture
def database_url(_templates, tmp_path: Path) -> str:
    """A copy of the loaded test database (tests/data/event.toml and teams.csv)."""
    path = tmp_path / "kejurda.db"
    shutil.copyfile(_templates[True], path)
    return f"sqlite:///{path}"


def test_the_results_service_alone_ranks_every_format(database_url):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", ONLY_RESULTS, database_url], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["app_loaded"] == []
    rows = out["rows"]
    # timed: nobody has run yet
    assert rows["lf-smp"] == [[None, f"LF-SMP-00{n}", "not_started"] for n in range(1, 5)]
    # match: no draw yet, so the match ranker lists the teams as not drawn
    assert rows["sumo-sma"] == [[None, "SUMO-001", "not_drawn"]]
    # judged: the rubric ranker, no score sheet yet
    assert rows["kreatif-sd"] == [[None, "KRE-001", "not_scored"]]


def test_one_ranker_per_format_of_the_engine():
    from judging.categories import Format

    assert sorted(RANKERS) == sorted(f.value for f in Format)


def test_an_unknown_format_is_refused(database_url):
    engine = create_engine(database_url)
    with Session(engine) as session:
        session.execute(update(Category).where(Category.slug == "lf-smp")
                        .values(format="relay"))
        session.commit()
        with pytest.raises(Invalid) as info:
            category_ranking(session, "lf-smp")
    assert info.value.message == "format: 'relay' of category 'lf-smp' has no ranking"
    engine.dispose()
