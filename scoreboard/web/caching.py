"""Public pages and reads, cached: rendered once per change, revalidated with 304s.

The ranking, bracket, team and results pages and their API reads are what a hall full of
phones (and a Kabupaten's worth of parents) reload. For an anonymous GET of one of them:

- the response is kept in memory, keyed by path, query and language, together with the
  version of its category: every publish of a run, ranking, bracket or match of a category
  bumps that category's version (and "*", the version of pages about every category), so
  the next request renders afresh; a kept response is also re-rendered after `TTL_S`
  (a change that was not published here: another server process, an import on the
  command line);
- one request at a time renders a kept response again (`PublicCache.claim`): while it
  does, the others get the kept one if nothing published here has changed it and it is no
  older than `KEPT_S` (a change another process made is known here only by a page's age),
  or else wait for the new one (a screen told of a change must not be answered from before
  it); a render that keeps nothing (a 404 now, or a failure) takes the kept one with it.
  Without this, every request of the second
  in which a page expired rendered it again, the 150-team page ~0.1-0.4 s each, under 200
  connections at once (docs/performance.md, "One render at a time");
- it carries an ETag (a hash of the body: equal bodies, equal tags, on every process),
  Last-Modified (when that body first appeared) and `Cache-Control: public, max-age=1`,
  and a request with a matching If-None-Match or If-Modified-Since gets 304 and no body.

Signed-in people and requests with a token get the uncached response (it shows their
menus; an admin's token sees drafts). The cached page carries no
CSRF token (public pages post nothing), so it is the same for every visitor.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, current_app, g, request, session
from flask_babel import get_locale
from werkzeug.http import parse_date

from scoreboard.services import publish

TTL_S = 1.0
RENDER_WAIT_S = 5.0  # how long a request waits for another's render before rendering itself
KEPT_S = 2 * TTL_S  # while one request renders a page, how old a kept one may be answered
MAX_ENTRIES = 1024
CACHE_CONTROL = "public, max-age=1"
# endpoint -> the category its content depends on (a view argument), or "*" for all
SCOPES: dict[str, str] = {
    "public.ranking": "slug",
    "public.categories": "*",
    "public.team": "*",
    "brackets.public": "slug",
    "results.index": "*",
    "api.ranking": "slug",
    "api.bracket": "slug",
    "api.standings": "slug",
    "api.categories": "*",
}


@dataclass
class Entry:
    body: bytes
    content_type: str
    etag: str
    modified: datetime
    version: int
    at: float
    scope: str = "*"
    headers: list[tuple[str, str]] | None = None  # the whole answer, for the fast path


class PublicCache:
    """The rendered responses of one app, and the change counters that outdate them."""

    def __init__(self) -> None:
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()
        self.versions: dict[str, int] = {}
        self.lock = threading.Lock()
        self.hits = 0
        self.rendering: dict[tuple, threading.Event] = {}  # key → set when its render ends

    def changed(self, event: str, payload: Any) -> None:
        """A publish: outdate the pages of its category (and the all-categories pages)."""
        category = payload.get("category") if isinstance(payload, dict) else None
        with self.lock:
            if isinstance(category, str):
                self.versions[category] = self.versions.get(category, 0) + 1
            self.versions["*"] = self.versions.get("*", 0) + 1

    def version(self, scope: str) -> int:
        return self.versions.get(scope, 0)

    def get(self, key: tuple, version: int | None = None) -> Entry | None:
        entry = self.entries.get(key)
        if entry is None or time.monotonic() - entry.at > TTL_S or entry.version != (
                self.version(entry.scope) if version is None else version):
            return None
        return entry

    def current(self, entry: Entry) -> bool:
        """Nothing published here has outdated `entry`, and it is younger than KEPT_S: a
        change made by another process is known here only by the age of a page."""
        return (entry.version == self.version(entry.scope)
                and time.monotonic() - entry.at <= KEPT_S)

    def claim(self, key: tuple) -> threading.Event | None:
        """None: the caller renders `key` now and calls `done(key)` after; otherwise the
        event that is set when the request rendering it is done."""
        with self.lock:
            if key in self.rendering:
                return self.rendering[key]
            self.rendering[key] = threading.Event()
            return None

    def done(self, key: tuple, kept: Entry | None = None) -> None:
        """The render of `key` is over. If it kept nothing new (the page is now a 404, or
        the render failed), `kept` goes too: it must not outlive what it showed."""
        with self.lock:
            ended = self.rendering.pop(key, None)
            if kept is not None and self.entries.get(key) is kept:
                del self.entries[key]
        if ended is not None:
            ended.set()

    def put(self, key: tuple, entry: Entry) -> None:
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None and old.etag == entry.etag:
                entry.modified = old.modified  # the same body: not modified since then
            self.entries[key] = entry
            while len(self.entries) > MAX_ENTRIES:
                self.entries.popitem(last=False)


def _cacheable() -> tuple[tuple, int] | None:
    scope_arg = SCOPES.get(request.endpoint or "")
    if (scope_arg is None or request.method not in ("GET", "HEAD") or "_user_id" in session
            or "Authorization" in request.headers):  # a token may see more (an admin: drafts)
        return None
    scope = "*" if scope_arg == "*" else str((request.view_args or {}).get(scope_arg, ""))
    g.kejurda_cache_scope = scope
    key = (request.full_path, str(get_locale() or "id"))
    return key, _cache().version(scope)


def _cache() -> PublicCache:
    return current_app.extensions["kejurda_public_cache"]


def _respond(entry: Entry, conditional: bool = True) -> Response:
    resp = Response(entry.body, content_type=entry.content_type)
    resp.set_etag(entry.etag)
    resp.last_modified = entry.modified
    resp.headers["Cache-Control"] = CACHE_CONTROL
    resp.vary.add("Cookie")  # the language cookie picks the page's language
    resp.vary.add("Authorization")
    return resp.make_conditional(request) if conditional else resp


def init_public_cache(app: Flask) -> PublicCache:
    """Serve the public pages of SCOPES from the cache; outdate it on every publish of
    `app`. Call it before the security headers are added (web/security.py), so the fast
    path's answers carry them as every other answer does."""
    cache = app.extensions["kejurda_public_cache"] = PublicCache()
    # first: a screen told of a change and asking for the page at once must not be
    # answered from before it (the bump is a counter under a lock: no screen waits on it)
    publish.connect(cache.changed, app, first=True)
    app.wsgi_app = FastPath(cache, app.wsgi_app, app.config.get("SESSION_COOKIE_NAME",
                                                                   "session"))

    @app.before_request
    def _from_cache():
        found = _cacheable()
        if found is None:
            return None
        key, version = found
        entry = cache.get(key, version)
        if entry is not None:
            cache.hits += 1
            return _respond(entry)
        g.kejurda_cache_key = (key, version)
        return None

    @app.context_processor
    def _no_csrf_in_shared_pages():
        # the same cached page goes to every visitor: it must not carry one visitor's token
        return {"csrf_token": lambda: ""} if "kejurda_cache_key" in g else {}

    @app.after_request
    def _to_cache(resp: Response) -> Response:
        found = g.pop("kejurda_cache_key", None)
        if found is None or resp.status_code != 200 or resp.direct_passthrough:
            return resp
        key, version = found
        body = resp.get_data()
        entry = Entry(body, resp.content_type, hashlib.sha256(body).hexdigest()[:32],
                      datetime.now(UTC).replace(microsecond=0), version, time.monotonic(),
                      g.pop("kejurda_cache_scope", "*"))
        cache.put(key, entry)  # (Last-Modified carried over when the body is the same)
        # what the fast path answers with, headers and all: the whole answer, even when
        # this request itself gets a 304
        whole = _respond(entry, conditional=False)
        entry.headers = [(k, v) for k, v in whole.headers.items() if k.lower() not in (
            "set-cookie", "date", "content-length")] + [("Content-Length", str(len(body)))]
        return _respond(entry)

    return cache


