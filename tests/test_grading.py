"""`make grade`'s engine through the real nbgrader: full marks, zero, feedback, problems.

One grading run over a class of made-up students, in a sandbox copy of the course:
  alice  submits the release answered with the solutions       -> full automatic marks
  bob    submits the blank release       -> runs to the end, scores 0
  carol  01: answered as alice; 00: invalid JSON        -> 01 graded, 00 a problem
  dave   00: a cell that kills the kernel               -> problem: dead kernel
  erin   00: a cell that runs past the cell timeout     -> problem: timeout
  frank  00: a graded cell deleted                      -> problem: missing grade cells
  gina   00: a graded cell duplicated                   -> problem: duplicate grade cells
  hank   00: JSON that is not a notebook                -> problem: not a notebook
  olga   00: the instructor's source notebook itself    -> problem: reported as that copy
  pat    a notebook in her folder, no assignment folder -> problem: no assignment folder
  ivan   01: the release answered, one answer hard-coding the visible results: passes the visible
             tests and fails a hidden one, whose source and traceback the feedback must not show
"""

import copy
import csv
import html
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from harness import HIDDEN_HELPERS, grade_id, is_test_cell, nbgrader_meta, secret_lines
from mutants_01 import MUTANTS as MUTANTS_01
from submissions import answered, submit
from test_release import SOURCES, sandbox

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:Non-unique cell id")]
WARMUP = "00_start_here"
CHAIN_RULE = "01_chain_rule"  # carol and ivan submit only 00 and 01: every chapter costs time
PROBLEMS = {
    ("carol", WARMUP): "not valid JSON",
    ("dave", WARMUP): "dead kernel",
    ("erin", WARMUP): "timeout",
    ("frank", WARMUP): "missing grade cells",
    ("gina", WARMUP): "duplicate grade cells",
    ("hank", WARMUP): "not a notebook",
    ("olga", WARMUP): "copy of the instructor's source notebook",
    ("pat", ""): "no assignment folder",
}


CAROLS_TIMESTAMP = "2026-11-30 12:00:00.000000 UTC"  # nbgrader collect's timestamp.txt
HARDCODED = next(m for m in MUTANTS_01 if m.hint is None)  # passes only the visible tests


