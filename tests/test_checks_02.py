"""bp2yolo.checks.ch02, the visible checks of assignment 02: each passes on the solution and says
so, a wrong answer fails with a HintError that names the check, and an exception raised in the
learner's code is shown as theirs. (tests/mutants_02.py proves the hints for each mistake.)"""

from __future__ import annotations

import harness
import pytest

from bp2yolo.checks import HintError, ch02

NB = "solutions/02_computational_graphs/02_exercises.ipynb"
CHECKS = {  # check: (the names it receives from the notebook, the line it prints when it passes)
    "check_add_multiply_gates": (("AddGate", "MultiplyGate"), "AddGate and MultiplyGate"),
    "check_max_gate": (("MaxGate",), "MaxGate"),
    "check_divide_gate": (("DivideGate",), "DivideGate"),
    "check_value_operations": (("Value",), "Value operations"),
    "check_value_backward": (("Value",), "Value.backward"),
    "check_value_against_torch": (("Value",), "Value against torch.autograd"),
    "check_hypot": (("Hypot",), "Hypot"),
    "check_second_derivative": (("second_derivative",), "second_derivative"),
}


@pytest.fixture(scope="module")
def solution() -> dict:
    """The names the solution notebook defines (no test cell runs)."""
    return harness.defined(NB)


def test_every_check_is_called_by_the_notebook():
    harness.assert_checks_called(harness.test_cells_source(NB), ch02,
                                 {check: ", ".join(names) for check, (names, _) in CHECKS.items()})


@pytest.mark.parametrize("name", CHECKS)
def test_check_passes_on_the_solution_and_says_so(name, solution, capsys):
    names, exercise = CHECKS[name]
    getattr(ch02, name)(*(solution[n] for n in names))
    assert capsys.readouterr().out == f"{exercise}: visible tests passed\n"


def test_a_wrong_answer_names_the_check(solution):
    class SplittingAdd(solution["AddGate"]):
        def backward(self, dout):
            return dout / 2, dout / 2

    with pytest.raises(HintError, match="does not split its upstream gradient") as info:
        ch02.check_add_multiply_gates(SplittingAdd, solution["MultiplyGate"])
    assert info.value.check == "check_add_multiply_gates"


def test_an_unwritten_method_is_shown_as_the_learners():
    class Unwritten:
        def forward(self, x, y):
            raise NotImplementedError()

    with pytest.raises(NotImplementedError) as info:
        ch02.check_max_gate(Unwritten)
    lines = info.value._render_traceback_()
    assert "Unwritten.forward is not written yet" in lines[0]  # the class and its method
    assert not any("bp2yolo" in line for line in lines)
