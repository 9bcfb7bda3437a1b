"""bp2yolo.checks.ch01, the visible checks of assignment 01: each is called by the notebook and
passes on the solution, saying so; a function that returns the wrong number of values gets a
hint, not a TypeError; an unwritten function is shown as the learner's.
(tests/mutants_01.py proves the hints for each mistake.)"""

from __future__ import annotations

import harness
import numpy as np
import pytest

from bp2yolo.checks import HintError, ch01

NB = "solutions/01_chain_rule/01_exercises.ipynb"
EXERCISES = ["backward_difference", "five_point_difference", "log_cosh_model",
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
        ch01.check_log_cosh_model(lambda x, w, b, y_gt: returned)
    assert info.value.check == "check_log_cosh_model"


def test_an_unwritten_function_is_shown_as_the_learners():
    def train(x, y_gt, w, b, lr, steps):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError) as info:
        ch01.check_train(train)
    lines = info.value._render_traceback_()
    assert "train is not written yet" in lines[0]
    assert not any("bp2yolo" in line for line in lines)


def test_a_forgotten_return_is_named():
    def log_cosh_model(x, w, b, y_gt):
        y = w * x + b  # noqa: F841 - computed, never returned

    with pytest.raises(HintError, match="returned None: did it forget to `return`"):
        ch01.check_log_cosh_model(log_cosh_model)


def test_a_wrong_answer_names_the_call_and_its_inputs():
    def log_cosh_model(x, w, b, y_gt):
        y = w * x + b
        r = y - y_gt
        return y, np.log(np.cosh(r)), np.tanh(r), np.tanh(r)  # dL_dw without dy/dw = x

    with pytest.raises(HintError) as info:
        ch01.check_log_cosh_model(log_cosh_model)
    assert str(info.value).startswith(
        "dL_dw of log_cosh_model([1.5, -2.0, 0.0], 0.8, -0.3, [0.5, 1.0, -0.7]): this is dL/dy")


@pytest.mark.parametrize(("returned", "hint"), [
    (None, "returned None: did it forget to `return`"),
    ((1.0, 2.0), "should return a dict {name: new value}, but it returned a tuple"),
    ({"w": 1.0}, r"returned a dict with the names \['w'\]; it should have the names of params"),
])
def test_a_step_that_returns_no_dict_of_params_gets_a_hint(returned, hint):
    with pytest.raises(HintError, match=hint):
        ch01.check_gradient_descent_step(lambda params, grads, lr: returned)


def test_the_step_names_the_dicts_it_was_given():
    def gradient_descent_step(params, grads, lr):
        return {name: value - grads[name] for name, value in params.items()}  # no lr

    with pytest.raises(HintError) as info:
        ch01.check_gradient_descent_step(gradient_descent_step)
    assert str(info.value).startswith(
        "the new 'w' of gradient_descent_step(params, grads, 0.05) with params = "
        "{'w': [0.5, -1.2, 2.0], 'b': [0.1, 0.4, -0.3], 'scale': 2.0} and grads = "
        "{'b': [-0.3, 0.5, 0.2], 'scale': -4.0, 'w': [0.6, -1.0, 0.25]}: the learning rate")


def test_an_error_in_the_learners_code_names_the_call():
    def train(x, y_gt, w, b, lr, steps):
        return [][steps]

    with pytest.raises(IndexError) as info:
        ch01.check_train(train)
    lines = info.value._render_traceback_()  # the header is wrapped at 80 columns
    assert "Your code raised IndexError in train([-1.0, 0.5, 2.0, 3.0], [-1.5," in lines[0]
    assert "8.0], 0.0, 0.0, 0.5, 3):" in lines[1]
