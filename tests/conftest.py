import os
import sys

import pytest

# Headless plots everywhere, in-process and in kernels started by the tests.
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    """No test leaves pyplot figures open for the next one."""
    yield
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
