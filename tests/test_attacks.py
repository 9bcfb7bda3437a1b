"""The attack zoo (tests/attacks.py) through `make grade`'s engine, with honest students.

One grading run over a class of assignment 01 in a copy of the course. `make test` grades the
CI-sized subset (the attacks marked ci); `make attack-zoo` grades them all (BP2YOLO_ZOO=all).
  - every attack earns 0 points, or is reported as the problem it is (a dead or stuck sandbox);
  - every honest student gets exactly the marks the in-kernel tests give them;
  - no file outside the submissions' scratch changed (the course, the package, the other
    submissions), nothing was planted, and grades.csv is the grader's;
  - no process of a submission outlives its sandbox, none reached the network;
  - no feedback page holds a line of a hidden test.
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import harness
import nbformat
import pytest
from attacks import ATTACKS, Attack
from harness import grade_id, is_test_cell, nbgrader_meta, secret_lines
from mutants_01 import MUTANTS, NB
from submissions import answered, submit, unmarked
from test_grading import auto_scores, grades_csv, rows
from test_release import sandbox

import bp2yolo

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:Non-unique cell id")]
ASSIGNMENT = "01_chain_rule"
NAME = "01_exercises.ipynb"
ZOO = [a for a in ATTACKS if a.ci or os.environ.get("BP2YOLO_ZOO") == "all"]
REPO = Path(bp2yolo.__file__).resolve().parents[1]
# this test process's sandboxes: one uid per grading worker below its base (grading/worker.py;
# conftest.py gives each pytest-xdist worker its own base)
_BASE = int(os.environ.get("BP2YOLO_SANDBOX_UID", "64999"))
SANDBOX_UIDS = range(_BASE - 99, _BASE + 1)
# honest students: the solution; one wrong answer (its own test fails, nothing else); the
# solution with odd but allowed cells (magics, a shell line, a plot, files in scratch, output)
PARTIAL = next(m for m in MUTANTS if m.cell == "chain_gradients" and m.hint)
ODD_CELL = """\
%time total = sum(range(10))
!echo a shell line
import matplotlib.pyplot as plt
plt.plot([1, 2, 3])
plt.show()
with open("scratch.txt", "w") as file:
    file.write("mine")
print("a long line " * 1000)
"""


def student(index: int, attack: Attack) -> str:
    return f"attack-{index:02d}-{attack.name}"


# backward_difference and five_point_difference share a cell: both wrong, each a mutant's mistake
WRONG_FINITE_DIFFERENCES = """\
def backward_difference(f, x, h):
    return f(x) - f(x - h)


def five_point_difference(f, x, h):
    near = f(x + h) - f(x - h)
    far = f(x + 2 * h) - f(x - 2 * h)
    return (8 * near - far) / (6 * h)
