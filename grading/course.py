"""Instructor tooling: `python grading/course.py release | grade [--force]`. The Makefile calls
it.

The grading pipeline, one named step each (grade() below reads as the list):

    refuse     no grading without a sandbox (sandbox.probe()), unless BP2YOLO_UNSANDBOXED=1,
               which is logged loudly on every run
    release    regenerate assignments/ from solutions/ with nbgrader's API (deterministic: a
               second run changes no byte); a fresh clone gets its gradebook
    plan       every submission under grading/submitted/<student>/<assignment>/ that is new
               or changed (its notebook and timestamp.txt hashed, under the release's version)
               becomes a job; the others keep their grades (--force grades them again)
    grade      the jobs run on the workers (engine.py: Dask, local processes by default, one
               per core): each checks its notebook, runs it in a sandbox, the instructor's
               tests in the worker against what comes back, and renders the feedback page
               (batch.py, trusted.py); a timeout or a dead sandbox makes it ungradable
    keep       this process alone writes what comes back, as it comes: the autograded
               notebook, the gradebook rows, the feedback page, then the marker a re-run reads
    export     grading/grades.csv (nbgrader's export plus a status column) and
               grading/problems.csv (student,assignment,reason), each replaced in one step
    verify     solutions/, assignments/, the bp2yolo package, tools/ and the grader's code are
               byte for byte what they were before the first submission ran; else it stops

One broken submission never stops the others and is never reported as a zero: grades.csv gives
it no score and says why in its `status` column. Every path, and the gradebook's URL, is in
paths.py. nbgrader's API here is configured by nbgrader_config.py in this folder.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

# Grading runs on the CPU: the sandbox has no GPU, so the tests must not hand it CUDA tensors.
os.environ["CUDA_VISIBLE_DEVICES"] = ""

_HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(_HERE), str(_HERE.parent / "tools")]  # paths.py; the chapter list
import batch  # noqa: E402
import chapters  # noqa: E402
import engine  # noqa: E402
import feedback  # noqa: E402
import sandbox  # noqa: E402
from paths import (  # noqa: E402
    AUTOGRADED,
    FEEDBACK,
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


# ---------------------------------------------------------------- one submission


def notebook_path(student: str, assignment: str) -> Path:
    return SUBMITTED / student / assignment / chapters.by_name(assignment).release.name


def where(student: str, assignment: str) -> str | None:
    """Why there is nothing to grade in this folder, or None: the notebook is there."""
    if assignment not in assignments():
        return f"unknown assignment {assignment!r}"
    if not notebook_path(student, assignment).exists():
        return f"missing notebook {chapters.by_name(assignment).release.name}"
    return None


def content_key(student: str, assignment: str) -> str:
    """What a re-run compares: the submitted notebook and its timestamp.txt, hashed."""
    digest = hashlib.sha256(notebook_path(student, assignment).read_bytes())
    with contextlib.suppress(OSError):
        digest.update(b"\0timestamp\0" + (SUBMITTED / student / assignment /
                                          "timestamp.txt").read_bytes())
    return digest.hexdigest()


def release_version(assignment: str) -> str:
    """The release's version: its instructor's and released notebooks and the grader's code."""
    chapter = chapters.by_name(assignment)
    digest = hashlib.sha256(batch.version().encode())
    for path in (chapter.source, chapter.release):
        digest.update(b"\0" + path.read_bytes())
    return digest.hexdigest()


def marker_path(student: str, assignment: str) -> Path:
    """What the last run found for this submission (content key, release version, outcome)."""
    return AUTOGRADED / student / assignment / ".graded.json"


def read_marker(student: str, assignment: str) -> dict:
    try:
        return json.loads(marker_path(student, assignment).read_text())
    except (OSError, ValueError):
        return {}


