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


def test_the_written_answers_numbers_are_autograds():
    """Exercise 6's model answer: the rescaled tanh is sigmoid(2 net), and the deltas of (b), for
    both losses, are autograd's on that network (output weights 0.5 and -1.5, a_h = 0.8,
    outputs 0.9 and 0.3 for targets 0 and 1)."""
    import math

    import torch

    z = torch.linspace(-5.0, 5.0, 11, dtype=torch.float64)
    assert torch.allclose(0.5 * (1 + torch.tanh(z)), torch.sigmoid(2 * z), rtol=1e-14)

    w, t = torch.tensor([0.5, -1.5], dtype=torch.float64), torch.tensor([0.0, 1.0])
    o_given = torch.tensor([0.9, 0.3], dtype=torch.float64)
    answers = {}
    for loss in ("bce", "mse"):
        net_h = torch.tensor(math.log(0.8 / 0.2), dtype=torch.float64, requires_grad=True)
        a_h = torch.sigmoid(net_h)
        net = w * a_h + (torch.atanh(2 * o_given - 1) - w * 0.8)  # biases that give o_given
        net.retain_grad()
        o = 0.5 * (1 + torch.tanh(net))
        assert torch.allclose(o, o_given, rtol=1e-14)
        if loss == "bce":
            E = -(t * torch.log(o) + (1 - t) * torch.log(1 - o)).sum()
        else:
            E = 0.5 * ((t - o) ** 2).sum()
        E.backward()
        answers[loss] = [*net.grad.tolist(), net_h.grad.item()]  # delta_1, delta_2, delta_h
    assert answers["bce"] == pytest.approx([1.8, -1.4, 0.48], rel=1e-12)
    assert answers["mse"] == pytest.approx([0.162, -0.294, 0.08352], rel=1e-12)
    *ratios, hidden_ratio = (b / m for b, m in zip(answers["bce"], answers["mse"], strict=True))
    assert [f"{r:.3g}" for r in ratios] == ["11.1", "4.76"] and f"{hidden_ratio:.3g}" == "5.75"

    nb = harness.load(NB)
    answer = next(c.source for c in nb.cells if harness.grade_id(c) == "bce_derivation")
    for number in ["2\\,(o - t)", "2\\,o(1 - o)", "1.8", "-1.4", "0.48", "0.162", "-0.294",
                   "0.08352", "11.1", "4.76", "5.75"]:
        assert number in answer, number
