"""bp2yolo.checks.ch00, the visible checks of assignment 00: each is called by the notebook and
passes on the solution, saying so; a wrong answer fails with a HintError that names the check.
(tests/mutants_00.py proves the hints for each mistake.)"""

from __future__ import annotations

import harness
import pytest

from bp2yolo.checks import HintError, ch00

NB = "solutions/00_start_here/00_exercises.ipynb"
CHECKS = {"check_derivative": "derivative", "check_batch_loss": "batch_loss"}


@pytest.fixture(scope="module")
def solution() -> dict:
    """The names the solution notebook defines (no test cell runs)."""
    return harness.defined(NB)


def test_every_check_is_called_by_the_notebook():
    harness.assert_checks_called(harness.test_cells_source(NB), ch00, CHECKS)


@pytest.mark.parametrize("name", CHECKS)
def test_check_passes_on_the_solution_and_says_so(name, solution, capsys):
    getattr(ch00, name)(solution[CHECKS[name]])
    assert capsys.readouterr().out == f"{CHECKS[name]}: visible tests passed\n"


def test_a_wrong_answer_names_the_check():
    with pytest.raises(HintError, match="factor of 2") as info:
        ch00.check_derivative(lambda x: 2 * (x - 3))
    assert info.value.check == "check_derivative"
