"""bp2yolo.checks.ch01, the visible checks of assignment 01: each is called by the notebook and
passes on the solution, saying so; a function that returns the wrong number of values gets a
hint, not a TypeError; an unwritten function is shown as the learner's.
(tests/mutants_01.py proves the hints for each mistake.)"""

from __future__ import annotations

import harness
import pytest

from bp2yolo.checks import HintError, ch01

NB = "solutions/01_chain_rule/01_exercises.ipynb"
EXERCISES = ["forward_difference", "central_difference", "linear_model",
             "gradient_descent_step", "train", "chain_gradients"]


@pytest.fixture(scope="module")
def solution() -> dict:
    """The names the solution notebook defines (no test cell runs)."""
    return harness.defined(NB)


def test_every_check_is_called_by_the_notebook():
    harness.assert_checks_called(harness.test_cells_source(NB), ch01,
                                 {f"check_{e}": e for e in EXERCISES})


@pytest.mark.parametrize("exercise", EXERCISES)
def test_check_passes_on_the_solution_and_says_so(exercise, solution, capsys):
    getattr(ch01, f"check_{exercise}")(solution[exercise])
    assert capsys.readouterr().out == f"{exercise}: visible tests passed\n"


@pytest.mark.parametrize("returned", [None, 1.5, (1.0, 2.0)])
def test_the_wrong_number_of_values_gets_a_hint(returned):
    with pytest.raises(HintError, match=r"should return four values: \(y, L") as info:
        ch01.check_linear_model(lambda x, w, b, y_gt: returned)
    assert info.value.check == "check_linear_model"


def test_an_unwritten_function_is_shown_as_the_learners():
    def train(x, y_gt, w, b, lr, steps):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError) as info:
        ch01.check_train(train)
    lines = info.value._render_traceback_()
    assert "train is not written yet" in lines[0]
    assert not any("bp2yolo" in line for line in lines)


def test_a_forgotten_return_is_named():
    def linear_model(x, w, b, y_gt):
        y = w * x + b  # noqa: F841 - computed, never returned

    with pytest.raises(HintError, match="returned None: did it forget to `return`"):
        ch01.check_linear_model(linear_model)


def test_a_wrong_answer_names_the_call_and_its_inputs():
    def linear_model(x, w, b, y_gt):
        y = w * x + b
        return y, 0.5 * (y - y_gt) ** 2, y - y_gt, y - y_gt  # dL_dw without dy/dw = x

    with pytest.raises(HintError) as info:
        ch01.check_linear_model(linear_model)
    assert str(info.value).startswith(
        "dL_dw of linear_model([2.0, -1.0, 0.5], 0.5, -0.3, [1.0, 0.2, -0.4]): this is dL/dy")


def test_an_error_in_the_learners_code_names_the_call():
    def train(x, y_gt, w, b, lr, steps):
        return [][steps]

    with pytest.raises(IndexError) as info:
        ch01.check_train(train)
    assert "Your code raised IndexError in train(2.0, 1.0, 0.5, 0.5, 0.1, 3):" in (
        info.value._render_traceback_()[0])
