"""Fixtures for end-to-end tests: real server and agent processes (tests/support/venue.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.venue import make_venue


@pytest.fixture
def venue(tmp_path: Path):
    v = make_venue(tmp_path)
    yield v
    for proc in reversed(v.procs):
        proc.stop()
