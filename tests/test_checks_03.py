"""bp2yolo.checks.ch03, the visible checks of assignment 03: each is called by the notebook and
passes on the solution, saying so; learners' code only ever gets copies of the lesson's network,
so code that changes its arguments in place cannot spoil a later check.
(tests/mutants_03.py proves the hints for each mistake.)"""

from __future__ import annotations

import copy

import harness
import pytest

from bp2yolo.checks import HintError, ch03

NB = "solutions/03_backprop_through_a_network/03_exercises.ipynb"
CHECKS = {  # check: the names it receives from the notebook
    "check_forward": ("forward",),
    "check_mse_loss_and_deltas": ("mse_loss_and_deltas",),
    "check_backward": ("backward",),
    "check_train": ("train", "forward", "mse_loss_and_deltas", "backward"),
    "check_bce_loss_and_deltas": ("bce_loss_and_deltas",),
}


@pytest.fixture(scope="module")
def solution() -> dict:
    """The names the solution notebook defines (no test cell runs)."""
    return harness.defined(NB)


def test_every_check_is_called_by_the_notebook():
    harness.assert_checks_called(harness.test_cells_source(NB), ch03,
                                 {check: ", ".join(names) for check, names in CHECKS.items()})


@pytest.mark.parametrize("name", CHECKS)
def test_check_passes_on_the_solution_and_says_so(name, solution, capsys):
    getattr(ch03, name)(*(solution[n] for n in CHECKS[name]))
    exercise = CHECKS[name][0]
    assert capsys.readouterr().out == f"{exercise}: visible tests passed\n"


def test_code_that_changes_its_arguments_cannot_spoil_the_lesson_network(solution):
    constants = copy.deepcopy((ch03.WEIGHTS, ch03.BIASES, ch03.HIDDEN, ch03.OUTPUTS))

    def scribbling_train(x, targets, weights, biases, lr, steps, update_biases=True):
        weights[0][0][0] = biases[0][0] = 99.0
        return weights, biases, [0.0] * (steps + 1)

    def scribbling_backward(activations, output_deltas, weights):
        activations[1][0] = weights[1][0][0] = output_deltas[0] = 99.0
        return solution["backward"](activations, output_deltas, weights)

    with pytest.raises(HintError, match="changed the caller's weights in place"):
        ch03.check_train(scribbling_train, solution["forward"],
                         solution["mse_loss_and_deltas"], solution["backward"])
    with pytest.raises(HintError):
        ch03.check_backward(scribbling_backward)
    assert (ch03.WEIGHTS, ch03.BIASES, ch03.HIDDEN, ch03.OUTPUTS) == constants
