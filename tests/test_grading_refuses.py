"""`make grade` without a sandbox, and a grading run that changes what it must not.

  - where no sandbox can be made (BP2YOLO_BWRAP stands for a broken bwrap), make grade stops
    before any submission runs and says why, and exports nothing;
  - with the explicit opt-out, BP2YOLO_UNSANDBOXED=1, it grades, warns on stderr and logs it;
  - a submission that, unsandboxed, writes into solutions/ makes the run stop loudly, naming
    the file, before it exports (with the sandbox it cannot: tests/test_attacks.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from submissions import answered, submit
from test_grading import grades_csv
from test_release import sandbox

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:Non-unique cell id")]
ASSIGNMENT, NAME = "00_start_here", "00_exercises.ipynb"
PLANT = """\
from pathlib import Path
Path("{root}/solutions/00_start_here/planted.txt").write_text("planted")
"""


def grade(root: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, **env,
                   "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run([sys.executable, str(root / "grading" / "course.py"), "grade"],
                          env=environment, capture_output=True, text=True, check=False)


@pytest.fixture
def course(tmp_path) -> Path:
    root = sandbox(tmp_path)
    solution = nbformat.read(root / "solutions" / ASSIGNMENT / NAME, as_version=4)
    release = nbformat.read(root / "assignments" / ASSIGNMENT / NAME, as_version=4)
    submit(root, "alice", ASSIGNMENT, NAME, answered(release, solution))
    return root


def test_no_sandbox_no_grading(course):
    proc = grade(course, BP2YOLO_BWRAP="/bin/false")
    assert proc.returncode != 0
    assert "cannot sandbox submissions on this machine" in proc.stderr
    assert "BP2YOLO_UNSANDBOXED=1" in proc.stderr
    assert not (course / "grading" / "grades.csv").exists()
    assert not (course / "grading" / "autograded").exists()


def test_the_opt_out_grades_and_says_so_loudly(course):
    proc = grade(course, BP2YOLO_BWRAP="/bin/false", BP2YOLO_UNSANDBOXED="1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "WITHOUT a sandbox" in proc.stderr
    assert "WITHOUT a sandbox" in (course / "grading" / "logs" / "UNSANDBOXED.log").read_text()
    row = grades_csv(course)[("alice", ASSIGNMENT)]
    assert row["status"].startswith("graded") and float(row["score"]) == 2.0, row


def test_a_changed_solutions_folder_stops_the_run(course):
    release = nbformat.read(course / "assignments" / ASSIGNMENT / NAME, as_version=4)
    release.cells.insert(2, nbformat.v4.new_code_cell(PLANT.replace("{root}", str(course))))
    submit(course, "mallory", ASSIGNMENT, NAME, release)
    proc = grade(course, BP2YOLO_UNSANDBOXED="1")
    assert (course / "solutions" / ASSIGNMENT / "planted.txt").exists()  # unsandboxed, it could
    assert proc.returncode != 0
    assert "STOPPED" in proc.stderr and "solutions/00_start_here/planted.txt" in proc.stderr
    assert not (course / "grading" / "grades.csv").exists()


def test_nbgraders_own_autograde_is_turned_off(course):
    """nbgrader autograde (and so the formgrader's button) stops before any code runs."""
    env = {**os.environ, "JUPYTER_CONFIG_PATH": str(course / "grading"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run([sys.executable, str(course / "grading" / "course.py"), "release"], env=env,
                   check=True, capture_output=True)
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT,
                           "--student", "alice", "--create"], cwd=course / "grading", env=env,
                          capture_output=True, text=True, check=False)
    assert proc.returncode != 0
    assert "autograde is turned off in this course" in proc.stdout + proc.stderr
    autograded = course / "grading" / "autograded" / "alice" / ASSIGNMENT / NAME
    assert not autograded.exists() or not any(
        c.get("outputs") for c in nbformat.read(autograded, as_version=4).cells)
