"""bp2yolo.checks.ch02, the visible checks of assignment 02: each passes on the solution and says
so, a wrong answer fails with a HintError that names the check, and an exception raised in the
learner's code is shown as theirs. (tests/mutants_02.py proves the hints for each mistake.)"""

from __future__ import annotations

import harness
import pytest

from bp2yolo.checks import HintError, ch02

NB = "solutions/02_computational_graphs/02_exercises.ipynb"
CHECKS = {  # check: (the names it receives from the notebook, the line it prints when it passes)
    "check_subtract_gate": (("SubtractGate",), "SubtractGate"),
    "check_min_gate": (("MinGate",), "MinGate"),
    "check_divide_gate": (("DivideGate",), "DivideGate"),
    "check_relative_gap": (("relative_gap", "SubtractGate", "MinGate", "DivideGate"),
                           "relative_gap"),
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
    class SplittingSubtract(solution["SubtractGate"]):
        def backward(self, dout):
            return dout / 2, -dout / 2

    with pytest.raises(HintError, match="does not split the upstream gradient") as info:
        ch02.check_subtract_gate(SplittingSubtract)
    assert info.value.check == "check_subtract_gate"


def test_relative_gap_says_when_a_gate_is_wrong_first(solution):
    class SplittingSubtract(solution["SubtractGate"]):
        def backward(self, dout):
            return dout / 2, -dout / 2

    with pytest.raises(HintError, match="fix exercise 1 first"):
        ch02.check_relative_gap(solution["relative_gap"], SplittingSubtract,
                                solution["MinGate"], solution["DivideGate"])


def test_the_lessons_backward_fails_the_deep_chain(solution):
    """The lesson's recursive backward() is what the deep chain is there to reject."""
    class Recursive(solution["Value"]):
        backward = solution["LessonValue"].backward

    with pytest.raises(HintError, match="RecursionError"):
        ch02.check_value_backward(Recursive)


def test_an_unwritten_method_is_shown_as_the_learners():
    class Unwritten:
        def forward(self, x, y):
            raise NotImplementedError()

    with pytest.raises(NotImplementedError) as info:
        ch02.check_min_gate(Unwritten)
    lines = info.value._render_traceback_()
    assert "Unwritten.forward is not written yet" in lines[0]  # the class and its method
    assert not any("bp2yolo" in line for line in lines)
