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
from tests.support.waiting import wait_until

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


class Rendering:
    """A cache holding `kept` (or nothing), the fast path in front of a SlowApp, and, once
    started, one request inside the app rendering the page; `wait(n)` sends `n` more that
    are seen waiting on that render before the app is let go."""

    def __init__(self, kept: Entry | None, body: bytes, changed: bool = False,
                 **app: object) -> None:
        self.cache = PublicCache()
        if kept is not None:
            self.cache.put(KEY, kept)
        if changed:  # a result published: the kept page is outdated
            self.cache.changed("run", {"category": "c"})
        self.app = SlowApp(self.cache, body, **app)
        self.path = FastPath(self.cache, self.app)
        self.rendered: list = []
        self.waiting: list = []
        self.threads: list[threading.Thread] = []

    def start(self) -> Rendering:
        self.threads.append(_in_thread(self.path, self.rendered))
        assert self.app.started.wait(10)
        return self

    def wait(self, n: int) -> None:
        self.cache.rendering[KEY] = counted = Counted()  # what the renderer's done() sets
        self.threads += [_in_thread(self.path, self.waiting) for _ in range(n)]
        assert wait_until(lambda: counted.waiting == n), counted.waiting
        assert self.waiting == []  # none answered before the render is done

    def finish(self) -> None:
        self.app.go.set()
        for thread in self.threads:
            thread.join(10)


def test_an_old_page_is_rendered_by_one_request_while_the_others_get_the_kept_one():
    r = Rendering(_entry(b"old", version=0, age_s=caching.TTL_S + 0.5), b"new").start()
    assert [_get(r.path) for _ in range(5)] == [b"old"] * 5  # answered at once, not rendered
    r.finish()
    assert r.rendered == [b"new"] and r.app.calls == 1
    assert _get(r.path) == b"new" and r.app.calls == 1
    assert r.cache.rendering == {}


def test_after_a_change_the_others_wait_for_the_one_render_never_get_the_page_before_it():
    r = Rendering(_entry(b"before", version=0), b"after", changed=True).start()
    r.wait(4)  # none answered from before the change
    r.finish()
    assert r.rendered == [b"after"] and r.waiting == [b"after"] * 4
    assert r.app.calls == 1


def test_a_failed_render_lets_the_waiting_requests_go_on_to_the_app():
    r = Rendering(_entry(b"before", version=0), b"after", changed=True, fail=True).start()
    r.wait(1)  # it waits on the render, not renders itself
    r.finish()
    assert isinstance(r.rendered[0], RuntimeError) and isinstance(r.waiting[0], RuntimeError)
    assert r.app.calls == 2 and r.cache.rendering == {}  # the waiter tried for itself
    assert KEY not in r.cache.entries  # the outdated page went with the failed render


def test_a_kept_page_too_old_is_not_answered_while_another_request_renders():
    """A change made by another process is known here only by a page's age: past KEPT_S
    the others wait for the render rather than get a page that old."""
    r = Rendering(_entry(b"older", version=0, age_s=caching.KEPT_S + 1), b"new").start()
    r.wait(1)
    r.finish()
    assert r.rendered == r.waiting == [b"new"] and r.app.calls == 1


def test_a_page_that_is_gone_is_not_answered_from_the_kept_one():
    """The render answers 404 now (the category was withdrawn elsewhere): the kept page goes,
    and the next request reaches the app instead of getting it."""
    r = Rendering(_entry(b"old", version=0, age_s=caching.TTL_S + 0.5), b"not found",
                  status="404 NOT FOUND")
    r.app.go.set()
    assert _get(r.path) == b"not found"
    assert KEY not in r.cache.entries and r.cache.rendering == {}
    assert _get(r.path) == b"not found" and r.app.calls == 2


def test_a_page_not_kept_yet_is_never_waited_for():
    """Only a page the cache already holds is rendered by one request at a time: anything
    else (a page never asked for, a path that is not cached at all) goes straight on."""
    r = Rendering(None, b"first")
    r.threads = [_in_thread(r.path, r.rendered) for _ in range(3)]
    assert wait_until(lambda: r.app.calls == 3), r.app.calls  # all three in the app at once
    r.finish()
    assert r.rendered == [b"first"] * 3 and r.cache.rendering == {}