def stored_grades(gb, student: str, assignment: str) -> tuple[dict, dict]:
    """What the gradebook holds for this submission: its automatic grades (as
    batch.automatic_grades gives them) and grade_id -> the hand score and comment given."""
    from nbgrader.api import MissingEntry

    notebook = chapters.by_name(assignment).release.stem
    try:
        nb = gb.find_submission_notebook(notebook, assignment, student)
    except MissingEntry:
        return {}, {}
    grades: dict[str, dict] = {}
    manual: dict[str, dict] = {}
    empty = {"auto_score": None, "max_score": None, "auto_comment": None, "commented": False}
    for grade in nb.grades:
        grades.setdefault(grade.name, dict(empty)).update(auto_score=grade.auto_score,
                                                          max_score=grade.max_score)
        if grade.manual_score is not None:
            manual.setdefault(grade.name, {})["score"] = grade.manual_score
    for comment in nb.comments:
        grades.setdefault(comment.name, dict(empty)).update(auto_comment=comment.auto_comment,
                                                            commented=True)
        if comment.manual_comment is not None:
            manual.setdefault(comment.name, {})["comment"] = comment.manual_comment
    return grades, manual


def keep(gb, result: batch.Result, key: str, version: str, manual: dict) -> str | None:
    """Write what a worker found: the log; then, for a graded submission, the autograded
    notebook, the gradebook rows and the feedback page; last the marker a re-run reads. The
    first problem, or None."""
    student, assignment = result.student, result.assignment
    LOGS.mkdir(exist_ok=True)
    write_atomically(LOGS / f"{student}--{assignment}.log", result.log)
    name = chapters.by_name(assignment).release.name
    if result.problem is None:
        folder = AUTOGRADED / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(folder / name, result.autograded)
        record(gb, student, assignment, Path(name).stem, result.grades)
        page = FEEDBACK / student / assignment / f"{Path(name).stem}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(page, result.feedback)
    if not result.retry:
        marker_path(student, assignment).parent.mkdir(parents=True, exist_ok=True)
        write_atomically(marker_path(student, assignment), json.dumps(
            {"key": key, "version": version, "problem": result.problem, "manual": manual}))
    return result.problem


def record(gb, student: str, assignment: str, notebook: str, grades: dict[str, dict]) -> None:
    """Write one submission's automatic grades into the gradebook, as nbgrader's autograde
    would (batch.automatic_grades made them). Manual scores already there are kept; a score
    above the gradebook's maximum stops the run."""
    gb.update_or_create_student(student)
    gb.update_or_create_submission(assignment, student, **submitted_at(student, assignment))
    for gid, entry in grades.items():
        if entry["max_score"] is not None:
            grade = gb.find_grade(gid, notebook, assignment, student)
            grade.auto_score = entry["auto_score"]
            if grade.auto_score is not None and grade.auto_score > grade.max_score:
                raise SystemExit(f"{student}/{assignment}: {gid} scored {grade.auto_score} "
                                 f"of at most {grade.max_score}: refusing to record it")
            grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
        if entry["commented"]:
            gb.find_comment(gid, notebook, assignment, student).auto_comment = \
                entry["auto_comment"]
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
    """Replace path with text in one step: a reader (or a killed run) sees old or new, whole.
    Readable by all (0644), as nbgrader writes its files."""
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", newline="") as file:
        file.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


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
    fields = list(rows[0].keys()) if rows else ["assignment", "student_id", "score", "max_score"]
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
    rows.sort(key=lambda row: (row["assignment"], row["student_id"]))  # whatever the database
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


def plan(gb, todo: list[tuple[str, str]], salt: int, force: bool,
         ) -> tuple[list[tuple[batch.Job, str, str]], list[tuple[str, str, str | None]],
                    list[Problem]]:
    """(job, content key, release version) for every submission to grade now;
    (student, assignment, problem or None) for those a re-run leaves as they are (the same
    notebook under the same release, already graded; `force` grades them again); and a
    problem for every folder with nothing to grade."""
    jobs, kept, absent = [], [], []
    versions = {a: release_version(a) for a in {a for _, a in todo if a in assignments()}}
    for student, assignment in todo:
        reason = where(student, assignment)
        if reason:
            absent.append(Problem(student, assignment, reason))
            continue
        key, version = content_key(student, assignment), versions[assignment]
        stored, manual = stored_grades(gb, student, assignment)  # {}: not in the gradebook
        last = read_marker(student, assignment)
        if not force and last.get("key") == key and last.get("version") == version and (
                last.get("problem") or (stored and (
                    AUTOGRADED / student / assignment / notebook_path(student, assignment).name
                ).exists())):
            if last.get("problem") is None and last.get("manual") != manual:
                refresh_feedback(student, assignment, stored, manual, last)
            kept.append((student, assignment, last.get("problem")))
            continue
        jobs.append((batch.Job(
            student, assignment, chapters.by_name(assignment).release.name,
            notebook_path(student, assignment).read_bytes(), salt, batch.version(),
            unsandboxed=UNSANDBOXED, cell_timeout=CELL_TIMEOUT_S,
            submission_timeout=SUBMISSION_TIMEOUT_S, manual=manual), key, version))
    return jobs, kept, absent


