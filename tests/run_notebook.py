"""Execute one notebook headless and report its cost: `python tests/run_notebook.py IN OUT`.

With a third argument `--probe-widgets`, a last cell (PROBE) is added: it moves every slider
and clicks every button of every bp2yolo widget the notebook made, as a learner would after
Run All, so that a widget whose callbacks fail (e.g. because a later cell reassigned a name
they read) fails the run. It prints `widget probe: W widgets, K controls`.

Prints one JSON line: {"seconds": wall time, "kernel_max_rss_mb": the kernel's peak memory,
"error": null or the first error}. The kernel is this process's child, so once it has shut down
its peak resident memory is in RUSAGE_CHILDREN. Runs in a subprocess of the tests so that each
notebook's kernel is measured on its own.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

BUDGET_S = 60
PROBE_FLAG = "--probe-widgets"
PROBE = """\
# added by tests/run_notebook.py: every widget still responds after Run All
def _probe_widgets():
    import ipywidgets as W
    from ipywidgets.widgets.widget import _instances

    found = [w for w in list(_instances.values()) if type(w).__module__ == "bp2yolo.widgets"]
    moved = 0
    for widget in found:
        stack = [widget]
        while stack:
            control = stack.pop()
            if isinstance(control, W.Box):
                stack.extend(control.children)
            elif isinstance(control, W.Button):
                for callback in control._click_handlers.callbacks:  # errors propagate
                    callback(control)
                moved += 1
            elif isinstance(control, (W.FloatSlider, W.IntSlider, W.FloatLogSlider)):
                low, high = control.min, control.max
                if isinstance(control, W.FloatLogSlider):
                    low, high = control.base**low, control.base**high
                start = control.value
                for value in (low, high, start):
                    control.value = value  # the widget's observers run here
                moved += 1
    print(f"widget probe: {len(found)} widgets, {moved} controls")


_probe_widgets()
"""


def main(src: str, dst: str, *flags: str, timeout: int = 2 * BUDGET_S) -> int:
    os.environ.setdefault("MPLBACKEND", "Agg")
    nb = nbformat.read(src, as_version=4)
    if PROBE_FLAG in flags:
        nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(Path(src).parent)}},
    )
    error = None
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as exc:
        error = str(exc)[-3000:]
    except Exception as exc:  # noqa: BLE001 - report any failure (timeout, dead kernel) as data
        error = f"{type(exc).__name__}: {exc}"[-3000:]
    seconds = time.perf_counter() - start
    nbformat.write(nb, dst)
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        json.dumps(
            {"seconds": round(seconds, 2), "kernel_max_rss_mb": round(rss_mb, 1), "error": error}
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
