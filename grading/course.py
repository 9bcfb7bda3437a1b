"""Instructor tooling: `python grading/course.py release | grade`. The Makefile calls it.

The grading pipeline, one named step each (grade() below reads as the list):

    refuse     no grading without a sandbox (sandbox.probe()), unless BP2YOLO_UNSANDBOXED=1,
               which is logged loudly on every run
    release    regenerate assignments/ from solutions/ with `nbgrader generate_assignment`
               (deterministic: a second run changes no byte); a fresh clone gets its gradebook
    check      a submission under grading/submitted/<student>/<assignment>/ can be graded
               (valid notebooks, every grade cell there once, not the instructor's source
               notebook), or the reason it cannot
    autograde  trusted.py: the submission's cells in a sandbox, the instructor's tests in this
               process against what comes back; a timeout or a dead sandbox makes it ungradable.
               The autograded notebook and the gradebook rows are written by this process only.
    feedback   `nbgrader generate_feedback` (no hidden test in it: see trusted.py, feedback.py)
    export     grading/grades.csv (nbgrader's export plus a status column) and
               grading/problems.csv (student,assignment,reason), each replaced in one step
    verify     solutions/, assignments/, the bp2yolo package, tools/ and the grader's code are
               byte for byte what they were before the first submission ran; else it stops

One broken submission never stops the others and is never reported as a zero: grades.csv gives
it no score and says why in its `status` column. Every path, and the gradebook's URL, is in
paths.py. nbgrader's API here is configured by nbgrader_config.py in this folder.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import secrets
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat

# Grading runs on the CPU: the sandbox has no GPU, so the tests must not hand it CUDA tensors.
os.environ["CUDA_VISIBLE_DEVICES"] = ""

_HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(_HERE), str(_HERE.parent / "tools")]  # paths.py; the chapter list
import chapters  # noqa: E402
import regions  # noqa: E402
import sandbox  # noqa: E402
import trusted  # noqa: E402
from paths import (  # noqa: E402
    AUTOGRADED,
    GRADEBOOK_URL,
    GRADES_CSV,
    HERE,
    LOGS,
    PROBLEMS_CSV,
    RELEASE,
    ROOT,
    SOLUTIONS,
    SUBMITTED,
)

# A whole submission (all its notebooks) may run this long before it counts as a timeout.
SUBMISSION_TIMEOUT_S = int(os.environ.get("BP2YOLO_SUBMISSION_TIMEOUT", "900"))
# One cell (the submission's, or a test cell with every call it makes) may run this long.
CELL_TIMEOUT_S = float(os.environ.get("BP2YOLO_CELL_TIMEOUT", "120"))
# The salt of the hidden tests' seeds: drawn for each run, unless given (to repeat a run).
SALT = os.environ.get("BP2YOLO_GRADING_SALT")
# The explicit opt-out from the sandbox, for a machine that cannot make one.
UNSANDBOXED = os.environ.get("BP2YOLO_UNSANDBOXED") == "1"
# What no grading run may change: checked before the first submission runs and after the last.
PROTECTED = [SOLUTIONS, RELEASE, ROOT / "tools", HERE / "sandboxed", *sorted(HERE.glob("*.py"))]


def package_folder() -> Path:
    """The bp2yolo package that grading imports (and the sandbox reads)."""
    import importlib.util

    spec = importlib.util.find_spec("bp2yolo")
    return Path(next(iter(spec.submodule_search_locations)))


@dataclass(frozen=True)
class Problem:
    student: str
    assignment: str
    reason: str


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
    if is_instructor_copy(nb):
        return (f"{released.name} is a copy of the instructor's source notebook (it holds "
                "solution or hidden-test regions), not the learner's work: not graded")
    return None


def is_instructor_copy(nb: nbformat.NotebookNode) -> bool:
    """The source notebook's marked regions: a learner's notebook never has them."""
    for cell in nb.cells:
        try:
            if any(regions.has(cell.source, kind) for kind in ("hidden", "solution")):
                return True
        except regions.RegionError:
            return True  # a half-copied marker
    return False


def autograde(student: str, assignment: str, salt: int | None = None) -> str | None:
    """Grade one submission with trusted.py and record it; return a problem reason or None."""
    chapter = chapters.by_name(assignment)
    name = chapter.release.name
    LOGS.mkdir(exist_ok=True)
    submitted, graded = trusted.grade_notebook(
        SUBMITTED / student / assignment / name, chapter.source, sandboxed=not UNSANDBOXED,
        cell_timeout=CELL_TIMEOUT_S, limits=sandbox.Limits(wall_s=SUBMISSION_TIMEOUT_S),
        log_path=LOGS / f"{student}--{assignment}.log", salt=salt)
    if graded.problem:
        return graded.problem
    release_nb = nbformat.read(chapter.release, as_version=4)
    autograded = trusted.autograded_notebook(submitted, release_nb, graded)
    folder = AUTOGRADED / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(folder / name, nbformat.writes(autograded) + "\n")
    record(student, assignment, chapter.release.stem, autograded, graded)
    return None


def record(student: str, assignment: str, notebook: str, autograded: nbformat.NotebookNode,
           graded: trusted.Graded) -> None:
    """Write one submission's scores into the gradebook, as nbgrader's autograde would: a test
    cell's score is the grader's verdict; a written answer left as released scores 0, any
    other needs a human. Manual scores already there are kept."""
    from nbgrader import utils
    from nbgrader.api import Gradebook

    with Gradebook(GRADEBOOK_URL) as gb:
        gb.update_or_create_student(student)
        gb.update_or_create_submission(assignment, student, **submitted_at(student, assignment))
        for cell in autograded.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            gid = meta.get("grade_id")
            if meta.get("grade"):
                grade = gb.find_grade(gid, notebook, assignment, student)
                if gid in graded.verdicts:
                    grade.auto_score = graded.verdicts[gid].points
                else:
                    grade.auto_score, _ = utils.determine_grade(cell)
                if grade.auto_score is not None and grade.auto_score > grade.max_score:
                    raise SystemExit(f"{student}/{assignment}: {gid} scored {grade.auto_score} "
                                     f"of at most {grade.max_score}: refusing to record it")
                grade.needs_manual_grade = (grade.manual_score is not None
                                            or grade.auto_score is None)
            if meta.get("solution") or meta.get("task"):
                comment = gb.find_comment(gid, notebook, assignment, student)
                unchanged = meta.get("checksum") == utils.compute_checksum(cell)
                comment.auto_comment = "No response." if unchanged and not meta.get("task") \
                    else None
        gb.db.commit()


def submitted_at(student: str, assignment: str) -> dict:
    """nbgrader's timestamp.txt beside the notebook (nbgrader collect writes it), for late
    penalties: {"timestamp": when} or {} without one. An unreadable one is ignored, as empty."""
    from nbgrader.utils import parse_utc

    path = SUBMITTED / student / assignment / "timestamp.txt"
    try:
        return {"timestamp": parse_utc(path.read_text().strip())}
    except (OSError, ValueError):
        return {}


def write_atomically(path: Path, text: str) -> None:
    """Replace path with text in one step: a reader (or a killed run) sees old or new, whole."""
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", newline="") as file:
        file.write(text)
    os.replace(tmp, path)


def explain_failure(log: str) -> str:
    """A short reason from nbgrader's log when a step failed."""
    lines = [ln for ln in log.splitlines() if ln.strip()]
    errors = [ln for ln in lines if "Error" in ln or "error" in ln]
    return "failed: " + (errors[-1] if errors else (lines[-1] if lines else "no output"))[-200:]


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


