"""`make grade` killed with SIGKILL at any moment, then run again, loses and doubles nothing.

A small class (two students of 00, one ungradable folder) is graded once from start to end: the
reference. Then, in fresh copies of the course, a run is killed at one of several points (while
the release builds a fresh gradebook, while the first submission runs, after one submission is
recorded, while the grades are exported, and at random moments) and a second run goes to the
end. Its gradebook and grades.csv must equal the reference: every submission graded exactly
once, no stale or partial row, and no process of the killed run left behind.
"""

from __future__ import annotations

import contextlib
import csv
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from submissions import answered, submit
from test_attacks import sandbox_processes
from test_release import sandbox

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:Non-unique cell id")]
ASSIGNMENT, NAME = "00_start_here", "00_exercises.ipynb"
ENV = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
# (what the run has printed last when it is killed, or None: a random moment). make test takes
# the first two; make attack-zoo (BP2YOLO_ZOO=all) all of them.
KILL_POINTS = {
    "while-the-first-submission-runs": "released 07_yolo_loss",
    "while-exporting": "PROBLEM",  # pat's folder is reported just before the export
    "after-one-submission-is-recorded": "graded",
    "during-the-first-release": "",  # nothing printed yet: nbgrader makes the gradebook
    "at-a-random-moment-1": None,
    "at-a-random-moment-2": None,
    "at-a-random-moment-3": None,
}
POINTS = list(KILL_POINTS)[: None if os.environ.get("BP2YOLO_ZOO") == "all" else 2]


def course(tmp: Path) -> Path:
    root = sandbox(tmp)
    solution = nbformat.read(root / "solutions" / ASSIGNMENT / NAME, as_version=4)
    release = nbformat.read(root / "assignments" / ASSIGNMENT / NAME, as_version=4)
    submit(root, "alice", ASSIGNMENT, NAME, answered(release, solution))
    submit(root, "bob", ASSIGNMENT, NAME, release)
    (root / "grading" / "submitted" / "pat").mkdir(parents=True)
    return root


def grade(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(root / "grading" / "course.py"), "grade"],
                          env=ENV, capture_output=True, text=True, check=False)


def gradebook(root: Path, url: str | None = None) -> list[tuple]:
    """Every grade in the gradebook (the course's SQLite one, or the one at `url`): (student,
    assignment, cell, auto, manual, needs manual), then the students."""
    from nbgrader.api import Gradebook

    out = []
    with Gradebook(url or f"sqlite:///{root / 'grading' / 'gradebook.db'}") as gb:
        for assignment in gb.assignments:
            submissions = [s.student.id for s in assignment.submissions]
            assert len(submissions) == len(set(submissions)), submissions  # once each
            for submission in assignment.submissions:
                for nb in submission.notebooks:
                    for g in nb.grades:
                        out.append((submission.student.id, assignment.name, g.name,
                                    g.auto_score, g.manual_score, g.needs_manual_grade))
        students = sorted(s.id for s in gb.students)
    return sorted(out) + [("students", *students)]


def grades(root: Path) -> list[dict]:
    with (root / "grading" / "grades.csv").open(newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    root = course(tmp_path_factory.mktemp("reference"))
    start = time.monotonic()
    proc = grade(root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {"gradebook": gradebook(root), "grades": grades(root),
            "seconds": time.monotonic() - start}


def kill_at(root: Path, after: str | None, seconds: float) -> str:
    """Start a grading run and SIGKILL it once its output has a line starting with `after`
    (at once for ""), or `seconds` after it started (None); return what it had printed."""
    proc = subprocess.Popen([sys.executable, "-u", str(root / "grading" / "course.py"), "grade"],
                            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    printed = []
    try:
        if after is None:
            with pytest.raises(subprocess.TimeoutExpired):
                proc.wait(seconds)
        elif after:
            for line in proc.stdout:
                printed.append(line)
                if line.strip().startswith(after) or after in line.replace(":", " ").split():
                    break
    finally:
        with contextlib.suppress(ProcessLookupError):  # it may have finished: nothing to kill
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    deadline = time.monotonic() + 30  # the sandboxes die with their parent (--die-with-parent)
    while sandbox_processes() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sandbox_processes() == [], "a sandbox outlived the killed run"
    return "".join(printed)


@pytest.mark.parametrize("point", POINTS)
def test_a_killed_run_then_a_rerun_gives_the_reference(reference, tmp_path, point):
    root = course(tmp_path)
    moment = random.Random(point).uniform(0.5, 0.9 * reference["seconds"])
    kill_at(root, KILL_POINTS[point], moment)
    proc = grade(root)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert gradebook(root) == reference["gradebook"]
    assert grades(root) == reference["grades"]
    problems = (root / "grading" / "problems.csv").read_text()
    assert "pat" in problems and "no assignment folder" in problems