LANG = re.compile(r"(?:^|;\s*)lang=(id|en)(?:;|$)")


class FastPath:
    """WSGI middleware: an anonymous GET of a page already in the cache, still current, is
    answered here, before Flask, its session and its rate limits are even looked at (a
    Python web request costs a few thousand function calls; this costs a few dozen). A
    request with any session cookie or a token, or anything not in the cache, goes on to
    the app (which caches it, or decides it is not for the cache)."""

    def __init__(self, cache: PublicCache, wsgi: Any, session_cookie: str = "session") -> None:
        self.cache = cache
        self.wsgi = wsgi
        self.session_cookie = session_cookie + "="

    def __call__(self, environ: dict, start_response: Any) -> Any:
        if environ.get("REQUEST_METHOD") != "GET" or "HTTP_AUTHORIZATION" in environ:
            return self.wsgi(environ, start_response)
        cookies = environ.get("HTTP_COOKIE", "")
        if self.session_cookie in cookies:
            return self.wsgi(environ, start_response)
        lang = LANG.search(cookies)
        key = (f"{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}",
               lang.group(1) if lang else "id")
        kept = self.cache.entries.get(key)
        if kept is None or kept.headers is None:  # not (yet) known to be a cached page
            return self.wsgi(environ, start_response)
        entry = self.cache.get(key)
        if entry is not None:
            return self._hit(entry, environ, start_response)
        rendering = self.cache.claim(key)
        if rendering is None:  # this request renders it; the others wait or take `kept`
            try:
                return self.wsgi(environ, start_response)
            finally:
                self.cache.done(key, kept)
        if self.cache.current(kept):  # only old: nothing is known to have changed
            return self._hit(kept, environ, start_response)
        if rendering.wait(RENDER_WAIT_S):
            entry = self.cache.get(key)
            if entry is not None and entry.headers is not None:
                return self._hit(entry, environ, start_response)
        return self.wsgi(environ, start_response)

    def _hit(self, entry: Entry, environ: dict, start_response: Any) -> list[bytes]:
        self.cache.hits += 1
        return self._answer(entry, environ, start_response)

    @staticmethod
    def _answer(entry: Entry, environ: dict, start_response: Any) -> list[bytes]:
        tags = environ.get("HTTP_IF_NONE_MATCH")
        since = environ.get("HTTP_IF_MODIFIED_SINCE")
        fresh = (f'"{entry.etag}"' in tags or tags.strip() == "*") if tags else (
            since is not None and (parse_date(since) or datetime.min.replace(tzinfo=UTC))
            >= entry.modified)
        if fresh:
            start_response("304 NOT MODIFIED", [(k, v) for k, v in entry.headers
                                                 if k.lower() not in ("content-length",
                                                                      "content-type")])
            return []
        start_response("200 OK", entry.headers)
        return [entry.body]
