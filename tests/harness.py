"""Run an nbgrader notebook's code cells in-process, fast, with some cells swapped out.

This is how the suite proves that an assignment's tests can fail: replace a solution cell with a
mutant (a wrong implementation of a classic mistake), run the notebook, and look at which graded
test cells raised and with what message.

Convention for assignment notebooks: code cells are plain Python (no `%magics`, no `!shell`), so
they can run with `exec`. The real kernel runs (nbgrader autograde, nbclient) are in other tests.
"""

from __future__ import annotations

import contextlib
import io
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import regions

ROOT = Path(__file__).resolve().parents[1]
TESTS = ("all", "visible", "hidden", "none")  # which parts of the test cells run
# The 0-point test cell, right after setup, whose hidden region defines the helpers that the
# other cells' hidden regions share. It always runs (its visible part is a comment).
HIDDEN_HELPERS = "hidden_helpers"


@dataclass(frozen=True)
class Outcome:
    """What happened when one code cell ran."""

    grade_id: str | None
    ok: bool
    error_type: str | None = None
    message: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"{self.grade_id}: passed"
        return f"{self.grade_id}: {self.error_type}: {self.message}"


def load(path: str | Path) -> nbformat.NotebookNode:
    return nbformat.read(str(ROOT / path), as_version=4)


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def grade_id(cell) -> str | None:
    return nbgrader_meta(cell).get("grade_id")


def is_test_cell(cell) -> bool:
    """A graded, autograded test cell (not a solution, not a written answer)."""
    meta = nbgrader_meta(cell)
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def test_source(source: str, tests: str) -> str:
    """The part of a test cell's source that runs when `tests` run: the whole cell ("all"), the
    cell as released ("visible"), its hidden regions alone ("hidden", which proves that hidden
    regions do not rely on names that only the visible part defines) or nothing ("none")."""
    if tests == "all":
        return source
    if tests == "visible":
        return regions.remove(source, "hidden")
    if tests == "hidden":
        return regions.keep(source, "hidden")
    if tests == "none":
        return ""
    raise ValueError(f"tests must be one of {TESTS}, got {tests!r}")


def run(
    path: str | Path,
    replace: dict[str, str] | None = None,
    *,
    tests: str = "all",
    only_test: str | None = None,
    namespace: dict | None = None,
) -> dict[str, Outcome]:
    """Execute the notebook's code cells in order in one fresh namespace.

    replace: grade_id -> new source for that cell (a mutant, or a learner's answer).
    tests: which parts of the test cells run: "all", "visible", "hidden" or "none" (see
        test_source).
    only_test: run no test cell but this one, and stop after it (test cells define nothing that
        later cells use, so this gives the same outcome for it, faster).
    namespace: the dict to run the cells in, which keeps the names they define (a fresh one by
        default).
    Returns an Outcome for every cell that has a grade_id. Like nbgrader, a failing cell does not
    stop the cells after it.
    """
    test_source("", tests)  # reject a bad `tests` before running anything
    replace = dict(replace or {})
    nb = load(path)
    namespace = {"__name__": "__main__"} if namespace is None else namespace
    outcomes: dict[str, Outcome] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        gid = grade_id(cell)
        if only_test is not None and is_test_cell(cell) and gid not in (only_test, HIDDEN_HELPERS):
            continue
        source = replace.pop(gid, cell.source) if gid else cell.source
        if is_test_cell(cell):
            source = test_source(source, tests)
        outcome = _exec(gid, source, namespace, f"<cell {gid or '?'}>")
        if gid:
            outcomes[gid] = outcome
        if only_test is not None and gid == only_test:
            break
    if only_test is not None and only_test not in outcomes:
        raise KeyError(f"no test cell with grade_id {only_test!r} in {path}")
    if replace:
        raise KeyError(f"no cells with grade_id {sorted(replace)} in {path}")
    return outcomes


def _exec(gid: str | None, source: str, namespace: dict, filename: str) -> Outcome:
    sink = io.StringIO()
    try:
        code = compile(source, filename, "exec")
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            exec(code, namespace)
    except Exception as exc:  # noqa: BLE001 - a cell may raise anything
        message = str(exc) or traceback.format_exception_only(type(exc), exc)[-1].strip()
        return Outcome(gid, False, type(exc).__name__, message)
    finally:
        _close_figures()
    return Outcome(gid, True)


def _close_figures() -> None:
    import sys

    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")


def defined(path: str | Path) -> dict:
    """The names the notebook defines when its cells run with no test cell (a fresh namespace);
    the setup and solution cells must all run."""
    namespace = {"__name__": "__main__"}
    outcomes = run(path, tests="none", namespace=namespace)
    assert not failures(outcomes), failures(outcomes)
    return namespace


def test_cells_source(path: str | Path) -> str:
    """The source of every test cell, joined: where a notebook calls its checks."""
    return "\n".join(c.source for c in load(path).cells if is_test_cell(c))


test_cells_source.__test__ = False  # a helper, not a pytest test


def assert_checks_called(source: str, module: Any, calls: dict[str, str]) -> None:
    """A chapter's visible checks are exactly the keys of `calls`, the check_* names of
    bp2yolo.checks.chNN (`module`), and `source`, its assignment's test cells, calls each one
    as written: check name -> the call's argument text, e.g. {"check_relu": "relu_forward,
    relu_backward"} for `check_relu(relu_forward, relu_backward)`."""
    for check, args in calls.items():
        assert f"{check}({args})" in source, f"the test cells never call {check}({args})"
    assert sorted(calls) == sorted(n for n in dir(module) if n.startswith("check_"))


def failures(outcomes: dict[str, Outcome]) -> dict[str, Outcome]:
    return {gid: o for gid, o in outcomes.items() if not o.ok}


def secret_lines(nb: nbformat.NotebookNode, *, hidden_only: bool = False) -> set[str]:
    """Lines a release must never contain: solution code, hidden tests, model answers.
    With hidden_only, just the hidden tests: what feedback must never contain (a learner's
    feedback does contain their own solution).

    A line that also appears outside every secret region of the source (a shared import, say) is
    not secret. Short lines (under 12 characters, e.g. `return x`) are ignored as too common.
    """
    kinds = {"hidden"} if hidden_only else set(regions.KINDS)
    secret, public = set(), set()
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "markdown" and meta.get("solution"):
            if not hidden_only:
                secret.update(ln.strip() for ln in cell.source.splitlines())  # the model answer
            continue
        for line in regions.parse(cell.source):
            if not line.marker:
                (secret if line.region in kinds else public).add(line.text.strip())
    return {s for s in secret - public if len(s) >= 12 and not s.startswith("#")}
