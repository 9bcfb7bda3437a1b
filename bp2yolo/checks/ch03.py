"""The visible checks of assignment 03 (backprop through a network, neuron by neuron).

Each check receives the learner's functions, calls them on the lesson's 2-2-2 network (inputs
0.05, 0.10, weights w1..w8 = .15 .. .55, biases .35 and .60, targets 0.01, 0.99) or on another
small fixed network, and compares with fixed expected numbers, naming the likely mistake when
one matches. Nothing here computes an exercise's answer: the hidden tests live in the
instructor's notebook. The learner's functions always get copies, never these constants.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from bp2yolo.checks.core import assert_close
from bp2yolo.checks.report import call, check, require, run, unpack

__all__ = [
    "check_backward",
    "check_bce_loss_and_deltas",
    "check_forward",
    "check_mse_loss_and_deltas",
    "check_train",
]

# The lesson's 2-2-2 network, its forward pass, squared error and gradients.
X, TARGETS = [0.05, 0.1], [0.01, 0.99]
WEIGHTS = [[[0.15, 0.2], [0.25, 0.3]], [[0.4, 0.45], [0.5, 0.55]]]
BIASES = [[0.35, 0.35], [0.6, 0.6]]
HIDDEN = [0.593269992107, 0.59688437826]
OUTPUTS = [0.751365069552, 0.772928465321]
E_MSE = 0.29837110876
MSE_DELTAS = [0.138498561629, -0.0380982365166]
HIDDEN_DELTAS = [0.00877135468949, 0.00995425470522]
DW = [[[0.000438567734474, 0.000877135468949], [0.000497712735261, 0.000995425470522]],
      [[0.0821670405642, 0.0826676278475], [-0.0226025404775, -0.022740242216]]]
DIRECT = [0.741365069552, -0.217071534679]  # o - t: dE/do of the squared error, BCE's delta

NO_SIGMA_PRIME = (
    "this is dE/do = o - t: the output is o = sigmoid(net), so the delta dE/dnet also has the "
    "factor do/dnet = o (1 - o)"
)
MSE_FORM = (
    "you kept the factor o (1 - o): that is the squared error's delta. With cross-entropy, "
    "dE/do = (o - t) / (o (1 - o)), and the sigmoid's o (1 - o) cancels it"
)


def _size(result: Any) -> int | None:
    """len(result), or None when it has no length (None, a number)."""
    try:
        return len(result)
    except TypeError:
        return None


def _pair(result: Any, what: str) -> tuple:
    """`result` as a 2-tuple, or HintError naming the two values `what` should return."""
    return unpack(result, 2, what)


def _array(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=float)


@check
def check_forward(forward: Callable) -> None:
    """forward(x, weights, biases) on the lesson's 2-2-2 network and on a 3-2-2-1 network."""
    made = call("forward", X, WEIGHTS, BIASES)  # the lesson's 2-2-2 network
    activations = run(forward, list(X), copy.deepcopy(WEIGHTS), copy.deepcopy(BIASES))
    require(
        _size(activations) == 3,
        f"{made} should return L + 1 = 3 lists for this network of 2 layers: activations[0] "
        "is the input x itself, then one list per layer",
    )
    assert_close(_array(activations[0]), np.array(X), f"activations[0] (the input) of {made}")
    no_bias = "the bias is missing: every neuron's net input is its bias plus the weighted inputs"
    transposed = (
        "you used weights[l][i][j]: the weight from neuron i into neuron j is weights[l][j][i] "
        "(one row per receiving neuron)"
    )
    assert_close(_array(activations[1]), np.array(HIDDEN),
                 f"activations[1] (the hidden layer) of {made}",
                 variants={no_bias: np.array([0.506874566765, 0.510623401005]),
                           transposed: np.array([0.594475930748, 0.596282699297])})
    assert_close(_array(activations[2]), np.array(OUTPUTS),
                 f"activations[2] (the outputs) of {made}",
                 variants={"the output neurons are sigmoid neurons too: apply sigmoid to their "
                           "net input": np.array([1.10590596706, 1.2249214041])})

    # a 3-2-2-1 network: two hidden layers, layers of different sizes
    x = [1.0, -2.0, 0.5]
    weights = [[[0.1, -0.2, 0.3], [0.4, 0.0, -0.5]], [[0.7, -0.3], [-0.6, 0.2]], [[1.0, -1.0]]]
    biases = [[0.1, -0.1], [0.0, 0.3], [0.2]]
    made = call("forward", x, weights, biases)
    activations = run(forward, x, weights, biases)
    require(
        _size(activations) == 4,
        f"{made} should return 4 lists for a network of 3 layers, got {_size(activations)}: "
        "does your code handle any number of layers?",
    )
    expected = [[1.0, -2.0, 0.5],
                [0.679178699175, 0.512497396484],
                [0.579732620243, 0.498748067564],
                [0.5697875836]]
    for layer in range(4):
        assert_close(_array(activations[layer]), np.array(expected[layer]),
                     f"activations[{layer}] of the 3-2-2-1 network, {made}")
    print("forward: visible tests passed")


