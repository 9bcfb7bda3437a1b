"""A learner's Binder session at its heaviest fits mybinder.org's 2 GB, measured, not guessed.

The heaviest moment: JupyterLab's server; the heaviest lesson's kernel still running (torch,
matplotlib, widgets, every cell run); the learner's assignment open in a second kernel with every
cell run; and Validate running a third copy of it in a fresh kernel, inside the server. The
server with its Validate kernel is measured as one process tree while Validate runs on the
heaviest solution; the two kernels are the peaks of running every lesson and every solution top
to bottom (tests/notebooks.py, shared with test_notebooks.py). HEADROOM_MB is left for what the
Binder image adds and this machine cannot measure (JupyterHub's single-user server, the
resource-usage extension, a terminal).
"""

import os
import shutil
import threading
from pathlib import Path

import pytest
from labserver import Client, serve
from notebooks import LESSONS, ROOT, SOLUTIONS, execute

psutil = pytest.importorskip("psutil")

BINDER_MB = 2048
HEADROOM_MB = 256


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants."""
    root = psutil.Process(pid)
    total = 0
    for process in [root, *root.children(recursive=True)]:
        try:
            total += process.memory_info().rss
        except psutil.Error:  # it ended while we looked
            pass
    return total / 2**20


@pytest.mark.slow
def test_a_heavy_binder_session_fits_in_2_gb(tmp_path):
    lessons = {path.name: execute(path).kernel_max_rss_mb for path in LESSONS}
    solutions = {path.name: execute(path).kernel_max_rss_mb for path in SOLUTIONS}
    lesson, assignment = max(lessons, key=lessons.get), max(solutions, key=solutions.get)

    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           "LAB_WORKSPACE": str(tmp_path / "workspace")}
    (tmp_path / "config").mkdir()
    solved = next(path for path in SOLUTIONS if path.name == assignment)
    with serve(env=env) as lab:
        client = Client(lab.port, lab.token)
        assert client.status("/lab") == 200
        target = Path(env["LAB_WORKSPACE"]) / "assignments" / solved.relative_to(ROOT / "solutions")
        shutil.copy(solved, target.with_name("solved.ipynb"))
        idle = tree_rss_mb(lab.process.pid)

        peak, done = [idle], threading.Event()

        def sample() -> None:
            while not done.wait(0.1):
                peak.append(tree_rss_mb(lab.process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            path = target.with_name("solved.ipynb").relative_to(env["LAB_WORKSPACE"]).as_posix()
            result = client.json("/assignments/validate", {"path": path}, timeout=120)
        finally:
            done.set()
            sampler.join()
        assert result["success"], result["value"]

    server = max(peak)
    total = server + lessons[lesson] + solutions[assignment]
    figures = (f"server idle {idle:.0f} MB, server with Validate on {assignment} {server:.0f} MB, "
               f"{lesson} kernel {lessons[lesson]:.0f} MB, {assignment} kernel "
               f"{solutions[assignment]:.0f} MB: {total:.0f} MB + {HEADROOM_MB} MB headroom")
    print(figures)
    assert server > idle + 100, f"Validate's kernel was not measured: {figures}"
    assert total + HEADROOM_MB <= BINDER_MB, figures
