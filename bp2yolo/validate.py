"""What nbgrader's Validate shows a learner: one line per failing test, then its hint.

nbgrader's Validate (the toolbar button and `nbgrader validate`) runs a copy of the notebook and
lists every graded cell that failed, with the cell's whole source and its whole traceback. The
learner's config (jupyter/learner/nbgrader_config.py) adds these preprocessors to
Validator.preprocessors, so that instead:

    HintsFirst           each failing test shows as one line, `test_log_cosh_model (3 points)`,
                         and its error as the hint, wrapped to 80 columns, with no traceback
                         through bp2yolo, numpy or torch; a lesson (a notebook with no graded
                         cells) reports that it has nothing to validate and names its assignment
    ExecuteAssignments   nbgrader's Execute, skipped for a lesson (nothing there is graded)

Checksums stay honest: nbgrader decides that a learner edited a locked cell by comparing its
checksum after these preprocessors ran, so a cell's source is replaced (and its checksum
recomputed) only when the checksum matched before; an edited cell keeps its source and is still
reported as changed.
"""

from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path

import nbformat
from nbgrader import utils
from nbgrader.preprocessors import Execute, NbGraderPreprocessor

from bp2yolo.checks.report import BOLD, NOT_WRITTEN, RED, RESET, WIDTH

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
STDERR_LINES = 8  # of a test's stderr, when that is why it failed
LESSON_ID = "lesson"


def visible(line: str) -> str:
    """The line as it shows on screen: ANSI colour codes removed."""
    return ANSI.sub("", line)


def rewrap(lines: list[str], width: int = WIDTH) -> list[str]:
    """Every line at most `width` visible columns: a longer one is wrapped (and loses its colour),
    keeping its indentation."""
    out: list[str] = []
    for line in "\n".join(lines).split("\n"):
        text = visible(line).rstrip()
        if len(text) <= width:
            out.append(line.rstrip())
            continue
        indent = text[: len(text) - len(text.lstrip())]
        more = indent + "  " if indent else ""  # a wrapped code line is indented once more
        out += textwrap.wrap(text.strip(), width, initial_indent=indent, subsequent_indent=more,
                             break_on_hyphens=False)
    return out


FRAME = re.compile(r"^(\s*)Cell In\[(\d+)\], line (\d+)(?:, in (.+))?$")


def _where(line: str, count: int | None) -> str:
    """A frame line `Cell In[7], line 14, in f(x)` as a learner can use it in Validate's report.

    The `In[7]` there counts the cells of Validate's own run, not the learner's kernel, so it
    is dropped: `line 3 of the test` for the failing test cell itself, else `in f(x), line 14`.
    """
    match = FRAME.match(visible(line))
    if not match:
        return line
    indent, number, lineno, function = match.groups()
    if count is not None and int(number) == count:
        return f"{indent}line {lineno} of the test"
    if function and function != "<module>":
        return f"{indent}in {function}, line {lineno}"
    return f"{indent}line {lineno} of a cell above the test"


def _location(traceback: list[str], count: int | None) -> list[str]:
    """The last notebook frame of a full IPython traceback and its code line."""
    lines = visible("\n".join(traceback)).split("\n")
    cells = [i for i, line in enumerate(lines) if FRAME.match(line)]
    if not cells:
        return []
    where = [_where("  " + lines[cells[-1]].strip(), count)]
    for line in lines[cells[-1] + 1:]:
        match = re.match(r"-*>\s*\d+\s(.*)", line)
        if match:
            return [*where, "    " + match.group(1).strip()]
    return where


def _stub_function(traceback: list[str]) -> str | None:
    """The function whose `raise NotImplementedError()` a full traceback ends in, if any."""
    lines = [line for line in visible("\n".join(traceback)).split("\n") if FRAME.match(line)]
    if not lines:
        return None
    function = FRAME.match(lines[-1]).group(4)
    return function.split("(")[0] if function and function != "<module>" else None


def hint_lines(output: dict, count: int | None = None) -> list[str]:
    """An error output as the learner should read it in Validate: the hint first, at most
    WIDTH columns, no package internals.

    count: the execution count of the cell the error is in (to name its own lines).

    A traceback that bp2yolo.checks already shortened (a HintError, or an error inside the
    learner's code under @check) is kept, wrapped, its frame lines made readable. A full IPython
    traceback (an error the checks did not catch) becomes `Name: message` and the notebook line
    where it happened; a stub's becomes the line bp2yolo.checks would have shown.
    """
    traceback = list(output.get("traceback") or [])
    ename, evalue = output.get("ename", "Error"), output.get("evalue", "")
    if traceback and "Traceback (most recent call last)" not in visible("\n".join(traceback)):
        return rewrap([_where(line, count) for line in traceback])
    function = _stub_function(traceback) if ename == "NotImplementedError" else None
    if function and not evalue:
        return [RED + line + RESET for line in rewrap([f"{function} {NOT_WRITTEN}"])]
    head = textwrap.wrap(f"{ename}: {evalue}" if evalue else ename, WIDTH,
                         break_on_hyphens=False) or [ename]
    head[0] = head[0].replace(ename, f"{RED}{BOLD}{ename}{RESET}{RED}", 1) + RESET
    return rewrap(head + _location(traceback, count))


def print_error(validator, source: str, error: str) -> None:
    """The CLI's entry for one failing cell (`nbgrader validate` in a terminal): a rule with the
    cell's one line, then its hint, instead of nbgrader's eight lines of layout around them, so
    the blank release of an assignment with nine tests fits on one screen. The learner's config
    puts it in place of Validator._print_error; Validate's dialog is unchanged."""
    validator.stream.write(f"\n--- {source} failed:\n{validator._indent(error)}\n")


