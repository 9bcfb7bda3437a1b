"""Every lesson is committed clean, and the tests can read the numbers it prints.

What each lesson must print is in tests/test_lesson_NN.py.
"""

from __future__ import annotations

import nbformat
import pytest
from lessons import first_missing, printed
from notebooks import LESSONS, ROOT


def test_printed_parses_only_whole_assignment_lines():
    text = "y = 1.4\nL = 0.18\nnumerical dL/dw = 0.9   relative error 1e-12\n  w = -7.1e-3\nz = 9"
    assert printed(text) == [("y", 1.4), ("L", 0.18), ("w", -0.0071), ("z", 9.0)]
    assert first_missing(printed("y = 1.4\nL = 0.18"), [("y", 1.4), ("L", 0.18)], 1e-12) is None
    assert first_missing(printed("L = 0.18\ny = 1.4"), [("y", 1.4), ("L", 0.18)], 1e-12) == (
        "L",
        0.18,
    )
    assert first_missing(printed("y = 1.40001"), [("y", 1.4)], 1e-12) == ("y", 1.4)


def test_every_lesson_has_its_tests():
    for path in LESSONS:
        number = path.name[:2]
        assert (ROOT / "tests" / f"test_lesson_{number}.py").exists(), path.name


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_is_committed_clean(path):
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "clear the outputs"