@check
def check_mse_loss_and_deltas(mse_loss_and_deltas: Callable) -> None:
    """mse_loss_and_deltas(outputs, targets) on three outputs, then on the lesson's network."""
    # three outputs first: with two, an E averaged over the outputs is half of E, like a 1/2
    # too many
    made = call("mse_loss_and_deltas", [0.2, 0.9, 0.5], [1.0, 0.0, 0.5])
    E, deltas = _pair(run(mse_loss_and_deltas, [0.2, 0.9, 0.5], [1.0, 0.0, 0.5]),
                      f"{made} should return (E, deltas)")
    assert_close(E, 0.725, f"E for outputs [0.2, 0.9, 0.5], {made}",
                 variants={"E is averaged over the outputs: E is the sum over the outputs, "
                           "1/2 sum (t - o)^2, not their mean": 0.725 / 3})
    assert_close(_array(deltas), np.array([-0.128, 0.081, 0.0]),
                 f"deltas for outputs [0.2, 0.9, 0.5], {made}",
                 variants={NO_SIGMA_PRIME: np.array([-0.8, 0.9, 0.0])})
    made = call("mse_loss_and_deltas", OUTPUTS, TARGETS)
    E, deltas = _pair(run(mse_loss_and_deltas, list(OUTPUTS), list(TARGETS)),
                      f"{made} should return (E, deltas)")
    assert_close(E, E_MSE, f"E of the lesson's 2-2-2 network, {made}")
    assert_close(_array(deltas), np.array(MSE_DELTAS),
                 f"deltas of the lesson's 2-2-2 network, {made}",
                 variants={NO_SIGMA_PRIME: np.array(DIRECT)})
    print("mse_loss_and_deltas: visible tests passed")


def _read_only(made: str, given: dict[str, Any], before: dict[str, Any]) -> None:
    """Fail unless backward left each of its arguments (name -> what it was given) as it was."""
    for name, value in given.items():
        require(
            _same(value, before[name]),
            f"{made} changed the caller's {name} in place: backward only computes gradients "
            "from them (the update is train's job, on its own copies); leave its arguments as "
            "they are",
        )


