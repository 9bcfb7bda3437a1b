"""Instructor tooling: `python grading/course.py release | grade`. The Makefile calls it.

The grading pipeline, one named step each (grade() below reads as the list):

    release    regenerate assignments/ from solutions/ with `nbgrader generate_assignment`
               (deterministic: a second run changes no byte); a fresh clone gets its gradebook
    check      a submission under grading/submitted/<student>/<assignment>/ can be graded
               (valid notebooks, every grade cell there once), or the reason it cannot
    autograde  `nbgrader autograde`; a timeout or a dead kernel makes it ungradable
    feedback   `nbgrader generate_feedback` (hidden tests removed: see feedback.py)
    export     grading/grades.csv (nbgrader's export plus a status column) and
               grading/problems.csv (student,assignment,reason)

One broken submission never stops the others and is never reported as a zero: grades.csv gives
it no score and says why in its `status` column. Every path, and the gradebook's URL, is in
paths.py. nbgrader runs with this folder on JUPYTER_CONFIG_PATH, so it always uses
nbgrader_config.py here.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat

_HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(_HERE), str(_HERE.parent / "tools")]  # paths.py; the chapter list
import chapters  # noqa: E402
from paths import (  # noqa: E402
    AUTOGRADED,
    GRADEBOOK_URL,
    GRADES_CSV,
    HERE,
    LOGS,
    PROBLEMS_CSV,
    RELEASE,
    ROOT,
    SUBMITTED,
)

# A whole submission (all its notebooks) may run this long before it counts as a timeout.
SUBMISSION_TIMEOUT_S = int(os.environ.get("BP2YOLO_SUBMISSION_TIMEOUT", "900"))
# Execution errors in an autograded notebook that mean it was not really graded.
FATAL_ERRORS = {"CellTimeoutError": "timeout", "DeadKernelError": "dead kernel"}


@dataclass(frozen=True)
class Problem:
    student: str
    assignment: str
    reason: str


def nbgrader(*args: str, timeout: float | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["JUPYTER_CONFIG_PATH"] = str(HERE)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=HERE,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assignments() -> list[str]:
    """The assignments' folder names, in the order of the chapter list (tools/chapters.py)."""
    return [chapter.name for chapter in chapters.with_assignments()]


def nbgrader_api():
    """nbgrader's API in this process, configured by grading/nbgrader_config.py: one start-up
    for many commands, where each `nbgrader` command line pays its own (about 2.5 s)."""
    from nbgrader.apps import NbGrader, NbGraderAPI

    bin_dir = str(Path(sys.executable).parent)  # nbgrader runs `alembic` to create a gradebook
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    app = NbGrader(config_file=str(HERE / "nbgrader_config"))  # nbgrader adds the .py
    app.load_config_file()
    return NbGraderAPI(config=app.config)


def release(api=None) -> None:
    """Generate every assignment's release from its source (through `api`, or a new one)."""
    api = api or nbgrader_api()
    for assignment in assignments():
        result = api.generate_assignment(assignment, force=True, create=True)
        if not result["success"]:
            sys.exit(f"nbgrader generate_assignment {assignment} failed:\n"
                     f"{result.get('log', '')}{result.get('error', '')}")
        print(f"released {assignment} -> {(RELEASE / assignment).relative_to(ROOT)}")


# ---------------------------------------------------------------- checking a submission


def grade_ids(nb: nbformat.NotebookNode) -> list[str]:
    return [
        c.metadata["nbgrader"]["grade_id"]
        for c in nb.cells
        if c.get("metadata", {}).get("nbgrader", {}).get("grade")
        and "grade_id" in c.metadata["nbgrader"]
    ]


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Read a submitted notebook, or raise ValueError saying why it cannot be graded."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{path.name} is not a text file") from None
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{path.name} is not valid JSON ({exc.msg} at line {exc.lineno})"
        ) from None
    if not isinstance(data, dict) or "cells" not in data:
        raise ValueError(f"{path.name} is JSON but not a notebook (no cells)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. duplicate cell ids, which nbformat "corrects"
            nb = nbformat.reads(json.dumps(data), as_version=4)
            nbformat.validate(nb)
    except Exception as exc:  # noqa: BLE001 - nbformat raises several kinds
        raise ValueError(f"{path.name} is not a valid notebook ({type(exc).__name__})") from None
    return nb


def check(student: str, assignment: str) -> str | None:
    """Why this submission cannot be graded, or None when it can."""
    if assignment not in assignments():
        return f"unknown assignment {assignment!r}"
    released = chapters.by_name(assignment).release
    path = SUBMITTED / student / assignment / released.name
    if not path.exists():
        return f"missing notebook {released.name}"
    try:
        nb = read_notebook(path)
    except ValueError as exc:
        return str(exc)
    ids = grade_ids(nb)
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        return f"{released.name}: duplicate grade cells {', '.join(duplicates)}"
    missing = [i for i in grade_ids(nbformat.read(released, as_version=4)) if i not in ids]
    if missing:
        return f"{released.name}: missing grade cells {', '.join(missing)}"
    return None


def fatal_error(student: str, assignment: str) -> str | None:
    """A timeout or dead kernel recorded in the autograded notebooks, if any."""
    path = AUTOGRADED / student / assignment / chapters.by_name(assignment).release.name
    if path.exists():
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error" and out.get("ename") in FATAL_ERRORS:
                    gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "?")
                    return f"{path.name}: {FATAL_ERRORS[out.ename]} in cell {gid}"
    return None


