"""Execute one notebook headless and report its cost: `python tests/run_notebook.py IN OUT`.

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


def main(src: str, dst: str, timeout: int = 2 * BUDGET_S) -> int:
    os.environ.setdefault("MPLBACKEND", "Agg")
    nb = nbformat.read(src, as_version=4)
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
    sys.exit(main(*sys.argv[1:3]))
