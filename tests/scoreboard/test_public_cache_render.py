"""scoreboard/web/caching.py: one request at a time renders a kept page again.

The fast path in front of a stand-in for the app whose render waits until the test lets it
finish, so what the other requests get meanwhile is seen exactly: the kept page when it is
only older than TTL_S, the new one (after waiting for it) when its category has changed."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from scoreboard.web import caching
from scoreboard.web.caching import Entry, FastPath, PublicCache

KEY = ("/kategori/c?", "id")


def _entry(body: bytes, version: int, age_s: float = 0.0) -> Entry:
    return Entry(body, "text/html", body.decode(), datetime.now(UTC).replace(microsecond=0),
                 version, time.monotonic() - age_s, "c",
                 headers=[("Content-Type", "text/html"), ("Content-Length", str(len(body)))])


class SlowApp:
    """Renders `body` once let go, and keeps it as the app's after_request would."""

    def __init__(self, cache: PublicCache, body: bytes, fail: bool = False,
                 status: str = "200 OK") -> None:
        self.cache, self.body, self.fail, self.status = cache, body, fail, status
        self.calls = 0
        self.started = threading.Event()
        self.go = threading.Event()

    def __call__(self, environ: dict, start_response) -> list[bytes]:
        self.calls += 1
        self.started.set()
        assert self.go.wait(10)
        if self.fail:
            raise RuntimeError("the render failed")
        if self.status == "200 OK":  # as the app keeps only a 200
            self.cache.put(KEY, _entry(self.body, self.cache.version("c")))
        start_response(self.status, [("Content-Type", "text/html")])
        return [self.body]


class Counted(threading.Event):
    """The render's event, counting the requests that wait on it."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting = 0

    def wait(self, timeout: float | None = None) -> bool:
        self.waiting += 1
        return super().wait(timeout)


def _get(path: FastPath) -> bytes:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/kategori/c", "QUERY_STRING": ""}
    return b"".join(path(environ, lambda status, headers: None))


def _in_thread(path: FastPath, out: list) -> threading.Thread:
    def run() -> None:
        try:
            out.append(_get(path))
        except Exception as exc:  # noqa: BLE001 (seen by the test)
            out.append(exc)
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_an_old_page_is_rendered_by_one_request_while_the_others_get_the_kept_one():
    cache = PublicCache()
    cache.put(KEY, _entry(b"old", version=0, age_s=caching.TTL_S + 0.5))
    app = SlowApp(cache, b"new")
    path = FastPath(cache, app)
    rendered: list = []
    renderer = _in_thread(path, rendered)
    assert app.started.wait(10)
    assert [_get(path) for _ in range(5)] == [b"old"] * 5  # answered at once, not rendered
    app.go.set()
    renderer.join(10)
    assert rendered == [b"new"] and app.calls == 1
    assert _get(path) == b"new" and app.calls == 1
    assert cache.rendering == {}


def test_after_a_change_the_others_wait_for_the_one_render_never_get_the_page_before_it():
    cache = PublicCache()
    cache.put(KEY, _entry(b"before", version=0))
    cache.changed("run", {"category": "c"})  # a result published: the kept page is outdated
    app = SlowApp(cache, b"after")
    path = FastPath(cache, app)
    rendered: list = []
    renderer = _in_thread(path, rendered)
    assert app.started.wait(10)
    cache.rendering[KEY] = counted = Counted()  # what the renderer's done() will set
    waiting: list = []
    waiters = [_in_thread(path, waiting) for _ in range(4)]
    _until(lambda: counted.waiting == 4)
    assert waiting == []  # all four wait: none answered from before the change
    app.go.set()
    for thread in [renderer, *waiters]:
        thread.join(10)
    assert rendered == [b"after"] and waiting == [b"after"] * 4
    assert app.calls == 1


def test_a_failed_render_lets_the_waiting_requests_go_on_to_the_app():
    cache = PublicCache()
    cache.put(KEY, _entry(b"before", version=0))
    cache.changed("run", {"category": "c"})
    app = SlowApp(cache, b"after", fail=True)
    path = FastPath(cache, app)
    first: list = []
    renderer = _in_thread(path, first)
    assert app.started.wait(10)
    cache.rendering[KEY] = counted = Counted()
    waiting: list = []
    waiter = _in_thread(path, waiting)
    _until(lambda: counted.waiting == 1)  # it waits on the render, not renders itself
    app.go.set()
    renderer.join(10)
    waiter.join(10)
    assert isinstance(first[0], RuntimeError) and isinstance(waiting[0], RuntimeError)
    assert app.calls == 2 and cache.rendering == {}  # the waiter tried for itself
    assert KEY not in cache.entries  # the outdated page went with the failed render


def test_a_kept_page_too_old_is_not_answered_while_another_request_renders():
    """A change made by another process is known here only by a page's age: past KEPT_S
    the others wait for the render rather than get a page that old."""
    cache = PublicCache()
    cache.put(KEY, _entry(b"older", version=0, age_s=caching.KEPT_S + 1))
    app = SlowApp(cache, b"new")
    path = FastPath(cache, app)
    rendered: list = []
    renderer = _in_thread(path, rendered)
    assert app.started.wait(10)
    cache.rendering[KEY] = counted = Counted()
    waiting: list = []
    waiter = _in_thread(path, waiting)
    _until(lambda: counted.waiting == 1)
    assert waiting == []
    app.go.set()
    renderer.join(10)
    waiter.join(10)
    assert rendered == waiting == [b"new"] and app.calls == 1


def test_a_page_that_is_gone_is_not_answered_from_the_kept_one():
    """The render answers 404 now (the category was withdrawn elsewhere): the kept page goes,
    and the next request reaches the app instead of getting it."""
    cache = PublicCache()
    cache.put(KEY, _entry(b"old", version=0, age_s=caching.TTL_S + 0.5))
    app = SlowApp(cache, b"not found", status="404 NOT FOUND")
    app.go.set()
    path = FastPath(cache, app)
    assert _get(path) == b"not found"
    assert KEY not in cache.entries and cache.rendering == {}
    assert _get(path) == b"not found" and app.calls == 2


def _until(condition) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_page_not_kept_yet_is_never_waited_for():
    """Only a page the cache already holds is rendered by one request at a time: anything
    else (a page never asked for, a path that is not cached at all) goes straight on."""
    cache = PublicCache()
    app = SlowApp(cache, b"first")
    path = FastPath(cache, app)
    got: list = []
    threads = [_in_thread(path, got) for _ in range(3)]
    _until(lambda: app.calls == 3)  # all three are in the app at once
    app.go.set()
    for thread in threads:
        thread.join(10)
    assert got == [b"first"] * 3 and cache.rendering == {}
