"""The visible checks of assignment 06 (a two-layer softmax network).

    check_softmax_cross_entropy(softmax_cross_entropy)              exercise 1
    check_two_layer_loss(two_layer_loss, softmax_cross_entropy)     exercise 2
    check_sgd(sgd)                                                  exercise 3
    check_accuracy(accuracy)                                        exercise 4

    softmax_inputs(), large_inputs(), two_layer_inputs(), sgd_inputs()   the checks' inputs
    RecordingLoss                                                        check_sgd's loss_fn

Each check calls the learner's functions on small fixed float64 inputs, which the hints name
(as the function above that makes them) so that the learner can rerun the call, and compares
with fixed expected numbers (worked out once with torch; tests/test_checks_06.py recomputes
every one of them), naming the likely mistake when a known wrong answer matches. The learner's
functions always get fresh copies of the inputs, and must leave them unchanged. Nothing here
computes an exercise's answer: the hidden tests, with random shapes and seeds, live in the
instructor's notebook.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from bp2yolo.checks.core import assert_close, copies, require_unchanged
from bp2yolo.checks.report import HintError, calling, check, passes, require, unpack

__all__ = [
    "RecordingLoss",
    "check_accuracy",
    "check_sgd",
    "check_softmax_cross_entropy",
    "check_two_layer_loss",
    "large_inputs",
    "sgd_inputs",
    "softmax_inputs",
    "two_layer_inputs",
]


def _a(values: Any) -> np.ndarray:
    return np.array(values, dtype=np.float64)


# ---------------------------------------------------------------------------------------------
# Exercise 1: softmax_cross_entropy, scores (N, C) = (4, 3), then (3, 3) near +-1000

SOFTMAX = "scores, y = softmax_inputs() (N = 4, C = 3)"
LARGE = "scores, y = large_inputs() (scores near 1000 and -1000)"


def softmax_inputs() -> tuple[np.ndarray, np.ndarray]:
    """(scores, y) of check_softmax_cross_entropy's first two calls: scores (4, 3) float64,
    y (4,) int64. Row 2's largest score is not its label's."""
    scores = _a([[3.0, -1.0, 0.5], [0.0, 2.5, -2.0], [1.5, 1.0, -0.5], [-1.0, 0.5, 2.0]])
    return scores, np.array([0, 1, 2, 2])


def large_inputs() -> tuple[np.ndarray, np.ndarray]:
    """(scores, y) of check_softmax_cross_entropy's last call: scores (3, 3) float64 near
    1000 and -1000 (row 2 holds both), y (3,) int64."""
    scores = _a([[1000.0, 997.0, 1001.5], [-1000.0, -998.0, -1003.0], [1000.0, -1000.0, 999.0]])
    return scores, np.array([2, 0, 2])


LOSS = 0.745261556968
DSCORES = _a([[-0.0228100189354, 0.00416112965232, 0.0186488892831],
              [0.0187718280075, -0.0213123186677, 0.00254049066026],
              [0.143524248242, 0.0870518569709, -0.230576105213],
              [0.00977814331767, 0.043822598035, -0.0536007413527]])
SMOOTHED_LOSS = 0.866094890301  # smoothing = 0.1
SMOOTHED_DSCORES = _a([[-0.00614335226871, -0.00417220368102, 0.0103155559497],
                       [0.0104384946741, -0.00464565200105, -0.00579284267307],
                       [0.135190914909, 0.0787185236376, -0.213909438546],
                       [0.00144480998434, 0.0354892647017, -0.036934074686]])
LARGE_LOSS = 23.4966316558  # smoothing = 0.1
LARGE_DSCORES = _a([[0.0491500786644, -0.00811088313583, -0.0410391955286],
                    [-0.271611226266, 0.28075575391, -0.00914452764381],
                    [0.232575081766, -0.0111111111111, -0.221463970654]])
# Known wrong answers for softmax_inputs(), smoothing = 0 unless said otherwise
AXIS0_LOSS = 0.911136196679  # the softmax over axis 0 (the batch)
AXIS0_DSCORES = _a([[-0.0563865888866, 0.00543641387228, 0.0421467638952],
                    [0.00963944413604, -0.0699706975848, 0.00345961705634],
                    [0.0432009914286, 0.0401699670793, -0.234495072051],
                    [0.00354615332197, 0.0243643166332, -0.0611113089006]])
COLUMNS_LOSS = 5.8607846709  # target[:, y] += 1: every column in y, on every row
COLUMNS_DSCORES = _a([[-0.0228100189354, -0.245838870348, -0.231351110717],
                      [-0.231228171993, -0.0213123186677, -0.24745950934],
                      [-0.106475751758, -0.162948143029, -0.230576105213],
                      [-0.240221856682, -0.206177401965, -0.0536007413527]])
P_OVER_N = _a([[0.227189981065, 0.00416112965232, 0.0186488892831],  # the target forgotten
               [0.0187718280075, 0.228687681332, 0.00254049066026],
               [0.143524248242, 0.0870518569709, 0.0194238947871],
               [0.00977814331767, 0.043822598035, 0.196399258647]])
# smoothing = 0.1: smoothing / (C - 1) on the other classes and 1 - smoothing on the true one
C_MINUS_1_LOSS = 0.926511556968
C_MINUS_1_DSCORES = _a([[0.00218998106463, -0.00833887034768, 0.00614888928305],
                        [0.00627182800746, 0.00368768133228, -0.00995950933974],
                        [0.131024248242, 0.0745518569709, -0.205576105213],
                        [-0.00272185668233, 0.031322598035, -0.0286007413527]])
# smoothing = 0.1: smoothing / C on the other classes, but only 1 - smoothing on the true one
NOT_ADDED_LOSS = 0.841252838402
NOT_ADDED_DSCORES = _a([[0.00218998106463, -0.00417220368102, 0.0103155559497],
                        [0.0104384946741, 0.00368768133228, -0.00579284267307],
                        [0.135190914909, 0.0787185236376, -0.205576105213],
                        [0.00144480998434, 0.0354892647017, -0.0286007413527]])
# smoothing = 0.1: (1 - smoothing) times the one-hot, the uniform part forgotten
NO_UNIFORM_LOSS = 0.670735401271
NO_UNIFORM_DSCORES = _a([[0.00218998106463, 0.00416112965232, 0.0186488892831],
                         [0.0187718280075, 0.00368768133228, 0.00254049066026],
                         [0.143524248242, 0.0870518569709, -0.205576105213],
                         [0.00977814331767, 0.043822598035, -0.0286007413527]])
# smoothing = 0.1: smoothing (not smoothing / C) on every class, 1 - smoothing more on the true one
EPS_ON_OTHERS_LOSS = 1.25681386836
EPS_ON_OTHERS_DSCORES = _a([[-0.0228100189354, -0.0208388703477, -0.00635111071695],
                            [-0.00622817199254, -0.0213123186677, -0.0224595093397],
                            [0.118524248242, 0.0620518569709, -0.230576105213],
                            [-0.0152218566823, 0.018822598035, -0.0536007413527]])
PER_ROW_LOSS = _a([0.0956743294144, 0.0891036821571, 2.55495691964, 0.241311296657])  # each row's
# large_inputs(), smoothing = 0.1, np.log of the softmax (the max subtracted): a probability of
# e^-2000 is 0, so the loss is inf, while dscores, from the probabilities, is right
LOG_OF_P_LOSS = np.inf

USES_NO_SCORES = (
    "it is log(C) = log(3), the loss of uniform scores (every class equally likely), whatever "
    "the scores: your function does not use its scores. Compute the loss from the softmax of "
    "each row of scores"
)
WRONG_AXIS = (
    "the softmax is taken over axis 0, the batch: each row is one example, a distribution over "
    "its C classes, so the max, the sum of the exps and the softmax go along axis 1 "
    "(keepdims=True)"
)
COLUMNS = (
    "the target has 1 - smoothing in every column that appears in y, on every row: P[:, y] (or "
    "target[:, y]) picks whole columns; pick one entry per row, P[np.arange(N), y]"
)
MEAN_OF_ALL = (
    "it is averaged over all N * C entries (.mean() of an (N, C) array): the loss is the mean "
    "over the N rows of each row's sum over its C classes"
)
NO_TARGET = "it is P / N: subtract the target, dscores = (P - Y) / N"
SIGN_FLIPPED = (
    "the sign is flipped (it equals minus the expected value): the gradient is (P - Y) / N, "
    "the probabilities minus the targets, not (Y - P) / N"
)
PER_ROW = (
    "it is each row's loss, shape (4,): the loss of the batch is the mean over the N rows, a "
    "single number"
)
LOG_OF_P = (
    "the maximum is already subtracted, so nothing overflows, but a probability of e^-2000 is 0 "
    "in float64 and np.log of it is -inf. Compute the log-probabilities as the shifted scores "
    "minus the log of the sum of their exponentials, never as np.log of P"
)
C_MINUS_1 = (
    "the smoothed target puts smoothing / (C - 1) on each other class: here, as in PyTorch's "
    "label_smoothing, every class gets smoothing / C, and the true class 1 - smoothing more"
)
NOT_ADDED = (
    "the true class gets 1 - smoothing without its own share smoothing / C: every class gets "
    "smoothing / C and the true class 1 - smoothing on top, 1 - smoothing + smoothing / C "
    "(each row of the target sums to 1)"
)
IGNORED = (
    "smoothing is ignored: this is the answer for the one-hot target. With smoothing, the "
    "target is 1 - smoothing + smoothing / C on the true class and smoothing / C on the others"
)
NO_UNIFORM = (
    "the target is 1 - smoothing times the one-hot, with no uniform part (each row sums to "
    "1 - smoothing): every class, the true one included, also gets smoothing / C"
)
EPS_ON_OTHERS = (
    "every other class gets smoothing, not smoothing / C: the uniform part spreads smoothing "
    "over all C classes (each row of the target sums to 1)"
)
HARD_GRADIENT = (
    "dscores uses the one-hot target while the loss uses the smoothed one: dscores = (P - Y) / "
    "N with Y the same smoothed target as in the loss"
)


def _cross_entropy(softmax_cross_entropy: Callable, inputs: tuple[np.ndarray, np.ndarray],
                   described: str, smoothing: float | None) -> tuple[Any, Any, str]:
    """softmax_cross_entropy on fresh copies of `inputs`: (loss, dscores, the call's text)."""
    scores, y = inputs
    given = {"scores": scores, "y": y}
    before = copies(given)
    args = "(scores, y)" if smoothing is None else f"(scores, y, smoothing={smoothing})"
    made = f"softmax_cross_entropy{args} with {described}"
    with calling(made):
        result = (softmax_cross_entropy(scores, y) if smoothing is None
                  else softmax_cross_entropy(scores, y, smoothing=smoothing))
    loss, dscores = unpack(result, 2, f"{made} should return (loss, dscores)")
    require_unchanged(given, before, made)
    return loss, dscores, made


def _passes(actual: Any, expected: Any) -> bool:
    """Whether assert_close(actual, expected) passes (an infinity matches the same infinity)."""
    try:
        assert_close(actual, expected, "value")
    except (HintError, TypeError, ValueError):
        return False
    return True


def _check_softmax_cross_entropy(softmax_cross_entropy: Callable) -> None:
    no_scores = {USES_NO_SCORES: np.log(3.0)}
    loss, dscores, made = _cross_entropy(softmax_cross_entropy, softmax_inputs(), SOFTMAX, None)
    assert_close(loss, LOSS, f"loss of {made}", batch_size=4, variants={
        **no_scores, WRONG_AXIS: AXIS0_LOSS, COLUMNS: COLUMNS_LOSS, MEAN_OF_ALL: LOSS / 3,
        PER_ROW: PER_ROW_LOSS})
    assert_close(dscores, DSCORES, f"dscores of {made}", batch_size=4, variants={
        WRONG_AXIS: AXIS0_DSCORES, COLUMNS: COLUMNS_DSCORES, NO_TARGET: P_OVER_N,
        SIGN_FLIPPED: -DSCORES})

    loss, dscores, made = _cross_entropy(softmax_cross_entropy, softmax_inputs(), SOFTMAX, 0.1)
    assert_close(loss, SMOOTHED_LOSS, f"loss of {made}", batch_size=4, variants={
        **no_scores, IGNORED: LOSS, C_MINUS_1: C_MINUS_1_LOSS, NOT_ADDED: NOT_ADDED_LOSS,
        NO_UNIFORM: NO_UNIFORM_LOSS, EPS_ON_OTHERS: EPS_ON_OTHERS_LOSS})
    assert_close(dscores, SMOOTHED_DSCORES, f"dscores of {made}", batch_size=4, variants={
        HARD_GRADIENT: DSCORES, C_MINUS_1: C_MINUS_1_DSCORES, NOT_ADDED: NOT_ADDED_DSCORES,
        NO_UNIFORM: NO_UNIFORM_DSCORES, EPS_ON_OTHERS: EPS_ON_OTHERS_DSCORES,
        SIGN_FLIPPED: -SMOOTHED_DSCORES})

    loss, dscores, made = _cross_entropy(softmax_cross_entropy, large_inputs(), LARGE, 0.1)
    require(not (_passes(loss, LOG_OF_P_LOSS) and _passes(dscores, LARGE_DSCORES)),
            f"loss of {made} is inf: {LOG_OF_P}")
    assert_close(loss, LARGE_LOSS, f"loss of {made}", batch_size=3, variants=no_scores)
    assert_close(dscores, LARGE_DSCORES, f"dscores of {made}", batch_size=3,
                 variants={SIGN_FLIPPED: -LARGE_DSCORES})


@check
def check_softmax_cross_entropy(softmax_cross_entropy: Callable) -> None:
    """softmax_cross_entropy(scores, y, smoothing) on scores of shape (4, 3) with smoothing 0
    (the default) and 0.1, then on scores of shape (3, 3) near 1000 and -1000."""
    _check_softmax_cross_entropy(softmax_cross_entropy)
    print("softmax_cross_entropy: visible tests passed")


# ---------------------------------------------------------------------------------------------
# Exercise 2: two_layer_loss, N = 4, D = 2, H = 5, C = 3, reg = 0.02

TWO_LAYER = "params, x, y = two_layer_inputs() (N = 4, D = 2, H = 5, C = 3)"
REG = 0.02
GRAD_KEYS = ("W1", "b1", "W2", "b2")


def two_layer_inputs() -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """(params, x, y) of check_two_layer_loss: params {"W1": (2, 5), "b1": (5,), "W2": (5, 3),
    "b2": (3,)} float64, x (4, 2) float64, y (4,) int64; every hidden pre-activation
    x @ W1 + b1 is at least 0.275 away from 0, and some are negative (so relu(h) is not h)."""
    params = {
        "W1": _a([[1.0, -0.5, 0.25, -1.0, 0.5], [0.5, 1.0, -1.0, 0.75, -0.25]]),
        "b1": _a([0.1, -0.2, 0.3, 0.05, -0.1]),
        "W2": _a([[1.0, -1.0, 0.5], [0.5, 0.25, -0.5], [-0.75, 1.0, 0.0], [2.0, -0.5, 0.25],
                  [0.0, 0.5, -1.0]]),
        "b2": _a([0.0, 0.5, -0.25]),
    }
    x = _a([[1.0, -0.5], [0.0, 2.0], [-1.5, 1.0], [0.5, -0.5]])
    return params, x, np.array([1, 0, 0, 2])


NET_LOSS = 0.918397298031  # reg = 0.02, smoothing = 0: data loss 0.610897298031
NET_REG_TERM = 0.3075  # reg * (sum(W1**2) + sum(W2**2))
NET_BIAS_TERM = 0.0093  # reg * (sum(b1**2) + sum(b2**2))
NET_GRADS = {
    "W1": _a([[0.0988309623237, -0.0185681114169, -0.0622275094147, -0.0347572250937,
               0.0799937619924],
              [0.0483172698376, 0.0362986011681, -0.0409235531996, 0.0192229889549,
               -0.115273238787]]),
    "b1": _a([-0.0656928579533, -0.00232799561031, 0.00184710639927, -0.00713609715798,
              0.210546477575]),
    "W2": _a([[0.102544227706, -0.0634321317294, -0.0191120959768],
              [0.0142098461571, 0.012451213122, -0.0166610592791],
              [0.0680256051338, 0.0969400116161, -0.15496561675],
              [0.0734521179871, -0.0170352739661, 0.013583155979],
              [0.0420526628266, 0.0154719200726, -0.0775245828992]]),
    "b2": _a([0.0943353672386, 0.0766644049299, -0.170999772169]),
}
NET_SMOOTHED_LOSS = 1.11376188136  # reg = 0.02, smoothing = 0.1
NET_SMOOTHED_GRADS = {
    "W1": _a([[0.0738309623237, -0.0341931114169, -0.0403525094147, -0.0878822250937,
               0.0862437619924],
              [0.100400603171, 0.0675486011681, -0.0513402198663, 0.125472988955,
               -0.113189905454]]),
    "b1": _a([-0.0656928579533, 0.018505337723, 0.0226804397326, 0.0636972361754,
              0.206379810908]),
    "W2": _a([[0.11087756104, -0.0613487983961, -0.0295287626434],
              [0.0700431794904, -0.0154654535446, -0.0445777259458],
              [0.0515672718004, 0.106731678283, -0.148298950083],
              [0.137618784654, -0.0491186072995, -0.0185001773543],
              [0.03538599616, 0.0219302534059, -0.0773162495659]]),
    "b2": _a([0.111002033905, 0.0683310715965, -0.179333105502]),
}
# The first row of the gradient at the scores (dscores[0]) and at the hidden layer (dh[0])
FIRST_ROWS = {"b2": _a([0.0606561102367, -0.100810042551, 0.0401539323144]),
              "b1": _a([0.181543118945, 0.0, -0.146302125229, 0.0, -0.09055895359])}
# dW2 from the hidden pre-activation h instead of a = relu(h): h.T @ dscores + 2 * reg * W2
W2_FROM_H = _a([[0.104000517922, -0.0642283411508, -0.0197721767713],
                [-0.0938421941442, -0.0337670368761, 0.13760923102],
                [0.0728648225588, 0.0949690181088, -0.157833840668],
                [-0.0375418429336, -0.0286535448217, 0.136195387755],
                [0.0449266059142, 0.0141387873699, -0.0790653932841]])
# The ReLU's mask taken from the gradient (da > 0, da = dscores @ W2.T) instead of h > 0
GRADIENT_MASK = {
    "W1": _a([[0.221543118945, 0.0645565441115, 0.0809272373418, 0.141755724828,
               0.170552715582],
              [-0.0707715594725, -0.0445565441115, -0.108041321925, -0.0608778624138,
               -0.160552715582]]),
    "b1": _a([0.181543118945, 0.169113088223, 0.15221500473, 0.181755724828, 0.301105431165]),
}
# No ReLU in the backward pass: dh = da
UNMASKED = {
    "W1": _a([[0.102035061057, 0.0510370110179, -0.0653748878868, 0.113482980384,
               0.0804303887987],
              [0.0461812040154, -0.0407822321051, -0.0348902593111, -0.0381393541092,
               -0.117411160132]]),
    "b1": _a([-0.0678289237755, 0.151833670936, 0.00591287950089, 0.10758858897,
              0.209331974633]),
}

HALF_REG = (
    "the regularization term is 0.5 * reg * (sum(W1**2) + sum(W2**2)), the lesson's "
    "convention: this exercise uses the other one, reg * (sum(W1**2) + sum(W2**2)), without "
    "the 1/2"
)
BIASES_REGULARIZED = (
    "the biases are regularized too: only the weights are, reg * (sum(W1**2) + sum(W2**2)), "
    "never b1 or b2"
)
LESSON_GRADIENT = (
    "the regularization gradient is reg * {w}, the lesson's 0.5 convention: here the loss has "
    "reg * sum({w}**2), without the 1/2, so its gradient is 2 * reg * {w}: the factor 2 is missing"
)
BIAS_GRADIENT = (
    "it includes 2 * reg * {b}: the biases are not regularized, so d{b} is the data gradient "
    "alone"
)
BIAS_MEAN = (
    "d{b} is averaged over the batch: {b} is added to every one of the N rows, so d{b} sums "
    "over the rows (axis 0); the 1 / N is already in dscores"
)
BIAS_FIRST_ROW = (
    "d{b} is the gradient of the first row only: {b} is added to every row, so d{b} sums the "
    "gradient over all N rows (axis 0)"
)
W2_FROM_PRE_ACTIVATION = "dW2 uses the ReLU's output a = relu(h), not its input h"
MASK_FROM_GRADIENT = (
    "the ReLU's mask came from the gradient (da > 0), not from the hidden pre-activation: the "
    "gradient passes where h = x @ W1 + b1 > 0"
)
NO_RELU_BACKWARD = (
    "the ReLU's gradient is missing: on the way back, the gradient at the hidden layer is "
    "zeroed where the pre-activation h = x @ W1 + b1 is <= 0 (multiply by h > 0)"
)
SMOOTHING_NOT_PASSED = (
    "smoothing is not passed on: this is the answer without label smoothing; call "
    "softmax_cross_entropy(scores, y, smoothing)"
)


def _grads(result: Any, made: str) -> Mapping[str, Any]:
    """The dict of gradients two_layer_loss returned, with every key of GRAD_KEYS, or HintError."""
    wanted = ", ".join(repr(k) for k in GRAD_KEYS)
    require(isinstance(result, Mapping),
            f"{made} should return (loss, grads), grads a dict with the keys {wanted}; grads is "
            f"a {type(result).__name__}")
    missing = [k for k in GRAD_KEYS if k not in result]
    require(not missing, f"grads of {made} should have the keys {wanted}, one gradient per "
                         f"parameter; it is missing {', '.join(repr(k) for k in missing)}")
    return result


def _net_case(two_layer_loss: Callable, smoothing: float | None) -> tuple[Any, Mapping, str,
                                                                          dict]:
    """two_layer_loss on fresh copies of two_layer_inputs(): (loss, grads, the call's text,
    the params it was given)."""
    params, x, y = two_layer_inputs()
    given = {"x": x, "y": y, **{f"params[{k!r}]": v for k, v in params.items()}}
    before = copies(given)
    args = f"reg={REG}" + ("" if smoothing is None else f", smoothing={smoothing}")
    made = f"two_layer_loss(params, x, y, {args}) with {TWO_LAYER}"
    with calling(made):
        result = (two_layer_loss(params, x, y, reg=REG) if smoothing is None
                  else two_layer_loss(params, x, y, reg=REG, smoothing=smoothing))
    loss, grads = unpack(result, 2, f"{made} should return (loss, grads)")
    require_unchanged(given, before, made)
    return loss, _grads(grads, made), made, two_layer_inputs()[0]


def _compare_net(two_layer_loss: Callable) -> None:
    loss, grads, made, params = _net_case(two_layer_loss, None)
    assert_close(loss, NET_LOSS, f"loss of {made}",
                 terms={"regularization": NET_REG_TERM},
                 variants={HALF_REG: NET_LOSS - NET_REG_TERM / 2,
                           BIASES_REGULARIZED: NET_LOSS + NET_BIAS_TERM})
    for key in ("W2", "b2", "W1", "b1"):
        want, p, name = NET_GRADS[key], params[key], f"grads[{key!r}] of {made}"
        if key.startswith("W"):
            assert_close(grads[key], want, name, batch_size=4,
                         terms={"regularization": 2 * REG * p},
                         variants={LESSON_GRADIENT.format(w=key): want - REG * p,
                                   **({W2_FROM_PRE_ACTIVATION: W2_FROM_H} if key == "W2" else {
                                       NO_RELU_BACKWARD: UNMASKED[key],
                                       MASK_FROM_GRADIENT: GRADIENT_MASK[key]})})
        else:
            variants = {BIAS_GRADIENT.format(b=key): want + 2 * REG * p,
                        BIAS_MEAN.format(b=key): want / 4,
                        BIAS_FIRST_ROW.format(b=key): FIRST_ROWS[key]}
            if key == "b1":
                variants |= {NO_RELU_BACKWARD: UNMASKED[key],
                             MASK_FROM_GRADIENT: GRADIENT_MASK[key]}
            assert_close(grads[key], want, name, batch_size=4, variants=variants)

    loss, grads, made, _ = _net_case(two_layer_loss, 0.1)
    assert_close(loss, NET_SMOOTHED_LOSS, f"loss of {made}",
                 variants={SMOOTHING_NOT_PASSED: NET_LOSS})
    for key in ("W2", "b2", "W1", "b1"):
        assert_close(grads[key], NET_SMOOTHED_GRADS[key], f"grads[{key!r}] of {made}",
                     variants={SMOOTHING_NOT_PASSED: NET_GRADS[key]})


@check
def check_two_layer_loss(two_layer_loss: Callable, softmax_cross_entropy: Callable) -> None:
    """two_layer_loss(params, x, y, reg, smoothing) on a network of sizes D = 2, H = 5, C = 3,
    with reg = 0.02 and smoothing 0 (the default), then 0.1. When it is wrong and
    softmax_cross_entropy (exercise 1, which it calls) fails its own check, it says so."""
    try:
        _compare_net(two_layer_loss)
    except HintError:
        require(passes(_check_softmax_cross_entropy, softmax_cross_entropy),
                "two_layer_loss is wrong, and your softmax_cross_entropy, which it calls, fails "
                "its own test: fix exercise 1 first")
        raise
    print("two_layer_loss: visible tests passed")


# ---------------------------------------------------------------------------------------------
# Exercise 3: sgd with a loss function that records its calls

SGD_N, SGD_BATCH, SGD_EPOCHS, SGD_SEED, SGD_LR, SGD_DECAY = 7, 3, 3, 6, 0.25, 0.5
SGD = "loss_fn, params, x, y = sgd_inputs()"
SGD_W, SGD_B = _a([[1.0, -1.0], [0.5, 2.0]]), _a([0.25, -0.5])  # the parameters at the start
GRAD_W, GRAD_B = _a([[0.5, -1.0], [1.0, 0.25]]), _a([1.0, -0.5])  # call k returns (k + 1) times
# The examples' order in each epoch: rng.permutation(7) three times, rng = default_rng(6)
SGD_ORDER = [[2, 3, 0, 5, 4, 1, 6], [5, 4, 0, 2, 1, 6, 3], [2, 3, 4, 5, 0, 6, 1]]
SGD_SIZES = [3, 3, 1] * 3
# The parameters when loss_fn is called for the k-th time are (W, b) - m_k (GRAD_W, GRAD_B),
# with m_k the sum of lr_e (j + 1) over the steps j < k (lr_e: the learning rate of j's epoch)
SGD_SEEN = [0.0, 0.25, 0.75, 1.5, 2.0, 2.625, 3.375, 3.8125, 4.3125]
SGD_FINAL = 4.875  # m after all 9 steps: lr 0.25, 0.125, 0.0625 in the three epochs
SGD_LOSSES = [0.5 * (k + 1) for k in range(9)]  # what loss_fn returns, call by call
SGD_WRONG_FINAL = {  # hint -> m of a known wrong loop
    "the parameters never changed: update the arrays in the dict sgd was given, in place, "
    "params[k] -= lr * grads[k] (p = p - lr * g makes a new array and drops it)": 0.0,
    "the parameters moved along the gradient (gradient ascent): step against it, "
    "params[k] -= lr * grads[k]":
        -SGD_FINAL,
    "the learning rate never decays: after each epoch, lr *= decay": 11.25,
    "the learning rate decays after every step: decay it once per epoch, after the epoch's "
    "last batch": 0.9892578125,
    "the learning rate decays before the first epoch: the first epoch uses lr itself, and "
    "lr *= decay comes after each epoch": 2.4375,
}


class RecordingLoss:
    """check_sgd's loss_fn: it records each call and returns made-up numbers.

    Call k (counting from 0) returns (0.5 * (k + 1), {"W": (k + 1) * GRAD_W, "b": (k + 1) *
    GRAD_B}), GRAD_W of shape (2, 2) and GRAD_B of shape (2,), fresh arrays each time.
    batches: the labels yb of each call, as lists (sgd_inputs' y[i] = i, so these are the
    examples' indices); matched: whether each call's xb was x[yb]; seen: copies of the
    params dict at each call.
    """

    def __init__(self, x: np.ndarray) -> None:
        self.x = np.array(x)
        self.batches: list[list[int]] = []
        self.matched: list[bool] = []
        self.seen: list[dict[str, np.ndarray]] = []

    def __call__(self, params: Mapping[str, np.ndarray], xb: np.ndarray,
                 yb: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        k = len(self.batches)
        labels = np.asarray(yb).astype(np.int64).reshape(-1)
        self.batches.append(labels.tolist())
        xb = np.asarray(xb)
        self.matched.append(xb.shape == (len(labels), 2) and np.array_equal(xb, self.x[labels]))
        self.seen.append({name: np.array(value) for name, value in params.items()})
        return 0.5 * (k + 1), {"W": (k + 1) * GRAD_W, "b": (k + 1) * GRAD_B}


def sgd_inputs() -> tuple[RecordingLoss, dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """(loss_fn, params, x, y) of check_sgd: a fresh RecordingLoss, params {"W": (2, 2),
    "b": (2,)} float64, x (7, 2) float64 (row i is [2 i, 2 i + 1]), y (7,) int64 = 0..6."""
    x = np.arange(14.0).reshape(SGD_N, 2)
    return RecordingLoss(x), {"W": SGD_W.copy(), "b": SGD_B.copy()}, x, np.arange(SGD_N)


def _check_batches(loss_fn: RecordingLoss, made: str) -> None:
    """The calls' batch sizes, x and y together, then the examples' order in each epoch."""
    sizes = [len(b) for b in loss_fn.batches]
    n, size = SGD_N, SGD_BATCH
    if sizes == [size, size] * SGD_EPOCHS:
        raise HintError(
            f"{made}: the last batch of each epoch is missing. With N = {n} and batch_size = "
            f"{size} an epoch has batches of 3, 3 and 1 examples: the last one is smaller, "
            "and it is not dropped")
    require(sizes != [n] * SGD_EPOCHS,
            f"{made}: every call of loss_fn got all N = {n} examples; an epoch goes through "
            f"them in batches of batch_size = {size}")
    require(sizes == SGD_SIZES,
            f"{made} called loss_fn {len(sizes)} times, with batches of sizes {sizes}; expected "
            f"{len(SGD_SIZES)} calls, {SGD_EPOCHS} epochs of batches of 3, 3 and 1 examples "
            f"(N = {n}, batch_size = {size}): consecutive slices of one shuffled order per "
            "epoch, the last one smaller")
    require(all(loss_fn.matched),
            f"{made}: the x and y of a batch do not belong together (loss_fn.batches holds the "
            "labels, and x[i] is row i): index both with the same indices, x[batch], y[batch]")
    epochs = [sum(loss_fn.batches[3 * e:3 * e + 3], []) for e in range(SGD_EPOCHS)]
    require(epochs != [list(range(n))] * SGD_EPOCHS,
            f"{made}: the examples come in their order in x, never shuffled: each epoch visits "
            "them in the order rng.permutation(N)")
    require(not all(order == epochs[0] for order in epochs),
            f"{made}: every epoch visits the examples in the same order, {epochs[0]}: make the "
            "generator once, rng = np.random.default_rng(seed), before the epochs (not in the "
            "loop, and never seeded again), and draw a new rng.permutation(N) each epoch")
    require(epochs == SGD_ORDER,
            f"{made}: the epochs visit the examples in the orders {epochs}, but "
            f"rng.permutation(N) of rng = np.random.default_rng(seed) gives {SGD_ORDER}: use "
            "that generator, made once, one permutation per epoch (not np.random's global "
            "functions, not rng.shuffle of x)")


def _check_params(params: Mapping[str, np.ndarray], W: np.ndarray, b: np.ndarray,
                  loss_fn: RecordingLoss, made: str) -> None:
    """The parameters: updated in place, by the right steps, after every batch."""
    for key, original in (("W", W), ("b", b)):
        require(params.get(key) is original,
                f"{made}: params[{key!r}] is a new array: update the arrays in place, "
                "params[k] -= lr * grads[k], so that everyone who holds them (the caller, "
                "other code) sees the update; params[k] = params[k] - lr * grads[k] rebinds "
                "the dict's entry to a new array")
    for key, start, grad in (("W", SGD_W, GRAD_W), ("b", SGD_B, GRAD_B)):
        assert_close(params[key], start - SGD_FINAL * grad, f"params[{key!r}] after {made}",
                     variants={hint: start - m * grad for hint, m in SGD_WRONG_FINAL.items()})
    for k, m in enumerate(SGD_SEEN):
        assert_close(loss_fn.seen[k]["W"], SGD_W - m * GRAD_W,
                     f"params['W'] that loss_fn got at step {k + 1} of {made} (the updates "
                     "come after each batch, before the next call)")


@check
def check_sgd(sgd: Callable) -> None:
    """sgd(loss_fn, params, x, y, lr=0.25, batch_size=3, epochs=3, seed=6, decay=0.5) with a
    loss_fn that records its calls, for N = 7 examples: 9 steps in 3 epochs."""
    loss_fn, params, x, y = sgd_inputs()
    W, b = params["W"], params["b"]
    given = {"x": x, "y": y}
    before = copies(given)
    made = (f"sgd(loss_fn, params, x, y, lr={SGD_LR}, batch_size={SGD_BATCH}, "
            f"epochs={SGD_EPOCHS}, seed={SGD_SEED}, decay={SGD_DECAY}) with {SGD}")
    with calling(made):
        losses = sgd(loss_fn, params, x, y, lr=SGD_LR, batch_size=SGD_BATCH, epochs=SGD_EPOCHS,
                     seed=SGD_SEED, decay=SGD_DECAY)
    require(len(loss_fn.batches) > 0, f"{made} never called loss_fn")
    require_unchanged(given, before, made)
    _check_batches(loss_fn, made)
    _check_params(params, W, b, loss_fn, made)
    if losses is None:
        raise HintError(f"{made} returned None: return the list of the losses, one per step")
    require(np.ndim(losses) == 1,
            f"{made} should return a list of numbers, the loss of every step; it returned a "
            f"{type(losses).__name__}")
    require(len(losses) != SGD_EPOCHS,
            f"{made} returned {SGD_EPOCHS} losses, one per epoch: return the loss of every "
            f"step (every batch), {len(SGD_LOSSES)} in all, in order")
    assert_close(np.asarray(losses, dtype=np.float64), _a(SGD_LOSSES),
                 f"the losses {made} returned (loss_fn's losses, one per step, in order)")
    print("sgd: visible tests passed")


# ---------------------------------------------------------------------------------------------
# Exercise 4: accuracy

ACCURACY_CASES = [  # (scores, y, accuracy): (4, 4) scores first, then (5, 3)
    ([[0.1, 2.0, -1.0, 0.5], [3.0, 0.0, 1.0, -2.0], [-1.0, 0.5, 0.2, 2.5],
      [0.0, 2.2, 1.5, 1.0]], [1, 3, 3, 0], 0.5),
    ([[0.5, -1.0, 2.0], [1.0, 0.0, -1.0], [-0.5, 1.5, 0.25], [2.0, 2.5, -3.0],
      [0.0, -2.0, -1.5]], [2, 0, 1, 0, 1], 0.6),
]
ACCURACY_WRONG = [  # per case: hint -> a known wrong answer
    {"the argmax is taken over axis 0 (down the columns): each row is one example, and its "
     "predicted class is the column of its largest score, np.argmax(scores, axis=1)": 0.75,
     "it counts the correct rows (2) instead of giving their fraction: divide by N": 2.0,
     "you compared the largest score itself with the label: the prediction is where the "
     "largest score is (its index, argmax), not its value": 0.25},
    {"it counts the correct rows (3) instead of giving their fraction: divide by N": 3.0,
     "you compared the largest score itself with the label: the prediction is where the "
     "largest score is (its index, argmax), not its value": 0.2},
]


@check
def check_accuracy(accuracy: Callable) -> None:
    """accuracy(scores, y) on scores of shape (4, 4) and (5, 3)."""
    for (scores, y, want), wrong in zip(ACCURACY_CASES, ACCURACY_WRONG, strict=True):
        made = f"accuracy(scores, y) with scores = np.array({scores}), y = np.array({y})"
        with calling(made):
            got = accuracy(_a(scores), np.array(y))
        require(np.ndim(got) == 0,
                f"{made} should return one number, the fraction of rows whose largest score is "
                f"at the label; it returned shape {np.shape(got)}")
        assert_close(got, want, made, variants=wrong)
    print("accuracy: visible tests passed")