def submissions() -> tuple[list[tuple[str, str]], list[Problem]]:
    """(student, assignment) for every submission folder, and a problem for every student
    folder that holds no assignment folder (a notebook dropped straight into it, say)."""
    found: list[tuple[str, str]] = []
    problems: list[Problem] = []
    if not SUBMITTED.exists():
        return found, problems
    for student in sorted(SUBMITTED.iterdir()):
        if not student.is_dir() or student.name.startswith("."):
            continue
        folders = sorted(a.name for a in student.iterdir()
                         if a.is_dir() and not a.name.startswith("."))
        found += [(student.name, a) for a in folders]
        if not folders:
            files = sorted(f.name for f in student.iterdir() if not f.name.startswith("."))
            problems.append(Problem(student.name, "", (
                "no assignment folder: expected grading/submitted/"
                f"{student.name}/<assignment>/" + (f" (found {', '.join(files[:5])})"
                                                     if files else " (the folder is empty)"))))
    return found, problems


def write_problems(problems: list[Problem]) -> None:
    lines = [["student", "assignment", "reason"]]
    lines += [[p.student, p.assignment, p.reason] for p in problems]
    write_atomically(PROBLEMS_CSV, csv_text(lines))


def csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def export_grades(problems: list[Problem]) -> None:
    """nbgrader's CSV export, plus a status column; ungradable submissions get no score. A
    score above its maximum stops the export."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins.export import CsvExportPlugin

    exported = GRADES_CSV.with_name(".grades-export.csv")
    with Gradebook(GRADEBOOK_URL) as gb:  # nbgrader export's own plugin, in this process
        CsvExportPlugin(to=str(exported)).export(gb)
    with exported.open(newline="") as f:
        rows = list(csv.DictReader(f))
    exported.unlink()
    for row in rows:
        if row.get("score") and row.get("max_score") and \
                float(row["score"]) > float(row["max_score"]) + 1e-9:
            sys.exit(f"grades: {row['student_id']}/{row['assignment']} scored {row['score']} "
                     f"of at most {row['max_score']} in the gradebook; not exported")
        fields = (
            list(rows[0].keys()) if rows else ["assignment", "student_id", "score", "max_score"]
        )
    why = {(p.student, p.assignment): p.reason for p in problems}
    submitted = set(submissions()[0])
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
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[*fields, "status"], restval="")
    writer.writeheader()
    writer.writerows(rows)
    write_atomically(GRADES_CSV, buffer.getvalue())


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


def grade_one(api, student: str, assignment: str, salt: int | None = None) -> str | None:
    """check -> autograde -> feedback for one submission: the first problem, or None.
    Autograde runs the submission's cells in a sandbox and its tests here; feedback only
    renders the graded notebook, through `api` in this process."""
    return (
        check(student, assignment)
        or autograde(student, assignment, salt)
        or feedback(api, student, assignment)
    )


def fingerprint(paths: list[Path]) -> dict[str, str]:
    """SHA-256 of every file under paths (relative path -> digest), caches left out."""
    out: dict[str, str] = {}
    for top in paths:
        files = [top] if top.is_file() else sorted(top.rglob("*"))
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts and \
                    ".ipynb_checkpoints" not in path.parts:
                name = str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
                out[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def refuse_without_sandbox() -> None:
    """Stop unless a sandbox can be made here, or the opt-out is set (then say so, loudly)."""
    why = sandbox.probe()
    if why is None and not UNSANDBOXED:
        return
    if not UNSANDBOXED:
        sys.exit(f"make grade: cannot sandbox submissions on this machine: {why}.\n"
                 "Submitted code would run with the grader's rights. Fix the sandbox (see the "
                 "README's instructor guide), or run with BP2YOLO_UNSANDBOXED=1 to grade "
                 "without it, at your own risk.")
    banner = ("WARNING: BP2YOLO_UNSANDBOXED=1: submissions run WITHOUT a sandbox, with the "
              "grader's rights: they can read solutions/ and change the grader's files. "
              "Verdicts are still the grader's own.")
    print(f"{'!' * 80}\n{banner}\n{'!' * 80}", file=sys.stderr)
    LOGS.mkdir(exist_ok=True)
    with (LOGS / "UNSANDBOXED.log").open("a") as log:
        log.write(banner + "\n")


def grade() -> list[Problem]:
    """The pipeline: refuse, release, then check, autograde and feedback per submission, then
    verify and export."""
    refuse_without_sandbox()
    api = nbgrader_api()
    release(api)
    salt = int(SALT) if SALT else secrets.randbits(62)
    LOGS.mkdir(exist_ok=True)
    with (LOGS / "runs.log").open("a") as log:  # the grader's only: no sandbox can read it
        log.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} salt {salt}\n")
    protected = [*PROTECTED, package_folder()]
    before = fingerprint(protected)
    todo, problems = submissions()
    if not todo:
        print(f"no submissions under {SUBMITTED.relative_to(ROOT)}/<student>/<assignment>/")
    for student, assignment in todo:
        reason = grade_one(api, student, assignment, salt)
        print(f"{student:>20} {assignment:<20} {f'PROBLEM: {reason}' if reason else 'graded'}")
        if reason:
            problems.append(Problem(student, assignment, reason))
    for p in problems:
        if not p.assignment:
            print(f"{p.student:>20} {'-':<20} PROBLEM: {p.reason}")
    tampered = changed(before, fingerprint(protected))
    if tampered:
        sys.exit("make grade: STOPPED: files that no grading run may change have changed "
                 f"while it ran: {', '.join(tampered[:20])}. Nothing was exported; restore "
                 "them (git status, git checkout) and grade again.")
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
