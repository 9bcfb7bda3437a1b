"""Grade one submitted notebook with verdicts the submission cannot forge.

The submission's cells run in a sandbox (remote.py, sandbox.py). The test cells never do: the
grader runs each one, as the instructor wrote it (hidden tests included, read from solutions/,
which the sandbox cannot see), in a namespace of its own. There the setup cell's imports are the
grader's (the real bp2yolo.checks, numpy and torch), and every other name the test uses is a
proxy for what the submission defined. So a test calls the learner's function in the sandbox,
gets its outputs back as data, and compares them with its own oracle, in the grader's process:

    patching np.all, bp2yolo.checks, __import__, IPython, sys.excepthook   only in the sandbox
    shipping a bp2yolo/ beside the notebook    the sandbox sees the notebook alone
    reading solutions/, the gradebook, another student's work      not in the sandbox
    a test cell edited in the submission       the instructor's version runs instead

A test cell earns its points when it raises nothing, as in nbgrader. Its hint is the exception's
`Name: message`, never its traceback, so no line of a hidden test reaches feedback.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import copy
import ctypes
import io
import secrets
import signal
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import regions
import sandbox
from remote import Submission, SubmissionGone

CELL_TIMEOUT_S = 120.0


def meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_test(cell) -> bool:
    m = meta(cell)
    return cell.cell_type == "code" and bool(m.get("grade")) and not m.get("solution")


def is_locked_code(cell) -> bool:
    """Given code the learner may not change (setup, helpers): the instructor's version runs."""
    m = meta(cell)
    return cell.cell_type == "code" and bool(m.get("locked")) and not m.get("grade") \
        and not m.get("solution")


@dataclass
class CellVerdict:
    grade_id: str
    points: float
    max_points: float
    error: tuple[str, str] | None = None  # (exception name, message); None when it passed

    @property
    def hint(self) -> str | None:
        if self.error is None:
            return None
        name, message = self.error
        return f"{name}: {message}" if message else name


@dataclass
class Graded:
    verdicts: dict[str, CellVerdict] = field(default_factory=dict)
    outputs: dict[int, list] = field(default_factory=dict)  # cell index -> nbformat outputs
    problem: str | None = None  # set when the submission could not be graded to its end
    hidden: set[str] = field(default_factory=set)  # test cells with hidden tests

    @property
    def score(self) -> float:
        return sum(v.points for v in self.verdicts.values())


def names_used(source: str) -> list[str]:
    """Every name the cell reads (free or not: the namespace decides where it comes from)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    seen: dict[str, None] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            seen.setdefault(node.id)
    return list(seen)


class TestTimeout(SubmissionGone):
    """The grader's own part of a test cell ran past its time."""

    def __init__(self, reason: str = "timeout (the test's own computation)"):
        super().__init__(reason)


@contextlib.contextmanager
def watchdog(seconds: float):
    """TestTimeout if the grader's own part of a test cell runs past `seconds` (a loop whose
    length came from the submission's data, say). In the main thread by SIGALRM; in another
    (a Dask worker runs its tasks in threads) by an exception that a timer thread raises in
    this one. Either lands between two bytecodes, as SIGALRM's handler always does."""
    if threading.current_thread() is threading.main_thread():
        def expired(signum, frame):
            raise TestTimeout

        previous = signal.signal(signal.SIGALRM, expired)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        return
    target, lock, state = ctypes.c_ulong(threading.get_ident()), threading.Lock(), {"in": True}

    def expired():
        with lock:
            if state["in"]:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(target, ctypes.py_object(TestTimeout))

    timer = threading.Timer(seconds, expired)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            state["in"] = False
            ctypes.pythonapi.PyThreadState_SetAsyncExc(target, None)  # one not yet raised
        timer.cancel()


def stream(text: str) -> list:
    return [nbformat.v4.new_output("stream", name="stdout", text=text)] if text else []