def refresh_feedback(student: str, assignment: str, grades: dict, manual: dict,
                     last: dict) -> None:
    """A kept submission whose hand grades changed since its feedback page was made: the page
    again, from its autograded notebook and the gradebook's grades now."""
    name = chapters.by_name(assignment).release.name
    autograded = nbformat.read(AUTOGRADED / student / assignment / name, as_version=4)
    page = FEEDBACK / student / assignment / f"{Path(name).stem}.html"
    write_atomically(page, feedback.render(autograded, Path(name).stem,
                                           batch.feedback_grades(grades, manual)))
    write_atomically(marker_path(student, assignment), json.dumps({**last, "manual": manual}))


def say(student: str, assignment: str, reason: str | None, note: str = "") -> str:
    outcome = f"PROBLEM: {reason}" if reason else "graded"
    return f"{student:>20} {assignment or '-':<20} {outcome}{note}"


def grade(force: bool = False) -> list[Problem]:
    """The pipeline: refuse, release, then grade every new or changed submission on the
    workers (check, sandboxed run, verdicts, feedback page) while this process records each
    result as it comes, then verify and export."""
    from nbgrader.api import Gradebook
    from tqdm import tqdm

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
    with Gradebook(GRADEBOOK_URL) as gb:
        jobs, kept, absent = plan(gb, todo, salt, force)
        for p in absent:
            print(say(p.student, p.assignment, p.reason))
        problems += absent
        for student, assignment, reason in kept:
            print(say(student, assignment, reason, " (unchanged: kept)"))
            if reason:
                problems.append(Problem(student, assignment, reason))
        texts = {a: (chapters.by_name(a).source.read_text(encoding="utf-8"),
                     chapters.by_name(a).release.read_text(encoding="utf-8"))
                 for a in {job.assignment for job, _, _ in jobs}}
        meta = {(job.student, job.assignment): (key, version, job.manual)
                for job, key, version in jobs}
        if jobs:
            started = time.monotonic()
            with engine.Engine() as workers:
                print(f"grading {len(jobs)} submission{'s' if len(jobs) != 1 else ''} with "
                      f"{workers.describe()}", flush=True)
                bar = tqdm(total=len(jobs), unit="nb", file=sys.stderr, mininterval=1,
                           dynamic_ncols=True, disable=None)
                recording = 0.0  # this process's own time per result: its ceiling
                for result in workers.run([job for job, _, _ in jobs], texts):
                    begin = time.monotonic()
                    reason = keep(gb, result, *meta[(result.student, result.assignment)])
                    recording += time.monotonic() - begin
                    bar.write(say(result.student, result.assignment, reason), file=sys.stdout)
                    bar.update()
                    if reason:
                        problems.append(Problem(result.student, result.assignment, reason))
                bar.close()
            seconds = time.monotonic() - started
            print(f"graded {len(jobs)} in {seconds:.1f} s ({seconds / len(jobs):.2f} s per "
                  "notebook, the workers' start included; recording them here took "
                  f"{1000 * recording / len(jobs):.0f} ms per notebook)")
    for p in problems:
        if not p.assignment:
            print(say(p.student, "", p.reason))
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


def main(argv: list[str]) -> None:
    usage = "usage: python grading/course.py release | grade [--force]"
    if argv == ["release"]:
        release()
    elif argv[:1] == ["grade"] and set(argv[1:]) <= {"--force"}:
        grade(force="--force" in argv)
    else:
        sys.exit(usage)


if __name__ == "__main__":
    main(sys.argv[1:])
