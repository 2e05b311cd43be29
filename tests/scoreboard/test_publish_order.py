"""Two changes in one category close together: the ranking the screens keep is the newest.

Each change publishes the ranking it read. If the one read first were sent last, every
screen would keep an older table until the next change (services/publish.py
`read_then_publish`). The race is forced here: the first announcer is held between its
read and its publish while the second change commits and announces."""

from __future__ import annotations

import threading

from scoreboard.services import publish, runs
from scoreboard.services.ranking import category_ranking


def entry(ranking: dict, team: str) -> dict:
    return next(e for e in ranking["entries"] if e["team"] == team)


def test_the_last_ranking_sent_is_read_after_the_last_change(app, db, monkeypatch):
    with app.app_context():
        run = runs.arm_run(db.session, "lf-sd", "LF-SD-001", actor="desk")
        run_id = run.id
        db.remove()

    first_read, second_sent = threading.Event(), threading.Event()
    sent: list[tuple[str, dict]] = []
    real = runs.category_ranking

    def slow_first_read(session, slug):
        ranking = real(session, slug)
        if threading.current_thread().name == "first":
            first_read.set()
            second_sent.wait(1.0)  # without the ordering, the second one is sent meanwhile
        return ranking

    def collect(event, data):
        if event == "ranking" and data["category"] == "lf-sd":
            sent.append((threading.current_thread().name, data))
            if threading.current_thread().name == "second":
                second_sent.set()

    monkeypatch.setattr(runs, "category_ranking", slow_first_read)
    publish.connect(collect, app)

    def first():  # announces the armed run (reads: armed)
        with app.app_context():
            runs.announce(db.session, [db.session.get(runs.Run, run_id)])
            db.remove()

    def second():  # the timekeeper aborts it meanwhile (reads: dnf)
        first_read.wait(10)
        with app.app_context():
            runs.abort_run(db.session, run_id, actor="desk", reason="robot mogok")
            db.remove()

    threads = [threading.Thread(target=first, name="first"),
               threading.Thread(target=second, name="second")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)

    assert [name for name, _ in sent] == ["first", "second"]
    assert entry(sent[0][1], "LF-SD-001")["status"] == "armed"
    with app.app_context():
        now = category_ranking(db.session, "lf-sd")
        db.remove()
    assert entry(now, "LF-SD-001")["status"] == "dnf"
    assert sent[-1][1] == now  # what the screens keep is what the database says
