"""Use cases: each validates, calls judging, commits in one transaction, then publishes."""
