"""The nginx configuration the tests and benchmarks start (`scoreboard.nginx.standalone`)."""

from __future__ import annotations

import os
import re

import pytest

from scoreboard.nginx import standalone


def _workers(conf: str) -> int:
    found = re.findall(r"^worker_processes (\d+);$", conf, re.MULTILINE)
    assert len(found) == 1, conf
    return int(found[0])


@pytest.mark.parametrize(("cores", "workers"), [(1, 2), (2, 2), (4, 4), (16, 16), (None, 2)])
def test_one_nginx_worker_per_core_and_never_fewer_than_two(monkeypatch, tmp_path, cores,
                                                             workers):
    # more workers than cores only take turns on them (docs/performance.md); fewer than two
    # would put 10,000 viewers' 20,000 descriptors in one process
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    conf = standalone("127.0.0.1:8080", ["127.0.0.1:5000", "127.0.0.1:5001"], str(tmp_path))
    assert _workers(conf) == workers
    # each worker its own listening socket, so the kernel spreads the viewers over them
    assert re.search(r"^\s*listen 127\.0\.0\.1:8080 reuseport;$", conf, re.MULTILINE), conf