def first_solution_cell(nb) -> int:
    return next(
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and nbgrader_meta(c).get("solution")
    )


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = sandbox(tmp_path_factory.mktemp("course"))
    for source in SOURCES:
        a, name = source.parent.name, source.name
        solution = nbformat.read(source, as_version=4)
        release = nbformat.read(root / "assignments" / a / name, as_version=4)
        submit(root, "alice", a, name, answered(release, solution))
        submit(root, "bob", a, name, release)
        if a == CHAIN_RULE:
            path = submit(root, "carol", a, name, answered(release, solution))
            (path.parent / "timestamp.txt").write_text(CAROLS_TIMESTAMP)
            submit(root, "ivan", a, name, answered(release, solution, HARDCODED))
        if a != WARMUP:
            continue
        submit(root, "carol", a, name, text='{"cells": [ {"cell_type": "code", ')
        solved = answered(release, solution)
        i = first_solution_cell(solved)
        dead = copy.deepcopy(solved)
        dead.cells[i].source = "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"
        submit(root, "dave", a, name, dead)
        slow = copy.deepcopy(solved)
        slow.cells[i].source = "import time\ntime.sleep(60)\n" + slow.cells[i].source
        submit(root, "erin", a, name, slow)
        missing = copy.deepcopy(solved)
        missing.cells = [c for c in missing.cells if not is_test_cell(c)][:]
        submit(root, "frank", a, name, missing)
        duplicate = copy.deepcopy(solved)
        test = next(c for c in duplicate.cells if is_test_cell(c))
        duplicate.cells.append(copy.deepcopy(test))
        submit(root, "gina", a, name, duplicate)
        submit(root, "hank", a, name, text='{"hello": "world"}')
        submit(root, "olga", a, name, solution)
        (root / "grading" / "submitted" / "pat").mkdir()
        nbformat.write(solved, root / "grading" / "submitted" / "pat" / name)
    env = {
        **os.environ,
        "BP2YOLO_CELL_TIMEOUT": "8",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    proc = subprocess.run(
        [sys.executable, str(root / "grading" / "course.py"), "grade"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return root


def rows(path: Path) -> list[dict]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def grades_csv(root: Path) -> dict[tuple[str, str], dict]:
    """grades.csv by (student, assignment)."""
    return {(r["student_id"], r["assignment"]): r for r in rows(root / "grading" / "grades.csv")}


def auto_scores(root: Path, student: str, assignment: str) -> list[tuple[str, float, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'grading' / 'gradebook.db'}") as gb:
        submission = gb.find_submission(assignment, student)
        return [
            (g.name, g.auto_score, g.max_score)
            for nb in submission.notebooks
            for g in nb.grades
            if g.cell_type == "code"
        ]


def test_problems_are_reported_with_their_reason(graded):
    found = {
        (r["student"], r["assignment"]): r["reason"]
        for r in rows(graded / "grading" / "problems.csv")
    }
    assert set(found) == set(PROBLEMS), found
    for key, words in PROBLEMS.items():
        assert words in found[key], f"{key}: {found[key]}"


def test_ungradable_submissions_get_no_score_but_a_status(graded):
    grades = grades_csv(graded)
    for key, words in PROBLEMS.items():
        assert grades[key]["score"] == "", f"{key} must not be reported as a score"
        assert grades[key]["status"].startswith("ungradable") and words in grades[key]["status"]
    assert grades[("carol", CHAIN_RULE)]["status"].startswith("graded; ")  # her other one


def test_status_says_what_still_needs_a_human(graded):
    grades = grades_csv(graded)
    for source in SOURCES:
        alice = grades[("alice", source.parent.name)]["status"]
        assert alice.startswith("graded; ") and "written answers to grade by hand" in alice
        assert grades[("bob", source.parent.name)]["status"] == "graded"  # unanswered: 0 points


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.parent.name)
def test_solutions_score_full_automatic_marks(graded, source):
    scores = auto_scores(graded, "alice", source.parent.name)
    assert scores and all(got == top for _, got, top in scores), scores


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.parent.name)
def test_blank_release_runs_to_the_end_and_scores_zero(graded, source):
    scores = auto_scores(graded, "bob", source.parent.name)
    assert scores and all(got == 0 for _, got, _ in scores), scores
    autograded = nbformat.read(
        graded / "grading" / "autograded" / "bob" / source.parent.name / source.name, as_version=4
    )
    for cell in autograded.cells:  # every test cell ran and failed cleanly (no dead kernel)
        if is_test_cell(cell) and grade_id(cell) != HIDDEN_HELPERS:
            assert any(o.output_type == "error" for o in cell.outputs), grade_id(cell)
        elif grade_id(cell) == HIDDEN_HELPERS:  # it only defines the hidden tests' helpers
            assert not any(o.output_type == "error" for o in cell.outputs), cell.outputs


@pytest.mark.parametrize("student", ["alice", "bob", "ivan"])
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.parent.name)
def test_feedback_never_shows_hidden_tests(graded, source, student):
    if student == "ivan" and source.parent.name != CHAIN_RULE:
        pytest.skip("ivan submitted 01 only")
    html = (
        graded
        / "grading"
        / "feedback"
        / student
        / source.parent.name
        / source.with_suffix(".html").name
    ).read_text()
    assert "BEGIN HIDDEN TESTS" not in html
    assert "hidden tests: run by the grader, not shown" in html
    hidden = secret_lines(nbformat.read(source, as_version=4), hidden_only=True)
    assert hidden
    leaked = [line for line in hidden if line in html or escape(line) in html]
    assert not leaked, leaked[:5]


def escape(text: str) -> str:
    return html.escape(text)


def test_feedback_of_a_failed_hidden_test_shows_its_hint_only(graded):
    source = next(s for s in SOURCES if s.parent.name == CHAIN_RULE)
    scores = dict((n, got) for n, got, _ in auto_scores(graded, "ivan", CHAIN_RULE))
    assert scores[HARDCODED.test] == 0 and sum(scores.values()) > 0, scores
    page = (graded / "grading" / "feedback" / "ivan" / CHAIN_RULE
            / source.with_suffix(".html").name).read_text()
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    cell = text.split(f"Grade cell: {HARDCODED.test}")[1].split("Grade cell:")[0]
    assert "Score: 0.0" in cell
    assert "hidden tests: run by the grader, not shown" in cell
    assert re.search(r"^HintError: .*wrong shape", cell, re.M), cell  # the hint, on its own
    for traceback_mark in ["Traceback", "---->", "Cell In[", "File "]:
        assert traceback_mark not in cell, cell


def test_feedback_shows_hints_for_failed_tests(graded):
    source = next(s for s in SOURCES if s.parent.name == CHAIN_RULE)
    html = (
        graded / "grading" / "feedback" / "bob" / CHAIN_RULE / source.with_suffix(".html").name
    ).read_text()
    assert "NotImplementedError" in html


@pytest.mark.parametrize("student", ["ivan", "alice"])
def test_the_workers_feedback_page_is_nbgraders_own(graded, student):
    """make grade's workers render the page without a gradebook (grading/feedback.py render);
    nbgrader's generate_feedback, run afterwards from the gradebook with this course's config,
    writes the very same bytes (ivan: a failed hidden test; alice: written answers)."""
    page = (graded / "grading" / "feedback" / student / CHAIN_RULE / "01_exercises.html")
    ours = page.read_bytes()
    script = ("import sys; sys.path[:0] = ['grading', 'tools']; import course; "
              f"r = course.nbgrader_api().generate_feedback({CHAIN_RULE!r}, {student!r}, "
              "force=True); sys.exit(0 if r['success'] else r['log'])")
    proc = subprocess.run([sys.executable, "-c", script], cwd=graded, capture_output=True,
                          text=True, check=False,
                          env={**os.environ, "JUPYTER_CONFIG_PATH": str(graded / "grading")})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert page.read_bytes() == ours


def test_the_submission_time_is_recorded(graded):
    """nbgrader's timestamp.txt (late penalties are computed from it), as its autograde did."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{graded / 'grading' / 'gradebook.db'}") as gb:
        carol = gb.find_submission(CHAIN_RULE, "carol")
        assert carol.timestamp is not None
        assert carol.timestamp.strftime("%Y-%m-%d %H:%M") == "2026-11-30 12:00"
        assert gb.find_submission(CHAIN_RULE, "alice").timestamp is None