def explain_failure(log: str) -> str:
    """A short reason from nbgrader's log when autograde failed."""
    lowered = log.lower()
    if "deadkernel" in lowered or "kernel died" in lowered:
        return "dead kernel (the notebook crashed or ran out of memory)"
    if "unresponsive" in lowered or "timeout" in lowered or "timed out" in lowered:
        return "timeout"
    lines = [ln for ln in log.splitlines() if ln.strip()]
    errors = [ln for ln in lines if "Error" in ln or "error" in ln]
    return (
        "autograde failed: "
        + (errors[-1] if errors else (lines[-1] if lines else "no output"))[-200:]
    )


def autograde(student: str, assignment: str) -> str | None:
    """Autograde one submission; return a problem reason or None."""
    LOGS.mkdir(exist_ok=True)
    log_path = LOGS / f"{student}--{assignment}.log"
    try:
        proc = nbgrader(
            "autograde",
            assignment,
            "--student",
            student,
            "--force",
            "--create",
            timeout=SUBMISSION_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        log_path.write_text("timed out\n")
        return f"timeout (the whole submission ran over {SUBMISSION_TIMEOUT_S} s)"
    log_path.write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        return explain_failure(proc.stdout + proc.stderr)
    return fatal_error(student, assignment)


def feedback(api, student: str, assignment: str) -> str | None:
    """Write one submission's HTML feedback (in this process, through nbgrader's API: it runs
    no submitted code); return a problem reason or None."""
    result = api.generate_feedback(assignment, student, force=True)
    if not result["success"]:
        log = result.get("log", "") + result.get("error", "")
        with (LOGS / f"{student}--{assignment}.log").open("a") as file:
            file.write(log)
        return explain_failure(log)
    return None


# ---------------------------------------------------------------- reports


def submissions() -> list[tuple[str, str]]:
    if not SUBMITTED.exists():
        return []
    return sorted(
        (s.name, a.name)
        for s in SUBMITTED.iterdir()
        if s.is_dir() and not s.name.startswith(".")
        for a in s.iterdir()
        if a.is_dir() and not a.name.startswith(".")
    )


def write_problems(problems: list[Problem]) -> None:
    with PROBLEMS_CSV.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "assignment", "reason"])
        for p in problems:
            writer.writerow([p.student, p.assignment, p.reason])


def export_grades(problems: list[Problem]) -> None:
    """nbgrader's CSV export, plus a status column; ungradable submissions get no score."""
    proc = nbgrader("export", "--to", str(GRADES_CSV))
    if proc.returncode != 0:
        sys.exit(f"nbgrader export failed:\n{proc.stdout}{proc.stderr}")
    with GRADES_CSV.open(newline="") as f:
        rows = list(csv.DictReader(f))
        fields = (
            list(rows[0].keys()) if rows else ["assignment", "student_id", "score", "max_score"]
        )
    why = {(p.student, p.assignment): p.reason for p in problems}
    submitted = set(submissions())
    manual = awaiting_manual_grading()
    seen = set()
    for row in rows:
        key = (row["student_id"], row["assignment"])
        seen.add(key)
        if key in why:
            row.update(raw_score="", score="", status=f"ungradable: {why[key]}")
        elif key not in submitted:
            row["status"] = "no submission"
        elif key in manual:
            unit = "point" if manual[key] == 1 else "points"
            row["status"] = f"graded; {manual[key]:g} {unit} of written answers to grade by hand"
        else:
            row["status"] = "graded"
    for (student, assignment), reason in sorted(why.items()):
        if (student, assignment) not in seen:
            rows.append(
                {"assignment": assignment, "student_id": student, "status": f"ungradable: {reason}"}
            )
    with GRADES_CSV.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[*fields, "status"], restval="")
        writer.writeheader()
        writer.writerows(rows)


def awaiting_manual_grading() -> dict[tuple[str, str], float]:
    """(student, assignment) -> points of written answers not yet graded by hand."""
    from nbgrader.api import Gradebook

    out: dict[tuple[str, str], float] = {}
    with Gradebook(GRADEBOOK_URL) as gb:
        for assignment in gb.assignments:
            for submission in assignment.submissions:
                points = sum(
                    g.max_score
                    for nb in submission.notebooks
                    for g in nb.grades
                    if g.needs_manual_grade and g.manual_score is None
                )
                if points:
                    out[(submission.student.id, assignment.name)] = points
    return out


def export(problems: list[Problem]) -> None:
    write_problems(problems)
    export_grades(problems)


def grade_one(api, student: str, assignment: str) -> str | None:
    """check -> autograde -> feedback for one submission: the first problem, or None.
    Autograde runs the submission, so it runs in an nbgrader process of its own, under a
    timeout; feedback only renders the graded notebook, through `api` in this process."""
    return (
        check(student, assignment)
        or autograde(student, assignment)
        or feedback(api, student, assignment)
    )


def grade() -> list[Problem]:
    """The pipeline: release, then check, autograde and feedback per submission, then export."""
    api = nbgrader_api()
    release(api)
    problems: list[Problem] = []
    todo = submissions()
    if not todo:
        print(f"no submissions under {SUBMITTED.relative_to(ROOT)}/<student>/<assignment>/")
    for student, assignment in todo:
        reason = grade_one(api, student, assignment)
        print(f"{student:>20} {assignment:<20} {f'PROBLEM: {reason}' if reason else 'graded'}")
        if reason:
            problems.append(Problem(student, assignment, reason))
    export(problems)
    print(
        f"grades: {GRADES_CSV.relative_to(ROOT)}  feedback: grading/feedback/  "
        f"problems: {PROBLEMS_CSV.relative_to(ROOT)} ({len(problems)})"
    )
    return problems


if __name__ == "__main__":
    commands = {"release": release, "grade": grade}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit(f"usage: python grading/course.py {{{'|'.join(commands)}}}")
    commands[sys.argv[1]]()
