import os
import sys
from pathlib import Path

import pytest

# The course's tools (the chapter list, the nbgrader region parser) are imported by the tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

# Headless plots everywhere, in-process and in kernels started by the tests.
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    """No test leaves pyplot figures open for the next one."""
    yield
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
