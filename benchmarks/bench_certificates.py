"""Bulk certificates: 3,000 participants (1,000 teams of 3) into one PDF (goal < 60 s).

Run: python benchmarks/bench_certificates.py [--teams 1000]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pypdf import PdfReader  # noqa: E402

from scoreboard.app import create_app  # noqa: E402
from scoreboard.models import Category, Event, Team  # noqa: E402
from scoreboard.services import certificates  # noqa: E402

GOAL_S = 60.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teams", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/c.db", "SECRET_KEY": "bench"})
        db = app.extensions["kejurda_db"]
        with db.transaction() as session:
            event = Event(slug="e", name="Kejurda Robotik Kabupaten Blitar 2026", language="id")
            session.add(event)
            session.flush()
            for c in range(5):
                cat = Category(event_id=event.id, slug=f"k{c}", name=f"Kategori {c}",
                               format="timed", attempts=1, options={})
                session.add(cat)
                session.flush()
                for i in range(args.teams // 5):
                    session.add(Team(code=f"K{c}-{i:04d}", name=f"Tim Robotik {c}-{i}",
                                     institution=f"SMP Negeri {i % 40 + 1} Blitar",
                                     category_id=cat.id, level="SMP", contact="",
                                     members=[f"Peserta {c}-{i}-{m}" for m in range(3)]))
        with app.test_request_context(base_url="http://192.168.1.10:5000"):
            t0 = time.perf_counter()
            people = certificates.participants(db.session, "bench")
            t1 = time.perf_counter()
            pdf = certificates.render(people, "Kejurda Robotik Kabupaten Blitar 2026",
                                      lambda s: f"http://192.168.1.10:5000/verifikasi/{s}")
            t2 = time.perf_counter()
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        db.dispose()
    print(f"participants: {len(people)}  pages: {pages}  size: {len(pdf) / 1e6:.1f} MB")
    print(f"collect: {t1 - t0:.2f} s  render: {t2 - t1:.2f} s  total: {t2 - t0:.2f} s "
          f"({(t2 - t1) / len(people) * 1000:.1f} ms/page; goal total < {GOAL_S:.0f} s)")


if __name__ == "__main__":
    main()