"""


def wrong_answers() -> dict[str, str]:
    """Each answer cell replaced by its first mutant that fails the visible tests."""
    out: dict[str, str] = {"finite_differences": WRONG_FINITE_DIFFERENCES}
    for mutant in MUTANTS:
        if mutant.hint is not None:
            out.setdefault(mutant.cell, mutant.source)
    return out


def hardcoded_answers() -> dict[str, str]:
    """The answer cells that hard-code the visible results (finite_differences's two mutants
    each hard-code one function and keep the other right, so it stays wrong here)."""
    return {m.cell: m.source for m in MUTANTS
            if m.hint is None and m.cell != "finite_differences"}


def precomputed_answers() -> dict[str, str]:
    """log_cosh_model and chain_gradients as lookup tables of the answers to the inputs their
    hidden tests use when no salt is added (read off the public source, answered with the
    instructor's solution), zeros for anything else."""
    namespace: dict = {"__name__": "__main__"}
    harness.run(NB, tests="none", namespace=namespace)
    helpers = next(c.source for c in harness.load(NB).cells if grade_id(c) == "hidden_helpers")
    exec(compile(harness.test_source(helpers, "hidden"), "<hidden>", "exec"), namespace)  # noqa: S102
    tables: dict[str, dict] = {}
    for name in ("log_cosh_model", "chain_gradients"):
        real, table = namespace[name], {}

        def record(*args, real=real, table=table):
            result = real(*args)
            table[repr(args)] = [getattr(v, "tolist", lambda v=v: v)() for v in result]
            return result

        namespace[f"hidden_check_{name}"](record)
        tables[name] = table
    source = {}
    for name, signature in (("log_cosh_model", "x, w, b, y_gt"),
                            ("chain_gradients", "x, w1, b1, w2, b2, y_gt")):
        source[name] = f"""\
import numpy as np
from numpy import array
TABLE_{name} = {tables[name]!r}
def {name}({signature}):
    got = TABLE_{name}.get(repr(({signature},)))
    if got is None:
        return tuple(np.zeros(np.shape(x)) for _ in range(4))
    return tuple(np.array(v) if isinstance(v, list) else v for v in got)
"""
    return source


def attacker_notebook(attack: Attack, release, solution, root: Path, port: int,
                      planted: str):
    if attack.edit == "source":
        return copy.deepcopy(solution)
    replace = {} if attack.answers == "none" else wrong_answers()
    replace.update({"hardcoded": hardcoded_answers, "precomputed": precomputed_answers}.get(
        attack.answers, dict)())
    nb = answered(release, solution)
    for cell in nb.cells:
        if attack.answers == "none" and cell.cell_type == "code" and \
                nbgrader_meta(cell).get("solution"):
            cell.source = "pass"
        elif grade_id(cell) in replace:
            cell.source = unmarked(replace[grade_id(cell)])
    if attack.code:
        code = attack.code
        for key, value in {"{root}": str(root), "{repo}": str(REPO), "{port}": str(port),
                           "{planted}": planted}.items():
            code = code.replace(key, value)
        setup = next(i for i, c in enumerate(nb.cells) if grade_id(c) == "setup")
        nb.cells.insert(setup + 1, nbformat.v4.new_code_cell(code))
    for cell in nb.cells:
        if is_test_cell(cell) and attack.edit == "points":
            cell.metadata["nbgrader"]["points"] = 1000
        if is_test_cell(cell) and attack.edit == "tests":
            cell.source = "pass"
    return nb


def fingerprint(paths) -> dict[str, str]:
    out = {}
    for top in paths:
        for path in sorted(Path(top).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def sandbox_processes() -> list[str]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        uid = re.search(r"^Uid:\s+(\d+)", text, re.M)
        if uid and int(uid.group(1)) in SANDBOX_UIDS:
            found.append(text.splitlines()[0])
    return found


@pytest.fixture(scope="module")
def zoo(tmp_path_factory):
    root = sandbox(tmp_path_factory.mktemp("zoo"))
    solution = nbformat.read(root / "solutions" / ASSIGNMENT / NAME, as_version=4)
    release = nbformat.read(root / "assignments" / ASSIGNMENT / NAME, as_version=4)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.setblocking(False)
    port = listener.getsockname()[1]
    planted = f"/tmp/bp2yolo-planted-{os.getpid()}"
    honest = {
        "honest-full": answered(release, solution),
        "honest-partial": answered(release, solution, PARTIAL),
        "honest-odd": answered(release, solution),
    }
    odd = honest["honest-odd"]
    odd.cells.insert(len(odd.cells), nbformat.v4.new_code_cell(ODD_CELL))
    for name, nb in honest.items():
        submit(root, name, ASSIGNMENT, NAME, nb)
    names = {}
    for index, attack in enumerate(ATTACKS):
        if attack not in ZOO:
            continue
        names[attack.name] = student(index, attack)
        path = submit(root, names[attack.name], ASSIGNMENT, NAME,
                      attacker_notebook(attack, release, solution, root, port, planted))
        for relative, text in attack.files.items():
            (path.parent / relative).parent.mkdir(parents=True, exist_ok=True)
            (path.parent / relative).write_text(text)
    # the release runs first (make grade regenerates assignments/), then nothing may change
    env = {**os.environ, "BP2YOLO_CELL_TIMEOUT": "8",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run([sys.executable, str(root / "grading" / "course.py"), "release"], env=env,
                   check=True, capture_output=True)
    watched = [root / "solutions", root / "assignments", root / "tools",
               root / "grading" / "sandboxed", root / "grading" / "submitted",
               REPO / "bp2yolo", REPO / "solutions", REPO / "grading"]
    watched_files = [*(root / "grading").glob("*.py")]
    before = fingerprint(watched), {str(p): p.read_bytes() for p in watched_files}
    proc = subprocess.run([sys.executable, str(root / "grading" / "course.py"), "grade"],
                          env=env, capture_output=True, text=True, check=False)
    after = fingerprint(watched), {str(p): p.read_bytes() for p in watched_files}
    connections = []
    try:
        while True:
            connections.append(listener.accept())
    except BlockingIOError:
        pass
    listener.close()
    yield {"root": root, "proc": proc, "names": names, "before": before, "after": after,
           "connections": connections, "planted": planted, "solution": solution,
           "processes": sandbox_processes()}
    Path(planted).unlink(missing_ok=True)


def test_the_grading_run_finished(zoo):
    assert zoo["proc"].returncode == 0, zoo["proc"].stdout[-3000:] + zoo["proc"].stderr[-3000:]


def honest_marks(mutant=None) -> float:
    """The marks the in-kernel tests give the solution (with one mutant, if given)."""
    nb = harness.load(NB)
    points = {grade_id(c): nbgrader_meta(c)["points"] for c in nb.cells if is_test_cell(c)}
    outcomes = harness.run(NB, {mutant.cell: mutant.source} if mutant else None)
    return sum(points[g] for g, o in outcomes.items() if g in points and o.ok)


def total(root: Path, name: str) -> float:
    return sum(got for _, got, _ in auto_scores(root, name, ASSIGNMENT))


def test_honest_students_get_exactly_their_marks(zoo):
    full = honest_marks()
    assert full == 14
    assert total(zoo["root"], "honest-full") == full
    assert total(zoo["root"], "honest-odd") == full
    assert total(zoo["root"], "honest-partial") == honest_marks(PARTIAL) < full
    grades = grades_csv(zoo["root"])
    for name in ("honest-full", "honest-odd", "honest-partial"):
        assert grades[(name, ASSIGNMENT)]["status"].startswith("graded"), grades[(name, ASSIGNMENT)]


def test_the_wrong_answers_earn_nothing_honestly():
    """The attackers' own answers fail every test in-kernel: any point they get is unearned."""
    outcomes = harness.run(NB, wrong_answers())
    tests = [g for g in outcomes if g.startswith("test_")]
    assert tests and all(not outcomes[g].ok for g in tests), outcomes


def test_the_precomputed_answers_would_pass_without_the_salt():
    """The lookup-table attack is real: with the seeds as published it passes those hidden
    tests; the grader's salt is what stops it."""
    outcomes = harness.run(NB, precomputed_answers(), tests="hidden")
    assert outcomes["test_log_cosh_model"].ok and outcomes["test_chain_gradients"].ok, outcomes


@pytest.mark.parametrize("attack", ZOO, ids=lambda a: a.name)
def test_no_attack_earns_a_point(zoo, attack):
    name = zoo["names"][attack.name]
    problems = {(r["student"], r["assignment"]): r["reason"]
                for r in rows(zoo["root"] / "grading" / "problems.csv")}
    if attack.expect == "zero":
        assert (name, ASSIGNMENT) not in problems, problems.get((name, ASSIGNMENT))
        scores = auto_scores(zoo["root"], name, ASSIGNMENT)
        assert scores and all(got == 0 for _, got, _ in scores), scores
        assert all(top <= 4 for _, _, top in scores), scores  # the instructor's maxima
    else:
        assert attack.expect in problems.get((name, ASSIGNMENT), ""), problems
        assert grades_csv(zoo["root"])[(name, ASSIGNMENT)]["score"] == ""


def test_no_file_outside_scratch_changed(zoo):
    before, after = zoo["before"], zoo["after"]
    assert before[0] == after[0], sorted(set(before[0].items()) ^ set(after[0].items()))[:10]
    assert before[1] == after[1]
    assert not Path(zoo["planted"]).exists()
    assert "pwned" not in (zoo["root"] / "grading" / "grades.csv").read_text()


def test_the_gradebook_holds_only_the_graders_scores(zoo):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{zoo['root'] / 'grading' / 'gradebook.db'}") as gb:
        for submission in gb.assignment_submissions(ASSIGNMENT):
            for nb in submission.notebooks:
                for grade in nb.grades:
                    assert grade.manual_score is None, (submission.student.id, grade.name)
                    assert grade.auto_score is None or grade.auto_score <= grade.max_score


def test_no_process_outlives_its_sandbox(zoo):
    assert zoo["processes"] == []


def test_no_submission_reached_the_network(zoo):
    assert zoo["connections"] == []


def test_no_feedback_holds_a_hidden_test(zoo):
    hidden = secret_lines(zoo["solution"], hidden_only=True)
    assert hidden
    pages = list((zoo["root"] / "grading" / "feedback").rglob("*.html"))
    assert len(pages) >= 3
    for page in pages:
        text = page.read_text()
        leaked = [line for line in hidden if line in text or html.escape(line) in text]
        assert not leaked, (page.parent.parent.name, leaked[:3])


def test_the_next_student_finds_nothing_planted(zoo):
    if "look-for-the-planted-file" not in zoo["names"]:
        pytest.skip("in the whole zoo only (make attack-zoo)")
    name = zoo["names"]["look-for-the-planted-file"]
    graded = nbformat.read(zoo["root"] / "grading" / "autograded" / name / ASSIGNMENT / NAME,
                           as_version=4)
    outputs = json.dumps([c.get("outputs", []) for c in graded.cells])
    assert "planted file absent" in outputs and "planted file FOUND" not in outputs
