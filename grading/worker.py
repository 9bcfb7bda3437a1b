"""A Dask worker that grades: `dask worker SCHEDULER --preload grading/worker.py --nthreads 1
--name K` on each grading machine (make grade starts its own local ones with the same preload).
The scheduler preloads it too (`dask scheduler --preload grading/worker.py`): it unpickles the
jobs, so it must be able to import the grader's modules; nothing else happens there.

At start-up it puts grading/ and tools/ on the path, hides CUDA (grading runs on the CPU), gives
the worker a sandbox uid of its own (sandbox.SANDBOX_UID - K: RLIMIT_NPROC counts per uid, so a
fork bomb in one worker's sandbox cannot starve another's), refuses to start when no sandbox
can be made here (unless BP2YOLO_UNSANDBOXED=1), and imports what grading needs, once.
"""

from __future__ import annotations

import os
import sys
import zlib
from pathlib import Path


def grading_folder() -> Path:
    """The grader's code: this file's folder, or (dask imports a preload file from a copy in
    its scratch space) BP2YOLO_GRADING, or grading/ in the working directory."""
    for folder in (os.environ.get("BP2YOLO_GRADING"), Path(__file__).resolve().parent,
                   Path.cwd() / "grading"):
        if folder and (Path(folder) / "batch.py").exists():
            return Path(folder).resolve()
    raise RuntimeError("grading worker: no grading/ here: run it from the course's folder, or "
                       "set BP2YOLO_GRADING to its grading/ folder")


HERE = grading_folder()
os.environ["CUDA_VISIBLE_DEVICES"] = ""
# unconditionally: dask puts a preload file's folder on the path while importing it, and takes
# it off again afterwards
sys.path[:0] = [str(HERE), str(HERE.parent / "tools")]

UIDS = 100  # workers on one machine get uids SANDBOX_UID - 0 ... SANDBOX_UID - 99


def sandbox_uid(name: object, base: int) -> int:
    """The sandbox uid of the worker called `name`: base - name for a number (give the workers
    of one machine the names 0, 1, 2, ...), else base minus a hash of the name."""
    text = str(name)
    offset = int(text) if text.isdigit() else zlib.crc32(text.encode())
    return base - offset % UIDS


def dask_setup(worker) -> None:
    from distributed import Scheduler

    if isinstance(worker, Scheduler):
        return
    import sandbox

    sandbox.SANDBOX_UID = sandbox_uid(worker.name, sandbox.SANDBOX_UID)
    why = sandbox.probe()
    if why is not None and os.environ.get("BP2YOLO_UNSANDBOXED") != "1":
        raise RuntimeError(f"grading worker {worker.name}: cannot sandbox submissions: {why}")
    import batch  # noqa: F401 - and through it, at first use: trusted, torch, nbconvert
    import feedback  # noqa: F401
    import trusted  # noqa: F401
