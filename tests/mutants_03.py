"""Mutants for assignment 03 (backprop through a network): proof that its tests can fail.

Each mutant replaces one solution cell of
solutions/03_backprop_through_a_network/03_exercises.ipynb with a classic wrong implementation.
The visible tests must reject it with a message that names the mistake, and the hidden tests
must reject it on their own (run without the visible part of the cell). A mutant that hard-codes
the visible answers, or that only works for the visible networks, passes the visible tests: only
the hidden tests catch it (hint=None).
"""

from __future__ import annotations

import functools

from mutants import Mutant, edit

NB = "solutions/03_backprop_through_a_network/03_exercises.ipynb"
_edit = functools.partial(edit, NB)  # the solution cell with one line changed

# ---------------------------------------------------------------------------------------------
# Exercise 1: the forward pass


def _forward(net="biases[l][j]", weight="weights[l][j][i]", out="sigmoid(net)",
             ret="activations"):
    """A forward with one expression changed."""
    return f"""
def forward(x, weights, biases):
    activations = [[float(v) for v in x]]
    for l in range(len(weights)):
        inputs = activations[l]
        outputs = []
        for j in range(len(weights[l])):
            net = {net}
            for i in range(len(inputs)):
                net += {weight} * inputs[i]
            outputs.append({out})
        activations.append(outputs)
    return {ret}
"""


