"""Fixtures for end-to-end tests: real server and agent processes (tests/support/venue.py)."""

from tests.support.venue import venue  # noqa: F401  (the fixture)