@check
def check_backward(backward: Callable) -> None:
    """backward(activations, output_deltas, weights) on the lesson's network (its squared
    error's output deltas) and on a 2-3-2-2 network, checked from the output layer down;
    it must leave its arguments as they were."""
    made = call("backward", [X, HIDDEN, OUTPUTS], MSE_DELTAS, WEIGHTS)  # the lesson's network
    given = {"activations": [list(X), list(HIDDEN), list(OUTPUTS)],
             "output_deltas": [list(MSE_DELTAS)], "weights": copy.deepcopy(WEIGHTS)}
    dW, db = _pair(
        run(backward, given["activations"], given["output_deltas"][0], given["weights"]),
        f"{made} should return (dW, db)",
    )
    _read_only(made, given, {"activations": [X, HIDDEN, OUTPUTS], "output_deltas": [MSE_DELTAS],
                             "weights": WEIGHTS})
    require(_size(dW) == 2 and _size(db) == 2,
             f"dW and db should have one entry per layer of weights: 2 ({made})")
    assert_close(_array(db[1]), np.array(MSE_DELTAS),
                 f"db[1] (the output layer's deltas) of {made}")
    own_output = [[0.104062981391, 0.104062981391], [-0.0294472114822, -0.0294472114822]]
    assert_close(_array(dW[1]), np.array(DW[1]),
                 f"dW[1] (dE/dw5, dE/dw6; dE/dw7, dE/dw8) of {made}",
                 variants={"you multiplied the delta by the neuron's own output; dE/dw_ji = "
                           "delta_j times a_i, the input that the weight multiplies":
                               np.array(own_output)})
    every_k = (
        "feeds every neuron k of the layer above, so its delta sums weights[l][k][j] * delta_k "
        "over all of them"
    )
    assert_close(_array(db[0]), np.array(HIDDEN_DELTAS), f"db[0] (the hidden deltas) of {made}",
                 variants={
                     "the derivative of the hidden neuron's sigmoid, a (1 - a), is missing":
                         np.array([0.0363503063931, 0.0413703226487]),
                     "only the first output's contribution: hidden neuron j " + every_k:
                         np.array([0.0133679204229, 0.0149960754889]),
                     "only the last output's contribution (= where += belongs?): hidden neuron "
                     "j " + every_k: np.array([-0.0045965657334, -0.00504182078368]),
                     "you used weights[l][j][k]: the weight from hidden neuron j into neuron k "
                     "is weights[l][k][j]": np.array([0.00923101126283, 0.0116204853151]),
                     "the sum s is not reset for each hidden neuron: start it at 0 for every "
                     "j, or each neuron adds in the sums of the neurons before it":
                         np.array([0.00877135468953, 0.0187006261446]),
                 })
    assert_close(_array(dW[0]), np.array(DW[0]),
                 f"dW[0] (dE/dw1, dE/dw2; dE/dw3, dE/dw4) of {made}")

    # a 2-3-2-2 network, two hidden layers; any output deltas will do
    activations = [[0.5, -1.0],
                   [0.645656306226, 0.512497396484, 0.278884821977],
                   [0.574006628045, 0.504269653995],
                   [0.572969491192, 0.603482301292]]
    weights = [[[0.2, -0.4], [0.3, 0.1], [-0.5, 0.6]],
               [[0.5, -0.2, 0.1], [-0.3, 0.4, 0.2]],
               [[0.6, -0.1], [0.25, 0.35]]]
    made = call("backward", activations, [0.3, -0.2], weights)
    given = copy.deepcopy({"activations": activations, "output_deltas": [[0.3, -0.2]],
                           "weights": weights})
    dW, db = _pair(run(backward, given["activations"], given["output_deltas"][0],
                       given["weights"]), f"{made} should return (dW, db)")
    _read_only(made, given, {"activations": activations, "output_deltas": [[0.3, -0.2]],
                             "weights": weights})
    require(
        _size(dW) == 3 and _size(db) == 3,
        f"dW and db should have one entry per layer of weights, 3 here, not {_size(dW)} and "
        f"{_size(db)}: does your backward handle any number of hidden layers? ({made})",
    )
    expected_db = [[0.00535205253822, -0.00408666262778, -0.000366184859376],
                   [0.0317879924707, -0.0249981770055],
                   [0.3, -0.2]]
    expected_dW = [[[0.00267602626911, -0.00535205253822],
                    [-0.00204333131389, 0.00408666262778],
                    [-0.000183092429688, 0.000366184859376]],
                   [[0.020524117801, 0.0162912633807, 0.0088651886212],
                    [-0.0161402306277, -0.0128115006322, -0.00697161214392]],
                   [[0.172201988414, 0.151280896198], [-0.114801325609, -0.100853930799]]]
    for layer in (2, 1, 0):
        assert_close(_array(db[layer]), np.array(expected_db[layer]),
                     f"db[{layer}] of the 2-3-2-2 network, {made}")
        assert_close(_array(dW[layer]), np.array(expected_dW[layer]),
                     f"dW[{layer}] of the 2-3-2-2 network, {made}")
    print("backward: visible tests passed")


def _same(params: Any, expected: Any) -> bool:
    """Whether two lists of layers (of lists or arrays) hold the same numbers."""
    return len(params) == len(expected) and all(
        np.array_equal(_array(p), _array(e)) for p, e in zip(params, expected, strict=True)
    )


def _agrees(got: Any, expected: Any) -> bool:
    """Whether got, a list of layers, matches expected as closely as the exercises' tests ask."""
    try:
        if len(got) != len(expected):
            return False
        for g, e in zip(got, expected, strict=True):
            assert_close(_array(g), _array(e), "a layer")
    except (AssertionError, TypeError, ValueError):
        return False
    return True


def _unchanged(weights: Any, biases: Any, made: str) -> None:
    """Fail unless the caller's weights and biases are still the lesson's, after `made`."""
    for name, params, before in [("weights", weights, WEIGHTS), ("biases", biases, BIASES)]:
        require(
            _same(params, before),
            f"{made} changed the caller's {name} in place: work on copies made with "
            f"copy.deepcopy. A shallow copy ({name}.copy(), list({name}), "
            f"[{name[0]} for {name[0]} in {name}]) "
            "is a new outer list that still holds the caller's inner lists",
        )


