"""bp2yolo.checks.ch06, the visible checks of assignment 06: each is called by the notebook and
passes on the solution, saying so; every fixed number is recomputed here independently (torch's
cross_entropy and autograd for the right answers, each known wrong answer from its own wrong
formula, sgd's from numpy's generator and a loop written here); the visible losses are far from
log(C), so a function that ignores its scores cannot pass (the defect of checking the loss at
initialization against log(C)); the checks name the call they made, let a stub's
NotImplementedError through, and give learners' code only copies of their inputs.
(tests/mutants_06.py proves the hints for each mistake.)

The solution's functions come from solutions/06_softmax_network/06_exercises.ipynb (its test
cells are not run): bp2yolo itself holds no solution.
"""

from __future__ import annotations

import harness
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from bp2yolo.checks import HintError, ch06

NB = "solutions/06_softmax_network/06_exercises.ipynb"
CHECKS = {  # check: the names it receives from the notebook
    "check_softmax_cross_entropy": ("softmax_cross_entropy",),
    "check_two_layer_loss": ("two_layer_loss", "softmax_cross_entropy"),
    "check_sgd": ("sgd",),
    "check_accuracy": ("accuracy",),
}


@pytest.fixture(scope="module")
def ns() -> dict:
    """The names the solution notebook defines (no test cell runs)."""
    return harness.defined(NB)


def stub(*args, **kwargs):
    raise NotImplementedError()


def test_every_check_is_called_by_the_notebook():
    source = " ".join(harness.test_cells_source(NB).split())  # one line per call
    harness.assert_checks_called(source, ch06,
                                 {check: ", ".join(names) for check, names in CHECKS.items()})


@pytest.mark.parametrize("name", CHECKS)
def test_check_passes_on_the_solution_and_says_so(name, ns, capsys):
    getattr(ch06, name)(*(ns[n] for n in CHECKS[name]))
    says = name.removeprefix("check_")
    assert capsys.readouterr().out == f"{says}: visible tests passed\n"


# --- exercise 1 ------------------------------------------------------------------------------


def _cross_entropy(scores: np.ndarray, y: np.ndarray, smoothing: float) -> tuple[float, np.ndarray]:
    """torch's mean cross-entropy with label_smoothing, and its gradient by autograd."""
    leaf = torch.tensor(scores, requires_grad=True)
    loss = F.cross_entropy(leaf, torch.tensor(y), label_smoothing=smoothing)
    loss.backward()
    return loss.item(), leaf.grad.numpy()


def _against(scores: np.ndarray, target: np.ndarray, dim: int = 1) -> tuple[float, np.ndarray]:
    """What a mistaken implementation computes: -sum(T log softmax) / N and (softmax - T) / N for
    a (possibly wrong) target T, the softmax taken along `dim`."""
    s, t = torch.tensor(scores), torch.tensor(target)
    n = len(scores)
    loss = -(t * torch.log_softmax(s, dim=dim)).sum() / n
    return loss.item(), ((torch.softmax(s, dim=dim) - t) / n).numpy()


def _targets(y: np.ndarray, C: int, on_true: float, on_others: float) -> np.ndarray:
    target = np.full((len(y), C), on_others)
    target[np.arange(len(y)), y] = on_true
    return target


@pytest.mark.parametrize("case", ["plain", "smoothed", "large"])
def test_the_softmax_numbers_are_torchs(case):
    scores, y = ch06.large_inputs() if case == "large" else ch06.softmax_inputs()
    smoothing = 0.0 if case == "plain" else 0.1
    loss, dscores = _cross_entropy(scores, y, smoothing)
    prefix = {"plain": "", "smoothed": "SMOOTHED_", "large": "LARGE_"}[case]
    np.testing.assert_allclose(getattr(ch06, f"{prefix}LOSS"), loss, rtol=1e-11)
    np.testing.assert_allclose(getattr(ch06, f"{prefix}DSCORES"), dscores, rtol=1e-11, atol=1e-14)
    # as soft targets (torch's other form of the loss), the same numbers
    target = _targets(y, 3, 1 - smoothing + smoothing / 3, smoothing / 3)
    np.testing.assert_allclose(_cross_entropy(scores, target, 0.0)[0], loss, rtol=1e-13)


def test_the_visible_losses_are_far_from_log_c():
    """A function that returns log(C) whatever its scores passes a check at uniform scores."""
    for loss in (ch06.LOSS, ch06.SMOOTHED_LOSS, ch06.LARGE_LOSS):
        assert abs(loss - np.log(3)) > 0.2


