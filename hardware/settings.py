"""The agent's `KEJURDA_*` environment variables, read here and nowhere else in hardware/.

The scoreboard's are read in scoreboard/config.py (hardware/ never imports the
scoreboard); both sets are listed in docs/configuration.md, and tests/test_configuration.py
fails on a setting read elsewhere or left undocumented.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def agent_dir(environ: Mapping[str, str] | None = None) -> Path | None:
    """`KEJURDA_AGENT_DIR`: the agent's outbox folder, None when unset."""
    env = os.environ if environ is None else environ
    value = env.get("KEJURDA_AGENT_DIR")
    return Path(value) if value else None


def token(environ: Mapping[str, str] | None = None) -> str | None:
    """`KEJURDA_TOKEN`: the agent token when `--token` is not given, None when unset."""
    env = os.environ if environ is None else environ
    return env.get("KEJURDA_TOKEN") or None