FORWARD = [
    Mutant("no_bias", "forward", _forward(net="0.0"), "test_forward", "the bias is missing"),
    Mutant("transposed_weights", "forward", _forward(weight="weights[l][i][j]"),
           "test_forward", "you used weights[l][i][j]"),
    Mutant("linear_output", "forward",
           _forward(out="sigmoid(net) if l < len(weights) - 1 else net"),
           "test_forward", "the output neurons are sigmoid neurons too"),
    Mutant("no_input_layer", "forward", _forward(ret="activations[1:]"),
           "test_forward", "activations[0] is the input x itself"),
    Mutant("hardcoded", "forward", """
def forward(x, weights, biases):
    if len(x) == 2:
        return [[0.05, 0.1], [0.593269992107, 0.59688437826], [0.751365069552, 0.772928465321]]
    return [[1.0, -2.0, 0.5], [0.679178699175, 0.512497396484],
            [0.579732620243, 0.498748067564], [0.5697875836]]
""", "test_forward", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 2: the squared error and the output deltas


def _mse(loss="0.5 * (t - o) ** 2", delta="-(t - o) * o * (1 - o)"):
    return f"""
def mse_loss_and_deltas(outputs, targets):
    E = 0.0
    deltas = []
    for o, t in zip(outputs, targets):
        E += {loss}
        deltas.append({delta})
    return E, deltas
"""


MSE = [
    Mutant("no_sigma_prime", "mse_loss_and_deltas", _mse(delta="o - t"),
           "test_mse_loss_and_deltas", "this is dE/do = o - t"),
    Mutant("sign_flipped", "mse_loss_and_deltas", _mse(delta="(t - o) * o * (1 - o)"),
           "test_mse_loss_and_deltas", "sign is flipped", "sign is flipped"),
    Mutant("no_half", "mse_loss_and_deltas",
           _mse(loss="(t - o) ** 2", delta="-2 * (t - o) * o * (1 - o)"),
           "test_mse_loss_and_deltas", "factor of 2", "factor of 2"),
    # with the lesson's two outputs both give half of E: the three-output case tells them apart
    Mutant("averaged_over_outputs", "mse_loss_and_deltas",
           _edit("mse_loss_and_deltas", ("return E, deltas", "return E / len(outputs), deltas")),
           "test_mse_loss_and_deltas", "averaged over the outputs", "averaged over the outputs"),
    Mutant("half_twice", "mse_loss_and_deltas",
           _edit("mse_loss_and_deltas",
                 ("E += 0.5 * (t - o) ** 2", "E += 0.5 * 0.5 * (t - o) ** 2")),
           "test_mse_loss_and_deltas", "Check the 1/2 convention", "factor of 1/2"),
    Mutant("hardcoded", "mse_loss_and_deltas", """
def mse_loss_and_deltas(outputs, targets):
    if len(outputs) == 2:
        return 0.29837110876, [0.138498561629, -0.0380982365166]
    return 0.725, [-0.128, 0.081, 0.0]
""", "test_mse_loss_and_deltas", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 3: the backward pass


def _backward(ks="range(len(deltas[l]))", term="s += weights[l][k][j] * deltas[l][k]",
              hidden="a[j] * (1 - a[j]) * s", grad="deltas[l][j] * activations[l][i]"):
    """A backward with one line changed."""
    return f"""
def backward(activations, output_deltas, weights):
    L = len(weights)
    deltas = [None] * L
    deltas[L - 1] = [float(d) for d in output_deltas]
    for l in range(L - 1, 0, -1):
        a = activations[l]
        layer = []
        for j in range(len(a)):
            s = 0.0
            for k in {ks}:
                {term}
            layer.append({hidden})
        deltas[l - 1] = layer
    dW = [[[{grad} for i in range(len(activations[l]))] for j in range(len(weights[l]))]
          for l in range(L)]
    return dW, [list(d) for d in deltas]
"""


# s = 0.0 once per layer, not once per neuron j: each hidden neuron adds in the sums before it
SUM_NOT_RESET = _edit("backward", ("        for j in range(len(a)):\n            s = 0.0\n",
                                   "        s = 0.0\n        for j in range(len(a)):\n"))

BACKWARD = [
    Mutant("hidden_no_sigma_prime", "backward", _backward(hidden="s"),
           "test_backward", "a (1 - a), is missing"),
    Mutant("only_last_output", "backward",
           _backward(term="s = weights[l][k][j] * deltas[l][k]"),  # = where += belongs
           "test_backward", "only the last output's contribution"),
    Mutant("only_first_output", "backward", _backward(ks="range(1)"),
           "test_backward", "only the first output's contribution"),
    Mutant("transposed_weight", "backward",
           _backward(term="s += weights[l][j][k] * deltas[l][k]"),
           "test_backward", "you used weights[l][j][k]"),
    Mutant("sum_not_reset", "backward", SUM_NOT_RESET,
           "test_backward", "the sum s is not reset for each hidden neuron"),
    Mutant("own_activation", "backward",
           _backward(grad="deltas[l][j] * activations[l + 1][j]"),
           "test_backward", "the neuron's own output"),
    # written for exactly one hidden layer, like the lesson's network
    Mutant("one_hidden_layer_only", "backward", """
def backward(activations, output_deltas, weights):
    x, hidden = activations[0], activations[1]
    d_out = list(output_deltas)
    d_hidden = [hidden[j] * (1 - hidden[j])
                * sum(weights[1][k][j] * d_out[k] for k in range(len(d_out)))
                for j in range(len(hidden))]
    dW = [[[d * xi for xi in x] for d in d_hidden], [[d * h for h in hidden] for d in d_out]]
    return dW, [d_hidden, d_out]
""", "test_backward", "does your backward handle any number of hidden layers"),
    Mutant("hardcoded", "backward", """
def backward(activations, output_deltas, weights):
    if len(weights) == 2:
        return ([[[0.000438567734474, 0.000877135468949], [0.000497712735261, 0.000995425470522]],
                 [[0.0821670405642, 0.0826676278475], [-0.0226025404775, -0.022740242216]]],
                [[0.00877135468949, 0.00995425470522], [0.138498561629, -0.0380982365166]])
    return ([[[0.00267602626911, -0.00535205253822], [-0.00204333131389, 0.00408666262778],
              [-0.000183092429688, 0.000366184859376]],
             [[0.020524117801, 0.0162912633807, 0.0088651886212],
              [-0.0161402306277, -0.0128115006322, -0.00697161214392]],
             [[0.172201988414, 0.151280896198], [-0.114801325609, -0.100853930799]]],
            [[0.00535205253822, -0.00408666262778, -0.000366184859376],
             [0.0317879924707, -0.0249981770055], [0.3, -0.2]])
""", "test_backward", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 4: the training loop (uses the solution's forward, mse_loss_and_deltas, backward)


def _train(copy_params="weights, biases = copy.deepcopy(weights), copy.deepcopy(biases)",
           loop="range(steps + 1)", sign="-=", bias_if="update_biases"):
    return f"""
def train(x, targets, weights, biases, lr, steps, update_biases=True):
    {copy_params}
    losses = []
    for step in {loop}:
        activations = forward(x, weights, biases)
        E, output_deltas = mse_loss_and_deltas(activations[-1], targets)
        losses.append(E)
        if step == steps:
            break
        dW, db = backward(activations, output_deltas, weights)
        for l in range(len(weights)):
            for j in range(len(weights[l])):
                for i in range(len(weights[l][j])):
                    weights[l][j][i] {sign} lr * dW[l][j][i]
                if {bias_if}:
                    biases[l][j] {sign} lr * db[l][j]
    return weights, biases, losses
"""


TRAIN = [
    # each layer updated as soon as its gradient is known, before the deltas below it
    Mutant("stale_output_weights", "train", """
def train(x, targets, weights, biases, lr, steps, update_biases=True):
    weights, biases = copy.deepcopy(weights), copy.deepcopy(biases)
    losses = []
    for step in range(steps + 1):
        activations = forward(x, weights, biases)
        E, deltas = mse_loss_and_deltas(activations[-1], targets)
        losses.append(E)
        if step == steps:
            break
        for l in range(len(weights) - 1, -1, -1):
            for j in range(len(weights[l])):
                for i in range(len(weights[l][j])):
                    weights[l][j][i] -= lr * deltas[j] * activations[l][i]
                if update_biases:
                    biases[l][j] -= lr * deltas[j]
            a = activations[l]
            deltas = [a[i] * (1 - a[i]) * sum(weights[l][k][i] * deltas[k]
                                              for k in range(len(deltas)))
                      for i in range(len(a))]  # with the weights just updated
    return weights, biases, losses
""", "test_train", "already updated output weights"),
    Mutant("uphill", "train", _train(sign="+="), "test_train", "the error grows"),
    Mutant("no_final_loss", "train", _train(loop="range(steps)"),
           "test_train", "steps + 1 = 2"),
    Mutant("in_place", "train", _train(copy_params="pass"),
           "test_train", "in place", "changed the caller's weights"),
    # only the update_biases=True calls change the biases: each call must be checked
    Mutant("biases_copied_shallowly", "train",
           _train(copy_params="weights, biases = copy.deepcopy(weights), [b for b in biases]"),
           "test_train", "changed the caller's biases in place",
           "changed the caller's biases in place"),
    Mutant("always_updates_biases", "train", _train(bias_if="True"),
           "test_train", "the biases changed although update_biases=False"),
    Mutant("hardcoded", "train", """
def train(x, targets, weights, biases, lr, steps, update_biases=True):
    if steps == 1:
        return ([[[0.149780716133, 0.199561432266], [0.249751143632, 0.299502287265]],
                 [[0.358916479718, 0.408666186076], [0.511301270239, 0.561370121108]]],
                copy.deepcopy(biases), [0.29837110876, 0.291027773694])
    if steps == 2:
        return ([[[0.149585446845, 0.19917089369], [0.249524835904, 0.299049671808]],
                 [[0.316835449054, 0.366338353062], [0.522110753832, 0.572243001579]]],
                [[0.341708936898, 0.340496718082], [0.459691670034, 0.637302274463]],
                [0.29837110876, 0.280471446791, 0.261907623069])
    return weights, biases, [0.0] * steps + [3.51018778298e-05]
""", "test_train", None),
]

# Exercise 4 with a mistake in exercise 1, 2 or 3: train uses the learner's functions, and its
# test says which one to fix first (not "close but not within tolerance").

TRAIN_ON_BROKEN = [
    Mutant("no_bias_seen_by_train", "forward", _forward(net="0.0"), "test_train",
           "train uses your forward, which fails its own test", "fix exercise 1 first"),
    Mutant("no_sigma_prime_seen_by_train", "mse_loss_and_deltas", _mse(delta="o - t"),
           "test_train", "train uses your mse_loss_and_deltas, which fails its own test",
           "fix exercise 2 first"),
    Mutant("sum_not_reset_seen_by_train", "backward", SUM_NOT_RESET,
           "test_train", "train uses your backward, which fails its own test",
           "fix exercise 3 first"),
    # right for the lesson's one hidden layer, so only the hidden tests' deeper network sees it
    Mutant("one_hidden_layer_only_seen_by_train", "backward",
           next(m.source for m in BACKWARD if m.name == "one_hidden_layer_only"),
           "test_train", None, "train uses your backward, which is wrong for layer sizes"),
]

# ---------------------------------------------------------------------------------------------
# Exercise 5: binary cross-entropy


def _bce(loss="t * math.log(o) + (1 - t) * math.log(1 - o)", delta="o - t"):
    return f"""
def bce_loss_and_deltas(outputs, targets):
    E = 0.0
    deltas = []
    for o, t in zip(outputs, targets):
        E -= {loss}
        deltas.append({delta})
    return E, deltas
"""


BCE = [
    Mutant("mse_form", "bce_loss_and_deltas", _bce(delta="(o - t) * o * (1 - o)"),
           "test_bce_loss_and_deltas", "you kept the factor o (1 - o)"),
    Mutant("sign_flipped", "bce_loss_and_deltas", _bce(delta="t - o"),
           "test_bce_loss_and_deltas", "sign is flipped", "sign is flipped"),
    Mutant("dE_do", "bce_loss_and_deltas", _bce(delta="(o - t) / (o * (1 - o))"),
           "test_bce_loss_and_deltas", "this is dE/do"),
    Mutant("halved", "bce_loss_and_deltas", _bce(delta="0.5 * (o - t)"),
           "test_bce_loss_and_deltas", "cross-entropy has no 1/2", "factor of 1/2"),
    Mutant("missing_one_minus_t_term", "bce_loss_and_deltas", _bce(loss="t * math.log(o)"),
           "test_bce_loss_and_deltas", "the (1 - t) log(1 - o) term is missing"),
    Mutant("hardcoded", "bce_loss_and_deltas", """
def bce_loss_and_deltas(outputs, targets):
    if len(outputs) == 3:
        return 3.57555076881, [-0.2, 0.3, -0.95]
    return 1.65052853181, [0.741365069552, -0.217071534679]
""", "test_bce_loss_and_deltas", None),
]

MUTANTS = FORWARD + MSE + BACKWARD + TRAIN + TRAIN_ON_BROKEN + BCE
