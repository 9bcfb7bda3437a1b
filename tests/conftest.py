import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

# The course's tools (the chapter list, the nbgrader region parser) are imported by the tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

# Headless plots everywhere, in-process and in kernels started by the tests.
os.environ.setdefault("MPLBACKEND", "Agg")

# make test runs pytest-xdist workers (gw0, gw1, ...), each test file on one (--dist loadfile).
# Each worker gets its own range of sandbox uids (grading/sandbox.py, grading/worker.py), so a
# test asking "is any sandbox process of mine left?" never sees another worker's sandboxes.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if XDIST_WORKER.startswith("gw"):
    os.environ["BP2YOLO_SANDBOX_UID"] = str(64999 - 100 * int(XDIST_WORKER[2:]))

# Each lesson and solution runs once per session, however many workers ask for it
# (tests/notebooks.py): the controller names the folder they share before it starts them.
if not XDIST_WORKER and "BP2YOLO_EXECUTED" not in os.environ:
    os.environ["BP2YOLO_EXECUTED"] = tempfile.mkdtemp(prefix="bp2yolo-executed-")
    atexit.register(shutil.rmtree, os.environ["BP2YOLO_EXECUTED"], ignore_errors=True)


@pytest.fixture(autouse=True)
def _close_figures():
    """No test leaves pyplot figures open for the next one."""
    yield
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