def _triple(result: Any, made: str) -> tuple:
    """train's result as (weights, biases, losses), or HintError naming the call `made`."""
    return unpack(result, 3, f"{made} should return (weights, biases, losses)")


def _train(train: Callable, steps: int, lr: float = 0.5,
           **kwargs: Any) -> tuple[Any, list, list, str]:
    """train on copies of the lesson's network: (its result, the copies it was given, the call
    as the hints name it)."""
    weights, biases = copy.deepcopy(WEIGHTS), copy.deepcopy(BIASES)
    made = call("train", X, TARGETS, WEIGHTS, BIASES, lr, steps, **kwargs)
    result = run(train, list(X), list(TARGETS), weights, biases, lr, steps, **kwargs)
    return result, weights, biases, made


@check
def check_train(train: Callable, forward: Callable, mse_loss_and_deltas: Callable,
                backward: Callable) -> None:
    """train(x, targets, weights, biases, lr, steps, update_biases) on the lesson's network:
    one step, the lesson's 10,000 steps (biases fixed), two steps with the biases trained, one
    step at another learning rate, and no step at all. First forward, mse_loss_and_deltas and
    backward, which train calls, on the same network."""
    fails = "which fails its own test on the lesson's network: fix exercise {} first"
    activations = run(forward, list(X), copy.deepcopy(WEIGHTS), copy.deepcopy(BIASES))
    expected = [X, HIDDEN, OUTPUTS]
    require(_agrees(activations, expected), "train uses your forward, " + fails.format(1))
    result = run(mse_loss_and_deltas, list(OUTPUTS), list(TARGETS))
    require(
        isinstance(result, (tuple, list)) and len(result) == 2
        and _agrees([[result[0]], result[1]], [[E_MSE], MSE_DELTAS]),
        "train uses your mse_loss_and_deltas, " + fails.format(2),
    )
    result = run(backward, copy.deepcopy(expected), list(MSE_DELTAS), copy.deepcopy(WEIGHTS))
    require(
        isinstance(result, (tuple, list)) and len(result) == 2
        and _agrees(result[0], DW) and _agrees(result[1], [HIDDEN_DELTAS, MSE_DELTAS]),
        "train uses your backward, " + fails.format(3),
    )

    result, weights, biases, made = _train(train, 1, update_biases=False)
    _unchanged(weights, biases, made)
    new_weights, new_biases, losses = _triple(result, made)
    require(
        len(losses) == 2,
        f"losses has {len(losses)} entries: with steps = 1 it should have steps + 1 = 2, the "
        f"error before the first step and after it ({made})",
    )
    require(_same(new_biases, BIASES),
             f"the biases changed although update_biases=False ({made})")
    stale = (
        "the hidden deltas were computed with the already updated output weights: compute "
        "every gradient of a step first, with the old weights, then update"
    )
    assert_close(_array(losses), np.array([E_MSE, 0.291027773694]),
                 f"losses of the lesson's network, one step: {made}",
                 variants={stale: np.array([E_MSE, 0.291027923905]),
                           "the error grows: step against the gradient (w - lr * dE/dw), not "
                           "along it": np.array([E_MSE, 0.305640632684])})
    expected = [[[0.149780716133, 0.199561432266], [0.249751143632, 0.299502287265]],
                [[0.358916479718, 0.408666186076], [0.511301270239, 0.561370121108]]]
    stale_weights = [[0.149817638561, 0.199635277122], [0.249788185198, 0.299576370396]]
    assert_close(_array(new_weights[1]), np.array(expected[1]),
                 f"weights[1] after one step (w5, w6; w7, w8) of {made}")
    assert_close(_array(new_weights[0]), np.array(expected[0]),
                 f"weights[0] after one step (w1, w2; w3, w4) of {made}",
                 variants={stale: np.array(stale_weights)})

    # the lesson's 10,000 steps
    result, weights, biases, made = _train(train, 10_000, update_biases=False)
    _unchanged(weights, biases, made)
    losses = _triple(result, made)[2]
    require(len(losses) == 10_001,
             f"losses should have 10,001 entries, not {len(losses)} ({made})")
    assert_close(losses[-1], 3.51018778298e-05, f"the error after 10,000 steps, {made}")

    # biases trained as well
    result, weights, biases, made = _train(train, 2)
    _unchanged(weights, biases, f"{made} (biases trained)")
    new_weights, new_biases, losses = _triple(result, made)
    assert_close(_array(losses), np.array([E_MSE, 0.280471446791, 0.261907623069]),
                 f"losses over two steps, biases trained: {made}")
    assert_close(_array(new_biases[1]), np.array([0.459691670034, 0.637302274463]),
                 f"biases[1] after two steps of {made}")
    assert_close(_array(new_biases[0]), np.array([0.341708936898, 0.340496718082]),
                 f"biases[0] after two steps of {made}")

    # another learning rate than the lesson's 0.5
    result, weights, biases, made = _train(train, 1, lr=2.0)
    _unchanged(weights, biases, made)
    new_weights, new_biases, losses = _triple(result, made)
    assert_close(_array(losses), np.array([E_MSE, 0.225632348615]),
                 f"losses over one step at lr = 2.0: {made}",
                 variants={"these are the losses of lr = 0.5, the lesson's learning rate: step "
                           "by the lr that train is given": np.array([E_MSE, 0.280471446791])})
    assert_close(_array(new_weights[1]),
                 np.array([[0.235665918872, 0.284664744305], [0.545205080955, 0.595480484432]]),
                 f"weights[1] after one step at lr = 2.0 of {made}")
    assert_close(_array(new_biases[1]), np.array([0.323002876743, 0.676196473033]),
                 f"biases[1] after one step at lr = 2.0 of {made}")

    # no step at all: the error of the initial parameters, which come back as they were
    result, weights, biases, made = _train(train, 0)
    _unchanged(weights, biases, made)
    new_weights, new_biases, losses = _triple(result, made)
    require(
        len(losses) == 1,
        f"losses has {len(losses)} entries: with steps = 0 it should have steps + 1 = 1, the "
        f"error of the initial parameters, recorded although no step is taken ({made})",
    )
    assert_close(_array(losses), np.array([E_MSE]), f"losses with no step: {made}")
    require(_same(new_weights, WEIGHTS) and _same(new_biases, BIASES),
            f"with steps = 0 no step is taken: the weights and biases should come back as they "
            f"were ({made})")
    print("train: visible tests passed")


