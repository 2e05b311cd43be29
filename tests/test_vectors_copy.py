"""The repository carries a copy of the shared KRT/1 vectors so a clone tests on its own;
where the shared folder sits beside the clone, the copy must be identical to it."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COPY = ROOT / "tests" / "data" / "krt1-frames.json"
SHARED = ROOT.parent / "shared" / "vectors" / "krt1-frames.json"


def test_the_vectors_copy_equals_the_shared_vectors():
    if not SHARED.exists():
        pytest.skip(f"{SHARED} is not beside this clone; the copy stands alone")
    assert COPY.read_bytes() == SHARED.read_bytes()
