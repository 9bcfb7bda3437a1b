"""Reading what a lesson printed: shared by every chapter's tests/test_lesson_NN.py.

A lesson prints each worked number on a line of its own, `name = value` (e.g. `dL/dw = 0.9`);
the tests find those lines in the executed notebook's output, in order, and compare the values
with COURSE.md. The numbers must come from code, so they must not be typed into the prose.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import nbformat

NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
# A printed line "name = value", e.g. "dL/dw = 0.9"; nothing else on the line.
ASSIGNMENT = re.compile(rf"^[ \t]*(\S+) = ({NUMBER})[ \t]*$", re.M)


def printed(text: str) -> list[tuple[str, float]]:
    """Every 'name = number' line of the output, in order, with the number parsed."""
    return [(name, float(value)) for name, value in ASSIGNMENT.findall(text)]


def first_missing(
    found: list[tuple[str, float]], wanted: list[tuple[str, float]], tol: float
) -> tuple[str, float] | None:
    """The first wanted (name, value) not found in order in `found` (a subsequence), or None.

    tol is absolute: a value printed with 9 decimals matches to about 5e-10.
    """
    i = 0
    for name, value in found:
        if i < len(wanted) and name == wanted[i][0] and math.isclose(
            value, wanted[i][1], rel_tol=0.0, abs_tol=tol
        ):
            i += 1
    return None if i == len(wanted) else wanted[i]


def numbers_in_prose(path: Path, numbers: list[str]) -> list[str]:
    """Which of `numbers` (as written, e.g. '0.0820125') appear in a Markdown cell."""
    nb = nbformat.read(str(path), as_version=4)
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    found = set(re.findall(NUMBER, prose))
    return sorted(found & set(numbers))