@check
def check_bce_loss_and_deltas(bce_loss_and_deltas: Callable) -> None:
    """bce_loss_and_deltas(outputs, targets) on three outputs, then on the lesson's network."""
    made = call("bce_loss_and_deltas", [0.8, 0.3, 0.05], [1.0, 0.0, 1.0])
    E, deltas = _pair(run(bce_loss_and_deltas, [0.8, 0.3, 0.05], [1.0, 0.0, 1.0]),
                      f"{made} should return (E, deltas)")
    assert_close(E, 3.57555076881, f"E for outputs [0.8, 0.3, 0.05], {made}",
                 variants={"the (1 - t) log(1 - o) term is missing: it is what penalises a "
                           "large output where the target is 0": 3.21887582487,
                           "E is averaged over the outputs: sum them": 1.19185025627})
    assert_close(_array(deltas), np.array([-0.2, 0.3, -0.95]),
                 f"deltas for outputs [0.8, 0.3, 0.05], {made}",
                 variants={
                     MSE_FORM: np.array([-0.032, 0.063, -0.045125]),
                     "this is dE/do, the derivative with respect to the output; the delta is "
                     "with respect to the net input: multiply by do/dnet = o (1 - o)":
                         np.array([-1.25, 1.42857142857, -20.0]),
                     "off by a factor of 1/2: cross-entropy has no 1/2 in front, so nothing "
                     "cancels a 2": np.array([-0.1, 0.15, -0.475]),
                 })
    # the lesson's 2-2-2 network, with cross-entropy in place of the squared error
    made = call("bce_loss_and_deltas", OUTPUTS, TARGETS)
    E, deltas = _pair(run(bce_loss_and_deltas, list(OUTPUTS), list(TARGETS)),
                      f"{made} should return (E, deltas)")
    assert_close(E, 1.65052853181, f"E of the lesson's 2-2-2 network, {made}")
    assert_close(_array(deltas), np.array(DIRECT), f"deltas of the lesson's 2-2-2 network, {made}",
                 variants={MSE_FORM: np.array(MSE_DELTAS)})
    print("bce_loss_and_deltas: visible tests passed")
