"""The firmware's pure modules on CPython: the same checks MicroPython runs."""

import json
from pathlib import Path

import pytest

from tests.firmware import mpy_checks

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "krt1-frames.json").read_text()
)


@pytest.mark.parametrize("name", mpy_checks.CHECKS)
def test_firmware_check_on_cpython(name):
    getattr(mpy_checks, name)(VECTORS)