def test_the_wrong_softmax_numbers_are_what_each_mistake_computes():
    scores, y = ch06.softmax_inputs()
    one_hot = _targets(y, 3, 1.0, 0.0)
    columns = np.zeros((4, 3))
    columns[:, y] = 1.0  # target[:, y] += 1: every column of y, on every row
    for (loss, dscores), wrong_loss, wrong_dscores in [
        (_against(scores, one_hot, dim=0), ch06.AXIS0_LOSS, ch06.AXIS0_DSCORES),
        (_against(scores, columns), ch06.COLUMNS_LOSS, ch06.COLUMNS_DSCORES),
        (_against(scores, _targets(y, 3, 0.9, 0.05)), ch06.C_MINUS_1_LOSS,
         ch06.C_MINUS_1_DSCORES),
        (_against(scores, _targets(y, 3, 0.9, 0.1 / 3)), ch06.NOT_ADDED_LOSS,
         ch06.NOT_ADDED_DSCORES),
        (_against(scores, 0.9 * one_hot), ch06.NO_UNIFORM_LOSS, ch06.NO_UNIFORM_DSCORES),
        (_against(scores, _targets(y, 3, 1.0, 0.1)), ch06.EPS_ON_OTHERS_LOSS,
         ch06.EPS_ON_OTHERS_DSCORES),
    ]:
        np.testing.assert_allclose(wrong_loss, loss, rtol=1e-11)
        np.testing.assert_allclose(wrong_dscores, dscores, rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(ch06.P_OVER_N, torch.softmax(torch.tensor(scores), 1) / 4,
                               rtol=1e-11)
    per_row = F.cross_entropy(torch.tensor(scores), torch.tensor(y), reduction="none")
    np.testing.assert_allclose(ch06.PER_ROW_LOSS, per_row.numpy(), rtol=1e-11)


def test_the_log_of_the_softmax_makes_the_large_loss_inf_and_leaves_dscores_right():
    """np.log of the probabilities, the max subtracted: the loss that LOG_OF_P names."""
    scores, y = ch06.large_inputs()
    s = torch.tensor(scores)
    p = torch.softmax(s - s.max(dim=1, keepdim=True).values, dim=1)
    target = torch.tensor(_targets(y, 3, 0.9 + 0.1 / 3, 0.1 / 3))
    assert (p == 0).any()  # e^-2000 underflows
    assert (-(target * torch.log(p)).sum() / 3).item() == ch06.LOG_OF_P_LOSS == np.inf
    np.testing.assert_allclose(ch06.LARGE_DSCORES, ((p - target) / 3).numpy(), rtol=1e-11,
                               atol=1e-14)


def test_a_function_that_ignores_its_scores_is_told_so():
    def softmax_cross_entropy(scores, y, smoothing=0.0):
        n, c = scores.shape
        return np.log(c), np.zeros((n, c))

    with pytest.raises(HintError, match=r"it is log\(C\) = log\(3\), the loss of uniform "
                                        r"scores .*does not use its scores"):
        ch06.check_softmax_cross_entropy(softmax_cross_entropy)


# --- exercise 2 ------------------------------------------------------------------------------


def _network(smoothing: float) -> tuple[float, dict[str, np.ndarray], torch.Tensor, dict]:
    """torch's loss and gradients of two_layer_inputs()'s network, reg = ch06.REG; also the
    gradient at the scores and the leaves."""
    params, x, y = ch06.two_layer_inputs()
    leaves = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    h = torch.tensor(x) @ leaves["W1"] + leaves["b1"]
    scores = torch.relu(h) @ leaves["W2"] + leaves["b2"]
    scores.retain_grad()
    penalty = ch06.REG * ((leaves["W1"] ** 2).sum() + (leaves["W2"] ** 2).sum())
    loss = F.cross_entropy(scores, torch.tensor(y), label_smoothing=smoothing) + penalty
    loss.backward()
    return loss.item(), {k: v.grad.numpy() for k, v in leaves.items()}, scores.grad, leaves


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_the_two_layer_numbers_are_autograds(smoothing):
    loss, grads, _, _ = _network(smoothing)
    want_loss, want = ((ch06.NET_LOSS, ch06.NET_GRADS) if smoothing == 0 else
                       (ch06.NET_SMOOTHED_LOSS, ch06.NET_SMOOTHED_GRADS))
    np.testing.assert_allclose(want_loss, loss, rtol=1e-11)
    assert set(want) == set(grads) == set(ch06.GRAD_KEYS)
    for key, grad in grads.items():
        np.testing.assert_allclose(want[key], grad, rtol=1e-11, atol=1e-14)


def test_the_network_stays_away_from_the_relus_kink_and_the_regularization_terms_add_up():
    params, x, _ = ch06.two_layer_inputs()
    assert np.abs(x @ params["W1"] + params["b1"]).min() >= 0.275
    weights = sum(np.sum(params[k] ** 2) for k in ("W1", "W2"))
    biases = sum(np.sum(params[k] ** 2) for k in ("b1", "b2"))
    np.testing.assert_allclose(ch06.NET_REG_TERM, ch06.REG * weights, rtol=1e-13)
    np.testing.assert_allclose(ch06.NET_BIAS_TERM, ch06.REG * biases, rtol=1e-13)


def test_the_wrong_two_layer_numbers_are_what_each_mistake_computes():
    _, _, dscores, leaves = _network(0.0)
    params, x, _ = ch06.two_layer_inputs()
    h = torch.tensor(x) @ leaves["W1"].detach() + leaves["b1"].detach()
    da = dscores @ leaves["W2"].detach().T  # the gradient that reaches the ReLU
    for name, dh in [("GRADIENT_MASK", da * (da > 0)), ("UNMASKED", da)]:
        wrong = getattr(ch06, name)
        np.testing.assert_allclose(wrong["W1"], (x.T @ dh.numpy()) + 2 * ch06.REG * params["W1"],
                                   rtol=1e-11)
        np.testing.assert_allclose(wrong["b1"], dh.sum(0).numpy(), rtol=1e-11)
    np.testing.assert_allclose(ch06.W2_FROM_H, h.numpy().T @ dscores.numpy()
                               + 2 * ch06.REG * params["W2"], rtol=1e-11)
    assert (h < 0).any()  # so that h.T @ dscores is not a.T @ dscores
    np.testing.assert_allclose(ch06.FIRST_ROWS["b2"], dscores[0].numpy(), rtol=1e-11)
    np.testing.assert_allclose(ch06.FIRST_ROWS["b1"], (da * (h > 0))[0].numpy(), rtol=1e-11)


def test_two_layer_blames_exercise_1_only_when_it_is_wrong(ns):
    def broken_softmax_cross_entropy(scores, y, smoothing=0.0):
        loss, dscores = ns["softmax_cross_entropy"](scores, y, smoothing)
        return loss, dscores * len(scores)  # / N forgotten

    ch06.check_two_layer_loss(ns["two_layer_loss"], broken_softmax_cross_entropy)  # right: passes

    def two_layer_loss(params, x, y, reg, smoothing=0.0):
        return ns["two_layer_loss"](params, x, y, 2 * reg, smoothing)

    with pytest.raises(HintError, match="fix exercise 1 first"):
        ch06.check_two_layer_loss(two_layer_loss, broken_softmax_cross_entropy)
    with pytest.raises(HintError, match="loss of two_layer_loss"):
        ch06.check_two_layer_loss(two_layer_loss, ns["softmax_cross_entropy"])


# --- exercise 3 ------------------------------------------------------------------------------


def _schedule(lr: float, decay: float, per_step: bool = False,
              before: bool = False) -> list[float]:
    """m after each step of a loop of 3 epochs of 3 batches, where step j's gradients are
    (j + 1) times GRAD_W and GRAD_B, so that m is the sum of lr_j (j + 1) so far."""
    m, seen = 0.0, []
    for epoch in range(ch06.SGD_EPOCHS):
        if before:
            lr *= decay
        for j in range(3 * epoch, 3 * epoch + 3):
            m += lr * (j + 1)
            seen.append(m)
            if per_step:
                lr *= decay
        if not (per_step or before):
            lr *= decay
    return seen


def test_the_sgd_numbers_follow_from_the_generator_and_the_schedule():
    rng = np.random.default_rng(ch06.SGD_SEED)
    assert ch06.SGD_ORDER == [rng.permutation(ch06.SGD_N).tolist() for _ in range(3)]
    assert ch06.SGD_SIZES == [len(range(7)[i:i + 3]) for i in range(0, 7, 3)] * 3
    seen = _schedule(ch06.SGD_LR, ch06.SGD_DECAY)
    assert ch06.SGD_SEEN == [0.0, *seen[:-1]] and ch06.SGD_FINAL == seen[-1]
    assert ch06.SGD_LOSSES == [0.5 * (k + 1) for k in range(9)]
    wrong = list(ch06.SGD_WRONG_FINAL.values())
    assert wrong == [0.0, -seen[-1], _schedule(ch06.SGD_LR, 1.0)[-1],
                     _schedule(ch06.SGD_LR, ch06.SGD_DECAY, per_step=True)[-1],
                     _schedule(ch06.SGD_LR, ch06.SGD_DECAY, before=True)[-1]]


def test_the_recording_loss_records_and_returns_fresh_gradients():
    loss_fn, params, x, y = ch06.sgd_inputs()
    loss, grads = loss_fn(params, x[[4, 1]], y[[4, 1]])
    grads["W"] += 1.0
    loss2, grads2 = loss_fn(params, x[[0]], y[[1]])
    assert (loss, loss2) == (0.5, 1.0)
    np.testing.assert_array_equal(grads2["W"], 2 * ch06.GRAD_W)
    assert loss_fn.batches == [[4, 1], [1]] and loss_fn.matched == [True, False]
    np.testing.assert_array_equal(loss_fn.seen[0]["W"], ch06.SGD_W)


def test_sgd_that_shuffles_the_callers_data_is_told(ns):
    def sgd(loss_fn, params, x, y, **kwargs):
        x[:] = x[::-1]
        return ns["sgd"](loss_fn, params, x, y, **kwargs)

    with pytest.raises(HintError, match="changed its input x in place"):
        ch06.check_sgd(sgd)


# --- exercise 4 ------------------------------------------------------------------------------


def test_the_accuracy_numbers_are_torchs_and_the_wrong_ones_each_mistakes():
    for (scores, y, want), wrong in zip(ch06.ACCURACY_CASES, ch06.ACCURACY_WRONG, strict=True):
        s, t = torch.tensor(scores), torch.tensor(y)
        right = (s.argmax(dim=1) == t).double()
        assert want == right.mean().item()
        mistakes = [right.sum().item(), (s.max(dim=1).values == t).double().mean().item()]
        if s.shape[0] == s.shape[1]:  # argmax over axis 0 gives one class per row only here
            mistakes.insert(0, (s.argmax(dim=0) == t).double().mean().item())
        assert list(wrong.values()) == mistakes
        assert len({want, *mistakes}) == len(mistakes) + 1  # each tells its mistake apart


# --- every check -----------------------------------------------------------------------------


def test_an_unwritten_exercise_raises_not_implemented(ns):
    for check in (ch06.check_softmax_cross_entropy, ch06.check_sgd, ch06.check_accuracy):
        with pytest.raises(NotImplementedError):
            check(stub)
    with pytest.raises(NotImplementedError):
        ch06.check_two_layer_loss(stub, ns["softmax_cross_entropy"])
    # a wrong network on an exercise 1 that is not written: the stub is what the learner is told
    def two_layer_loss(params, x, y, reg, smoothing=0.0):
        return ns["two_layer_loss"](params, x, y, 2 * reg, smoothing)

    with pytest.raises(NotImplementedError):
        ch06.check_two_layer_loss(two_layer_loss, stub)


def test_an_error_in_the_learners_code_names_the_call(ns):
    def sgd(loss_fn, params, x, y, **kwargs):
        return [loss_fn(params, x[[99]], y[[99]])]  # IndexError: 7 examples

    with pytest.raises(IndexError) as info:
        ch06.check_sgd(sgd)
    assert info.value._bp2yolo_call.startswith(
        "sgd(loss_fn, params, x, y, lr=0.25, batch_size=3, epochs=3, seed=6, decay=0.5) with "
        "loss_fn, params, x, y = sgd_inputs()")
    lines = info.value._render_traceback_()
    assert "Your code raised IndexError in sgd(loss_fn, params, x, y, lr=0.25" in lines[0]


def test_a_loss_that_returns_no_dict_is_told_the_keys(ns):
    def two_layer_loss(params, x, y, reg, smoothing=0.0):
        loss, grads = ns["two_layer_loss"](params, x, y, reg, smoothing)
        return loss, list(grads.values())

    with pytest.raises(HintError, match=r"grads a dict with the keys 'W1', 'b1', 'W2', 'b2'; "
                                        "grads is a list"):
        ch06.check_two_layer_loss(two_layer_loss, ns["softmax_cross_entropy"])


def test_the_inputs_are_fresh():
    for make in (ch06.softmax_inputs, ch06.large_inputs, ch06.two_layer_inputs, ch06.sgd_inputs):
        first, second = make(), make()
        arrays = [a for part in first if not isinstance(part, ch06.RecordingLoss)
                  for a in (part.values() if isinstance(part, dict) else [part])]
        assert all(a.dtype in (np.float64, np.int64) for a in arrays)
        assert all(a is not b for a, b in zip(first, second, strict=True))
