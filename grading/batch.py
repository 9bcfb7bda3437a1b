"""One submission graded as a job: data in, data out, so any worker can run it.

    Job      what the instructor's process sends: the submitted notebook's bytes, the salt,
             the limits, the hand grades already given (for the feedback page), the grader's
             version; with it go the instructor's and the release's notebooks as text
    Result   what comes back: a problem with its reason, or the autograded notebook, its
             feedback page and its automatic grades, with the runner's log

grade_job() checks the notebook, runs it through trusted.py (the submission in a sandbox on
the worker, the tests in the worker's process), and renders the feedback page. It reads no file
of the course and writes none: a worker needs the course's code and environment, not its
folders (no shared filesystem). Only the instructor's process writes the gradebook and the
files (course.py), from Results.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import tempfile
import warnings
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import nbformat
import regions

HERE = Path(__file__).resolve().parent
CODE = [*sorted(HERE.glob("*.py")), *sorted((HERE / "sandboxed").glob("*.py")),
        *sorted((HERE.parent / "tools").glob("*.py"))]


@dataclass(frozen=True)
class Job:
    student: str
    assignment: str
    name: str  # the notebook's file name, as released
    notebook: bytes  # the submitted notebook, as submitted
    salt: int
    version: str  # the grader's version (version()) in the instructor's process
    unsandboxed: bool = False
    cell_timeout: float = 120.0
    submission_timeout: float = 900.0
    manual: dict = field(default_factory=dict)  # grade_id -> {"score", "comment"} given by hand


@dataclass
class Result:
    student: str
    assignment: str
    problem: str | None = None  # why it could not be graded; None when graded
    retry: bool = False  # the problem is the grading machinery's, not the submission's
    autograded: str | None = None  # the autograded notebook (nbformat text)
    feedback: str | None = None  # the feedback page (HTML)
    grades: dict = field(default_factory=dict)  # grade_id -> auto_score, max_score, auto_comment
    log: str = ""  # the runner's stderr
    worker: str = ""


@cache
def version() -> str:
    """The grader's code and the bp2yolo package it grades with, as one digest: a worker that
    runs other code than the instructor's process refuses the job."""
    import bp2yolo

    package = Path(bp2yolo.__file__).parent
    digest = hashlib.sha256()
    for path in [*CODE, *sorted(package.rglob("*.py"))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def grade_ids(nb: nbformat.NotebookNode) -> list[str]:
    return [
        c.metadata["nbgrader"]["grade_id"]
        for c in nb.cells
        if c.get("metadata", {}).get("nbgrader", {}).get("grade")
        and "grade_id" in c.metadata["nbgrader"]
    ]


def read_notebook(name: str, data: bytes) -> nbformat.NotebookNode:
    """A submitted notebook from its bytes, or ValueError saying why it cannot be graded."""
    try:
        parsed = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{name} is not a text file") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{name} is not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(parsed, dict) or "cells" not in parsed:
        raise ValueError(f"{name} is JSON but not a notebook (no cells)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. duplicate cell ids, which nbformat "corrects"
            nb = nbformat.reads(json.dumps(parsed), as_version=4)
            nbformat.validate(nb)
    except Exception as exc:  # noqa: BLE001 - nbformat raises several kinds
        raise ValueError(f"{name} is not a valid notebook ({type(exc).__name__})") from None
    return nb


def is_instructor_copy(nb: nbformat.NotebookNode) -> bool:
    """The source notebook's marked regions: a learner's notebook never has them."""
    for cell in nb.cells:
        try:
            if any(regions.has(cell.source, kind) for kind in ("hidden", "solution")):
                return True
        except regions.RegionError:
            return True  # a half-copied marker
    return False


def check(name: str, data: bytes, release: nbformat.NotebookNode) -> str | None:
    """Why this notebook cannot be graded, or None when it can."""
    try:
        nb = read_notebook(name, data)
    except ValueError as exc:
        return str(exc)
    ids = grade_ids(nb)
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        return f"{name}: duplicate grade cells {', '.join(duplicates)}"
    missing = [i for i in grade_ids(release) if i not in ids]
    if missing:
        return f"{name}: missing grade cells {', '.join(missing)}"
    if is_instructor_copy(nb):
        return (f"{name} is a copy of the instructor's source notebook (it holds solution or "
                "hidden-test regions), not the learner's work: not graded")
    return None


def automatic_grades(autograded: nbformat.NotebookNode, verdicts: dict) -> dict[str, dict]:
    """grade_id -> auto_score, max_score (None: no grade), auto_comment, commented (the cell has
    a comment: written answers and tasks), as nbgrader's autograde records them:
    a test cell scores the grader's verdict; a written answer left as released scores 0 and
    says "No response.", any other needs a human (auto_score None)."""
    from nbgrader import utils

    out: dict[str, dict] = {}
    for cell in autograded.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        gid = meta.get("grade_id")
        entry: dict = {"auto_score": None, "max_score": None, "auto_comment": None,
                       "commented": bool(meta.get("solution") or meta.get("task"))}
        if meta.get("grade"):
            if gid in verdicts:
                entry["auto_score"] = verdicts[gid].points
            else:
                entry["auto_score"], _ = utils.determine_grade(cell)
            entry["max_score"] = float(meta.get("points", 0))
        if entry["commented"]:
            unchanged = meta.get("checksum") == utils.compute_checksum(cell)
            entry["auto_comment"] = ("No response." if unchanged and not meta.get("task")
                                     else None)
        if meta.get("grade") or meta.get("solution") or meta.get("task"):
            out[gid] = entry
    return out


def feedback_grades(grades: dict[str, dict], manual: dict[str, dict]) -> dict[str, dict]:
    """What the feedback page shows: a hand grade or comment wins over the automatic one."""
    out = {}
    for gid, entry in grades.items():
        given = manual.get(gid, {})
        score = given.get("score")
        comment = given.get("comment")
        out[gid] = {"score": entry["auto_score"] if score is None else score,
                    "points": entry["max_score"],
                    "comment": entry["auto_comment"] if comment is None else comment}
    return out


def grade_job(job: Job, source_text: str, release_text: str) -> Result:
    """Grade one submission (in a worker): check, sandboxed run, verdicts, feedback page.
    source_text and release_text: the instructor's and the release's notebooks."""
    import feedback
    import sandbox
    import trusted

    result = Result(job.student, job.assignment, worker=worker_name())
    if job.version != version():
        result.problem, result.retry = (
            f"the worker {result.worker} runs other grader code ({version()}) than the "
            f"instructor's ({job.version}): not graded; update and restart that worker"), True
        return result
    release = nbformat.reads(release_text, as_version=4)
    result.problem = check(job.name, job.notebook, release)
    if result.problem:
        return result
    source = nbformat.reads(source_text, as_version=4)
    with tempfile.TemporaryDirectory(prefix="bp2yolo-job-") as folder:
        log_path = Path(folder) / "runner.log"
        submitted, graded = trusted.grade_text(
            job.notebook, job.name, source, sandboxed=not job.unsandboxed,
            cell_timeout=job.cell_timeout, limits=sandbox.Limits(wall_s=job.submission_timeout),
            log_path=log_path, salt=job.salt)
        result.log = log_path.read_text(errors="replace") if log_path.exists() else ""
    if graded.problem:
        result.problem = graded.problem
    else:
        autograded = trusted.autograded_notebook(submitted, release, graded)
        result.grades = automatic_grades(autograded, graded.verdicts)
        result.autograded = nbformat.writes(autograded) + "\n"
        result.feedback = feedback.render(autograded, Path(job.name).stem,
                                          feedback_grades(result.grades, job.manual))
    return result


def worker_name() -> str:
    """This process's name as a Dask worker (its host and name), or its host and pid."""
    try:
        from distributed import get_worker

        worker = get_worker()
        return f"{socket.gethostname()}/{worker.name}"
    except (ImportError, ValueError):
        return f"{socket.gethostname()}/pid {os.getpid()}"