def label(cell: dict) -> str:
    """The one line that stands for a graded cell: `test_log_cosh_model (3 points)`."""
    meta = cell["metadata"]["nbgrader"]
    points = float(meta.get("points", 0))
    text = f"{meta.get('grade_id', '?')} ({points:g} point{'' if points == 1 else 's'}"
    # A written answer fails Validate only while it is unanswered (nbgrader then says "You did
    # not provide a response"); say that it is graded by hand, so it does not read as a test.
    return text + (", written answer, graded by hand: not answered yet)"
                   if cell.get("cell_type") == "markdown" else ")")


def _failed(cell: dict) -> bool:
    """Whether nbgrader's validator will list this graded cell as failed."""
    if not utils.is_grade(cell):
        return False
    if cell["cell_type"] == "code":
        return utils.has_failed(cell)
    score, _ = utils.determine_grade(cell)
    return score is not None and score < float(cell["metadata"]["nbgrader"].get("points", 0))


def _short_outputs(cell: dict) -> list:
    """The cell's outputs reduced to the one that says why it failed, the hint first."""
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if errors:
        error = errors[0]
        error["traceback"] = hint_lines(error, cell.get("execution_count"))
        return [error]
    stderr = "".join(
        o.get("text", "") for o in cell.get("outputs", [])
        if o.get("output_type") == "stream" and o.get("name") == "stderr"
    )
    lines = rewrap(stderr.rstrip("\n").split("\n"))
    if len(lines) > STDERR_LINES:
        lines = lines[:STDERR_LINES] + ["..."]
    head = "This test wrote to stderr (a warning?), which counts as a failure:"
    return [nbformat.v4.new_output("stream", name="stderr", text="\n".join([head, *lines]) + "\n")]


def _shorten(cell: dict) -> None:
    """Replace a failing graded cell's source by its label, and its outputs by its hint.

    The source is replaced only where the checksum still matches (the learner did not edit the
    cell), and the checksum is then recomputed: nbgrader's check for edited cells runs after
    this, and must still find exactly the cells the learner edited.
    """
    meta = cell["metadata"]["nbgrader"]
    if cell["cell_type"] == "code":
        cell["outputs"] = _short_outputs(cell)
    checksum = meta.get("checksum")
    if checksum is None or checksum == utils.compute_checksum(cell):
        cell["source"] = label(cell)
        if checksum is not None:
            meta["checksum"] = utils.compute_checksum(cell)


def is_lesson(nb: dict) -> bool:
    """A lesson has no graded cells: Validate has nothing to check in it."""
    return not any(utils.is_grade(cell) for cell in nb["cells"])


def _notebook_file(nb: dict, folder: Path) -> Path | None:
    """Which notebook in `folder` (the validator's working directory) `nb` was read from."""
    sources = [cell["source"] for cell in nb["cells"]]
    for path in sorted(folder.glob("*.ipynb")):
        try:
            other = nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001 - any unreadable file is simply not this notebook
            continue
        if [cell["source"] for cell in other.cells] == sources:
            return path
    return None


def lesson_message(nb: dict, folder: Path) -> tuple[str, str]:
    """(the one-line title, the explanation) that Validate shows for a lesson."""
    path = _notebook_file(nb, folder)
    name = path.name if path else "This notebook"
    root = next((d for d in (folder, *folder.parents) if (d / "assignments").is_dir()), None)
    prefix = path.name.split("_")[0] if path else None
    matches = sorted((root / "assignments").glob(f"{prefix}_*")) if root and prefix else []
    if matches:
        notebooks = sorted(p.name for p in matches[0].glob("*.ipynb"))
        where = f"assignments/{matches[0].name}/" + (notebooks[0] if len(notebooks) == 1 else "")
        then = f"Its assignment is {where}: open it, do the exercises and press Validate there."
    else:
        then = "The assignments are in assignments/NN_name/: press Validate in one of those."
    title = f"nothing to validate: {name} is a lesson"
    text = (f"{name} is a lesson: it has no tests, so there is nothing to validate (and nothing "
            f"to submit).\n{then}")
    return title, text


def lesson_cell(title: str, text: str) -> nbformat.NotebookNode:
    """A graded cell worth 0 points that failed with `text`: nbgrader's Validate lists it (its
    dialog shows a failed cell's source and error, and nothing else a preprocessor can set)."""
    lines = [line for paragraph in text.split("\n") for line in rewrap([paragraph])]
    cell = nbformat.v4.new_code_cell(source=title)
    cell.metadata["nbgrader"] = {
        "grade": True, "solution": False, "locked": False, "task": False,
        "grade_id": LESSON_ID, "points": 0, "schema_version": 3,
    }
    cell.outputs = [nbformat.v4.new_output(
        "error", ename="Lesson", evalue=text, traceback=lines)]
    return cell


class HintsFirst(NbGraderPreprocessor):
    """Failing tests as one line each and their hints; a lesson as a note naming its assignment.

    Goes after Execute in Validator.preprocessors.
    """

    def preprocess(self, nb, resources):
        if is_lesson(nb):
            title, text = lesson_message(nb, Path(os.getcwd()))
            nb.cells.append(lesson_cell(title, text))
            validator = self.parent
            if validator is not None and hasattr(validator, "failed_warning"):
                validator.failed_warning = title[0].upper() + title[1:] + ".\n"
            return nb, resources
        for cell in nb.cells:
            if _failed(cell):
                _shorten(cell)
        return nb, resources


class ExecuteAssignments(Execute):
    """nbgrader's Execute, except on a lesson: it has no graded cells, so running it (lesson 07
    trains a detector for minutes) would check nothing."""

    def preprocess(self, nb, resources=None, *args, **kwargs):
        if is_lesson(nb):
            return nb, resources
        return super().preprocess(nb, resources, *args, **kwargs)
