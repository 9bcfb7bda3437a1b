"""Submissions made up for the grading tests: a class under grading/submitted/ of a course copy.

    answered(release, solution, mutant=None)   the release as a learner who solved it submits it
    submit(root, student, assignment, name, nb=None, text=None)   put one in place
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import regions
from harness import grade_id, nbgrader_meta


def submit(root: Path, student: str, assignment: str, name: str, nb=None, text=None) -> Path:
    folder = root / "grading" / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    if nb is not None:
        nbformat.write(nb, folder / name)
    else:
        (folder / name).write_text(text)
    return folder / name


def unmarked(source: str) -> str:
    """A solution cell as a learner would write it: the code, without nbgrader's markers."""
    return "\n".join(line.text for line in regions.parse(source) if not line.marker)


def answered(release, solution, mutant=None):
    """The release with every answer cell filled in from the solution (one of them by a
    mutant, if given), as a learner who solved it would submit it."""
    nb = copy.deepcopy(release)
    answers = {grade_id(c): unmarked(c.source) for c in solution.cells
               if nbgrader_meta(c).get("solution")}
    if mutant is not None:
        answers[mutant.cell] = unmarked(mutant.source)
    for cell in nb.cells:
        if grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
    return nb