def error_output(name: str, message: str) -> nbformat.NotebookNode:
    line = f"{name}: {message}" if message else name
    return nbformat.v4.new_output("error", ename=name, evalue=message, traceback=[line])


class Grader:
    """One submission: its cells in the sandbox, the instructor's tests here."""

    def __init__(self, sub: Submission, source_nb: nbformat.NotebookNode,
                 cell_timeout: float = CELL_TIMEOUT_S):
        self.sub = sub
        self.cell_timeout = cell_timeout
        tests = [c for c in source_nb.cells if is_test(c)]
        self.tests = {meta(c)["grade_id"]: c.source for c in tests}
        # points come from the instructor's notebook, never from the submission's metadata
        self.points = {meta(c)["grade_id"]: float(meta(c).get("points", 0)) for c in tests}
        self.locked = {meta(c)["grade_id"]: c.source for c in source_nb.cells
                       if is_locked_code(c) and "grade_id" in meta(c)}
        for gid, source in self.locked.items():  # these go to the sandbox: nothing secret
            if any(regions.has(source, kind) for kind in regions.KINDS):
                raise ValueError(f"locked cell {gid} of the source notebook has a marked region: "
                                 "it would reach the submission's sandbox")
        self.namespace: dict = {"__name__": "__grader__", "__builtins__": builtins}
        self.trusted: set[str] = set()  # names the grader defined itself

    def trusted_exec(self, source: str) -> None:
        """Run instructor code here (its printing dropped); raise what it raises."""
        before = set(self.namespace)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            try:
                exec(compile(source, "<grader>", "exec"), self.namespace)  # noqa: S102
            finally:
                self.trusted |= set(self.namespace) - before

    def bind_submission_names(self, source: str) -> None:
        """Point every name the test reads, and the grader did not define, at the submission's."""
        for name in names_used(source):
            if name in self.trusted or hasattr(builtins, name):
                continue
            try:
                self.namespace[name] = self.sub.get(name)
            except NameError:
                self.namespace.pop(name, None)

    def run_test(self, grade_id: str, points: float) -> CellVerdict:
        source = self.tests[grade_id]
        self.sub.set_deadline(self.cell_timeout)
        self.bind_submission_names(source)
        try:
            with watchdog(self.cell_timeout + 10):
                self.trusted_exec(source)
        except SubmissionGone:
            raise
        except BaseException as exc:  # noqa: BLE001 - SystemExit from a test is a failure too
            if isinstance(exc, KeyboardInterrupt):
                raise
            return CellVerdict(grade_id, 0.0, points, (type(exc).__name__, str(exc).strip()))
        return CellVerdict(grade_id, points, points)

    def run_cell(self, source: str) -> list:
        """One of the submission's cells, in the sandbox; its outputs as nbformat outputs."""
        self.sub.set_deadline(self.cell_timeout)
        text, error = self.sub.exec(source)
        outputs = stream(text)
        if error is not None:
            outputs.append(error_output(*error))
        return outputs

    def grade(self, submitted: nbformat.NotebookNode) -> Graded:
        graded = Graded(hidden={gid for gid, src in self.tests.items()
                                if regions.has(src, "hidden")})
        current = "setup"
        try:
            for index, cell in enumerate(submitted.cells):
                if cell.cell_type != "code":
                    continue
                gid = meta(cell).get("grade_id")
                current = gid or f"cell {index}"
                # a cell's role comes from the instructor's notebook, by grade_id: a submission
                # that relabels its cells changes nothing
                if gid in self.tests:
                    verdict = self.run_test(gid, self.points[gid])
                    graded.verdicts[gid] = verdict
                    if verdict.error:
                        graded.outputs[index] = [error_output(*verdict.error)]
                elif gid in self.locked:
                    graded.outputs[index] = self.run_cell(self.locked[gid])
                    with contextlib.suppress(Exception):
                        self.trusted_exec(self.locked[gid])
                else:
                    graded.outputs[index] = self.run_cell(cell.source)
            for gid, points in self.points.items():  # a test cell the submission lacks: 0
                graded.verdicts.setdefault(gid, CellVerdict(gid, 0.0, points,
                                                            ("MissingCell", "not in the notebook")))
        except SubmissionGone as gone:
            graded.problem = f"{gone.reason} in cell {current}"
        return graded


