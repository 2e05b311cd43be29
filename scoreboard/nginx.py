"""The nginx configuration in front of `kejurda serve --workers N` (docs/deployment.md).

Sticky sessions with the open-source nginx (which has no `sticky` directive): the first
response a browser gets names the worker that served it in a cookie (`kejurda_w`), set by
nginx itself from `$upstream_addr`; every later request with that cookie goes to the same
worker, so a Socket.IO session (and its long-polling fallback) stays where it began. Each
worker's group has the other workers as backups: when a worker dies, its browsers reach
another at once (their Socket.IO client reconnects there and resyncs from its snapshot),
and the cookie follows them to the worker that answered.
"""

from __future__ import annotations

import os
import resource

COOKIE = "kejurda_w"


CACHE_DIR = "/var/cache/nginx/kejurda"


def site(listen: str, backends: list[str], server_name: str = "_",
         cache_dir: str = CACHE_DIR) -> str:
    """The `http {}`-level part: upstreams, maps, the public-page cache and the server
    block."""
    lines = [f"# kejurda: {len(backends)} workers behind one address (kejurda nginx-config)",
             "upstream kejurda {"]
    lines += [f"    server {b} max_fails=1 fail_timeout=2s;" for b in backends]
    lines += ["}"]
    for i, own in enumerate(backends):
        lines += [f"upstream kejurda_w{i} {{", f"    server {own} max_fails=1 fail_timeout=2s;"]
        lines += [f"    server {b} backup;" for b in backends if b != own]
        lines += ["}"]
    lines += [f"map $cookie_{COOKIE} $kejurda_upstream {{", "    default kejurda;"]
    lines += [f"    w{i} kejurda_w{i};" for i in range(len(backends))]
    lines += ["}",
              "# the worker that answered (the last one tried) becomes the browser's worker",
              "map $upstream_addr $kejurda_sticky {", '    default "";']
    lines += [f'    "~(^|, ){_regex(b)}$" "{COOKIE}=w{i}; Path=/; HttpOnly; SameSite=Lax";'
              for i, b in enumerate(backends)]
    lines += ["}",
              "map $http_upgrade $kejurda_connection {",
              "    default upgrade;",
              "    '' '';",
              "}",
              *_cache_zone(cache_dir),
              "server {",
              f"    listen {listen};",
              f"    server_name {server_name};",
              "    client_max_body_size 20m;",
              # Socket.IO never goes near the cache: its lock would hold every WebSocket
              # of a hall reconnecting at once (one URI) up to 2 s behind the first
              "    location /socket.io/ {",
              *_proxy(),
              "    }",
              "    location / {",
              *_proxy(),
              *_cache_use(),
              "    }",
              "}"]
    return "\n".join(lines) + "\n"


def _proxy() -> list[str]:
    """To the browser's worker (or any), WebSockets included."""
    return ["        proxy_pass http://$kejurda_upstream;",
            "        proxy_http_version 1.1;",
            "        proxy_set_header Upgrade $http_upgrade;",
            "        proxy_set_header Connection $kejurda_connection;",
            "        proxy_set_header Host $http_host;",
            "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
            "        proxy_set_header X-Forwarded-Proto $scheme;",
            "        # a screen's WebSocket is quiet between runs; Socket.IO pings every 25 s",
            "        proxy_read_timeout 1h;",
            "        proxy_send_timeout 1h;",
            "        proxy_connect_timeout 2s;",
            "        proxy_next_upstream error timeout http_502 http_503;",
            "        add_header Set-Cookie $kejurda_sticky always;"]


def _cache_zone(cache_dir: str) -> list[str]:
    """The public pages' cache and the page language its entries are kept by."""
    return [f"proxy_cache_path {cache_dir} levels=1:2 keys_zone=kejurda_public:10m",
            "                 max_size=256m inactive=10m use_temp_path=off;",
            "map $cookie_lang $kejurda_lang {",
            "    default id;",
            "    en en;",
            "}"]


def _cache_use() -> list[str]:
    """Public pages and reads (what the app answers with `Cache-Control: public,
    max-age=1`: web/caching.py) are answered from nginx's cache for that second, so one
    request per page per second reaches a worker however many phones reload it. Nothing
    else is kept (no `proxy_cache_valid`: an answer without such a header is never
    cached); signed-in people and tokens always reach a worker."""
    return ["        proxy_cache kejurda_public;",
            '        proxy_cache_key "$scheme$host$request_uri $kejurda_lang";',
            "        proxy_ignore_headers Vary;  # the key names the language instead",
            "        proxy_cache_methods GET HEAD;",
            "        proxy_cache_lock on;",
            "        proxy_cache_lock_timeout 2s;",
            "        proxy_cache_use_stale updating;",
            "        proxy_cache_background_update on;",
            "        proxy_cache_revalidate on;",
            "        proxy_cache_bypass $cookie_session $cookie_remember_token $http_authorization;",
            "        proxy_no_cache $cookie_session $cookie_remember_token $http_authorization;",
            "        add_header X-Cache $upstream_cache_status always;"]


def _regex(backend: str) -> str:
    return backend.replace(".", r"\.").replace("[", r"\[").replace("]", r"\]")


def standalone(listen: str, backends: list[str], run_dir: str) -> str:
    """A whole nginx.conf that runs as an ordinary user in the foreground, with every
    path of its own under `run_dir` (how the tests and benchmarks start nginx)."""
    # each proxied viewer holds two descriptors in one nginx worker: spread the viewers over
    # the workers (reuseport) and ask for no more descriptors than this user may have. One
    # worker per core, as Debian's nginx.conf has it (`auto`), but at least two, so that
    # 10,000 viewers fit under a limit of 20,000 descriptors per process; more workers than
    # cores only take turns on them (docs/performance.md, "nginx: one worker per core")
    workers = max(2, os.cpu_count() or 1)
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    nofile = 65536 if hard == resource.RLIM_INFINITY else min(65536, hard)
    body = site(f"{listen} reuseport", backends, cache_dir=f"{run_dir}/cache").replace(
        "\n", "\n    ").rstrip()
    # started by root (a test machine), nginx would run its workers as `nobody`, who may
    # not write the cache under `run_dir` (a private temp folder): keep the starting user
    user = ["user root;"] if os.geteuid() == 0 else []
    return "\n".join([
        *user,
        "daemon off;",
        f"worker_processes {workers};",
        f"worker_rlimit_nofile {nofile};",
        f"pid {run_dir}/nginx.pid;",
        f"error_log {run_dir}/error.log warn;",
        "events { worker_connections 32768; }",
        "http {",
        "    access_log off;",
        f"    client_body_temp_path {run_dir}/body;",
        f"    proxy_temp_path {run_dir}/proxy;",
        f"    fastcgi_temp_path {run_dir}/fastcgi;",
        f"    uwsgi_temp_path {run_dir}/uwsgi;",
        f"    scgi_temp_path {run_dir}/scgi;",
        f"    {body}",
        "}",
        ""])
