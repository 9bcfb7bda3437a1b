"""make grade at scale: re-runs grade only what changed; a Postgres gradebook; a Dask cluster of
separate worker processes, one of them killed mid-run.

One class of assignment 00 (the quickest): four students who solved it, one who submitted the
release blank, one whose notebook is not JSON. Graded once as make grade runs by default (two
local workers, SQLite): the reference. Then:

  - a re-run grades nothing and changes nothing; a changed notebook is graded again, alone; a
    hand grade given in between reaches the feedback page without grading anything; --force
    grades every submission again;
  - the class graded with two workers against a real Postgres server (pgserver, installed by
    make setup) gives the reference's gradebook and grades.csv;
  - a Dask scheduler and two `dask worker` processes (machines, as far as grading can tell: they
    run from a copy of the grader's code with no course folders in it) grade the class; one is
    SIGKILLed, with its process group, while it grades; its job is graded again by the other,
    and the gradebook is the reference's: nothing lost, nothing twice.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from submissions import answered, submit
from test_attacks import sandbox_processes
from test_grading_kill import gradebook
from test_release import ROOT, sandbox

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:Non-unique cell id")]
ASSIGNMENT, NAME = "00_start_here", "00_exercises.ipynb"
SOLVED = ["alice", "amir", "anna", "arjun"]
ENV = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
GRADED_LINE = re.compile(r"^\s*(\S+) 00_start_here\s+(graded|PROBLEM)", re.M)


def course(tmp: Path) -> Path:
    root = sandbox(tmp)
    solution = nbformat.read(root / "solutions" / ASSIGNMENT / NAME, as_version=4)
    release = nbformat.read(root / "assignments" / ASSIGNMENT / NAME, as_version=4)
    for student in SOLVED:
        submit(root, student, ASSIGNMENT, NAME, answered(release, solution))
    submit(root, "bob", ASSIGNMENT, NAME, release)
    submit(root, "carol", ASSIGNMENT, NAME, text='{"cells": [')
    return root


def grade(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, str(root / "grading" / "course.py"), "grade", *args],
                          env={**ENV, **env}, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def grades(root: Path) -> list[dict]:
    with (root / "grading" / "grades.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def this_assignment(rows: list[dict]) -> dict[str, dict]:
    return {r["student_id"]: r for r in rows if r["assignment"] == ASSIGNMENT}


def outcomes(stdout: str) -> list[str]:
    """The students the run printed a graded or PROBLEM line for, in order."""
    return [m.group(1) for m in GRADED_LINE.finditer(stdout)]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    root = course(tmp_path_factory.mktemp("reference"))
    proc = grade(root)
    assert "with 2 workers on this machine" in proc.stdout, proc.stdout
    return {"root": root, "gradebook": gradebook(root), "grades": grades(root),
            "stdout": proc.stdout}


def test_the_reference_grades_each_submission_once(reference):
    assert sorted(outcomes(reference["stdout"])) == sorted([*SOLVED, "bob", "carol"])
    rows = this_assignment(reference["grades"])
    full = {s: rows[s]["score"] for s in SOLVED}
    assert len(set(full.values())) == 1 and float(full["alice"]) > 0, full
    assert rows["bob"]["score"] == "0.0" and "not valid JSON" in rows["carol"]["status"]


def test_a_rerun_grades_only_what_changed(reference):
    from nbgrader.api import Gradebook

    root = reference["root"]
    again = grade(root)
    assert "grading " not in again.stdout, again.stdout  # no job at all
    assert again.stdout.count("(unchanged: kept)") == len(SOLVED) + 2, again.stdout
    assert gradebook(root) == reference["gradebook"] and grades(root) == reference["grades"]

    # bob submits again, solved: he alone is graded
    solution = nbformat.read(root / "solutions" / ASSIGNMENT / NAME, as_version=4)
    release = nbformat.read(root / "assignments" / ASSIGNMENT / NAME, as_version=4)
    submit(root, "bob", ASSIGNMENT, NAME, answered(release, solution))
    changed = grade(root)
    assert "grading 1 submission with" in changed.stdout, changed.stdout
    assert outcomes(changed.stdout).count("bob") == 1
    rows = this_assignment(grades(root))
    assert rows["bob"]["score"] == rows["alice"]["score"], rows["bob"]

    # a hand grade for alice's written answer reaches her feedback page, with no grading
    page = root / "grading" / "feedback" / "alice" / ASSIGNMENT / NAME.replace(".ipynb", ".html")
    with Gradebook(f"sqlite:///{root / 'grading' / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook(NAME.removesuffix(".ipynb"), ASSIGNMENT, "alice")
        written = next(g for g in nb.grades if g.auto_score is None)
        written.manual_score = written.max_score
        comment = next(c for c in nb.comments if c.name == written.name)
        comment.manual_comment = "A clear answer: the hand grader's comment"
        gb.db.commit()
    hand = grade(root)
    assert "grading " not in hand.stdout, hand.stdout
    assert "A clear answer: the hand grader&#39;s comment" in page.read_text() or \
        "A clear answer: the hand grader's comment" in page.read_text()

    forced = grade(root, "--force")
    assert f"grading {len(SOLVED) + 2} submissions with" in forced.stdout, forced.stdout
    assert sorted(outcomes(forced.stdout)) == sorted([*SOLVED, "bob", "carol"])


@pytest.fixture
def postgres(tmp_path):
    import pgserver

    server = pgserver.get_server(tmp_path / "pgdata", cleanup_mode="stop")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


def test_a_postgres_gradebook_with_two_workers_equals_sqlites(reference, tmp_path, postgres):
    root = course(tmp_path / "course")
    proc = grade(root, BP2YOLO_GRADEBOOK_URL=postgres, BP2YOLO_WORKERS="2")
    assert "with 2 workers on this machine" in proc.stdout
    assert not (root / "grading" / "gradebook.db").exists()  # nothing went to SQLite
    assert gradebook(root, postgres) == reference["gradebook"]
    assert grades(root) == reference["grades"]


def code_only_copy(dest: Path) -> Path:
    """What a grading machine needs of the course: the grader's code (and the installed
    environment); no solutions/, no assignments/, no submissions, no gradebook."""
    (dest / "grading").mkdir(parents=True)
    for path in (ROOT / "grading").glob("*.py"):
        shutil.copy(path, dest / "grading" / path.name)
    shutil.copytree(ROOT / "grading" / "sandboxed", dest / "grading" / "sandboxed",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "tools", dest / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    return dest


@contextlib.contextmanager
def cluster(tmp: Path, n: int):
    """A Dask scheduler and n workers, each its own process group (a machine to kill)."""
    from distributed import Client

    machine = code_only_copy(tmp / "machine")
    address_file = tmp / "scheduler.json"
    started = [subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
         "--port", "0", "--no-dashboard", "--scheduler-file", str(address_file),
         "--preload", str(machine / "grading" / "worker.py")],
        env=ENV, cwd=machine, start_new_session=True, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)]
    try:
        for k in range(n):
            started.append(subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file",
                 str(address_file), "--name", str(k), "--nthreads", "1", "--no-dashboard",
                 "--preload", str(machine / "grading" / "worker.py")],
                env=ENV, cwd=machine, start_new_session=True, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 60  # dask worker itself waits for this file too
        while not address_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        with Client(scheduler_file=str(address_file), timeout=60) as client:
            client.wait_for_workers(n, timeout=120)  # ready: every worker has joined
            address = client.scheduler.address
        yield address, started
    finally:
        for proc in reversed(started):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_a_cluster_loses_a_worker_mid_run_and_no_grade(reference, tmp_path):
    root = course(tmp_path / "course")
    with cluster(tmp_path, 2) as (address, started):
        proc = subprocess.Popen(
            [sys.executable, "-u", str(root / "grading" / "course.py"), "grade"],
            env={**ENV, "BP2YOLO_SCHEDULER": address}, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        printed = []
        for line in proc.stdout:  # both workers are busy once the first result is back
            printed.append(line)
            if GRADED_LINE.match(line) and "PROBLEM" not in line:
                os.killpg(started[1].pid, signal.SIGKILL)  # worker 0: the whole machine
                started[1].wait()
                break
        rest, err = proc.communicate(timeout=600)
        stdout = "".join(printed) + rest
        assert proc.returncode == 0, stdout[-3000:] + err[-3000:]
    assert "with 2 workers on tcp://127.0.0.1:" in stdout, stdout
    assert sorted(outcomes(stdout)) == sorted([*SOLVED, "bob", "carol"]), stdout
    assert gradebook(root) == reference["gradebook"]
    assert grades(root) == reference["grades"]
    assert sandbox_processes() == [], "a sandbox outlived its killed worker"


def test_a_worker_with_other_grader_code_is_refused(reference, tmp_path):
    """The code a worker grades with is the instructor's, or the run stops before grading."""
    root = course(tmp_path / "course")
    (root / "grading" / "batch.py").write_text(
        (root / "grading" / "batch.py").read_text() + "\n# changed on the instructor's side\n")
    with cluster(tmp_path, 1) as (address, _):
        proc = subprocess.run([sys.executable, str(root / "grading" / "course.py"), "grade"],
                              env={**ENV, "BP2YOLO_SCHEDULER": address}, capture_output=True,
                              text=True, check=False)
    assert proc.returncode != 0 and "other grader code" in proc.stdout + proc.stderr
    assert not (root / "grading" / "grades.csv").exists()