@contextlib.contextmanager
def salted(salt: int | None):
    """The hidden tests' seeds salted (bp2yolo.checks.hidden_seed) while grading, here only."""
    from bp2yolo.checks import core

    before = core.hidden_seed(0)
    core.set_hidden_salt(secrets.randbits(62) if salt is None else salt)
    try:
        yield
    finally:
        core.set_hidden_salt(before)


def grade_notebook(submitted_path: Path, source_path: Path, *, sandboxed: bool = True,
                   cell_timeout: float = CELL_TIMEOUT_S, limits: sandbox.Limits | None = None,
                   log_path: Path | None = None, salt: int | None = None,
                   ) -> tuple[nbformat.NotebookNode, Graded]:
    """Grade one notebook; (the submitted notebook as read, what the grader found). The hidden
    tests' seeds get `salt` (a fresh random one when None)."""
    return grade_text(submitted_path.read_bytes(), submitted_path.name,
                      nbformat.read(source_path, as_version=4), sandboxed=sandboxed,
                      cell_timeout=cell_timeout, limits=limits, log_path=log_path, salt=salt)


def grade_text(data: bytes, name: str, source_nb: nbformat.NotebookNode, *,
               sandboxed: bool = True, cell_timeout: float = CELL_TIMEOUT_S,
               limits: sandbox.Limits | None = None, log_path: Path | None = None,
               salt: int | None = None) -> tuple[nbformat.NotebookNode, Graded]:
    """grade_notebook for a notebook given as its bytes (a grading job carries no paths)."""
    submitted = nbformat.reads(data.decode("utf-8"), as_version=4)
    with salted(salt), tempfile.TemporaryDirectory(prefix="bp2yolo-submission-") as folder:
        # the sandbox sees this notebook and nothing else of the student's folder
        (Path(folder) / name).write_bytes(data)
        Path(folder).chmod(0o755)
        (Path(folder) / name).chmod(0o644)
        try:
            sub = Submission.start(Path(folder), sandboxed=sandboxed, limits=limits,
                                   log_path=log_path)
        except SubmissionGone as gone:
            return submitted, Graded(problem=gone.reason)
        with sub:
            return submitted, Grader(sub, source_nb, cell_timeout).grade(submitted)


def autograded_notebook(submitted: nbformat.NotebookNode, release: nbformat.NotebookNode,
                        graded: Graded) -> nbformat.NotebookNode:
    """What nbgrader's autograde would have written: the submission, with every test cell and
    locked cell as released (no hidden test: the release has none) and the grader's outputs."""
    from feedback import PLACEHOLDER

    nb = copy.deepcopy(submitted)
    released = {meta(c).get("grade_id"): c for c in release.cells if meta(c).get("grade_id")}
    for index, cell in enumerate(nb.cells):
        gid = meta(cell).get("grade_id")
        if gid in released and (is_test(released[gid]) or is_locked_code(released[gid])
                                or meta(released[gid]).get("locked")):
            cell.source = released[gid].source
            cell.metadata["nbgrader"] = copy.deepcopy(meta(released[gid]))
            if gid in graded.hidden:  # say that more tests ran than the learner sees
                cell.source = f"{cell.source.rstrip()}\n\n{PLACEHOLDER}"
        elif gid in released:
            cell.metadata["nbgrader"] = copy.deepcopy(meta(released[gid]))
        if cell.cell_type == "code":
            cell.outputs = graded.outputs.get(index, [])
            cell.execution_count = None
        assert not regions.has(cell.source, "hidden"), "a hidden test in the autograded notebook"
    return nb
