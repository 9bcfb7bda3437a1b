"""Mutants for assignment 03 (backprop through a network): proof that its tests can fail.

Each mutant is a solution cell of solutions/03_backprop_through_a_network/03_exercises.ipynb
with a classic mistake edited in (`_edit`, i.e. mutants.edit: each changed line must be there
exactly once, so a change to the notebook cannot silently turn a mutant into the solution). The
visible tests must reject it with a message that names the mistake, and the hidden tests must
reject it on their own (run without the visible part of the cell). A mutant that hard-codes the
visible answers, or that only works for the visible networks, passes the visible tests: only
the hidden tests catch it (hint=None).
"""

from __future__ import annotations

import functools

from mutants import Mutant, edit, hardcode

NB = "solutions/03_backprop_through_a_network/03_exercises.ipynb"
_edit = functools.partial(edit, NB)
_hardcode = functools.partial(hardcode, NB)  # the visible answers returned first


# ---------------------------------------------------------------------------------------------
# Exercise 1: the forward pass


def _forward(old: str, new: str) -> str:
    return _edit("forward", (old, new))


NO_BIAS = _forward("net = biases[l][j]", "net = 0.0")

FORWARD = [
    Mutant("no_bias", "forward", NO_BIAS, "test_forward", "the bias is missing"),
    Mutant("transposed_weights", "forward",
           _forward("net += weights[l][j][i]", "net += weights[l][i][j]"),
           "test_forward", "you used weights[l][i][j]"),
    Mutant("linear_output", "forward",
           _forward("outputs.append(sigmoid(net))",
                    "outputs.append(sigmoid(net) if l < len(weights) - 1 else net)"),
           "test_forward", "the output neurons are sigmoid neurons too"),
    Mutant("no_input_layer", "forward",
           _forward("    return activations\n", "    return activations[1:]\n"),
           "test_forward", "activations[0] is the input x itself"),
    Mutant("hardcoded", "forward", _hardcode("forward", """\
    if len(x) == 2:
        return [[0.05, 0.1], [0.593269992107, 0.59688437826], [0.751365069552, 0.772928465321]]
    return [[1.0, -2.0, 0.5], [0.679178699175, 0.512497396484],
            [0.579732620243, 0.498748067564], [0.5697875836]]
"""), "test_forward", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 2: the squared error and the output deltas

MSE_DELTA = "deltas.append(-(t - o) * o * (1 - o))"


def _mse(*changes: tuple[str, str]) -> str:
    return _edit("mse_loss_and_deltas", *changes)


NO_SIGMA_PRIME = _mse((MSE_DELTA, "deltas.append(o - t)"))

MSE = [
    Mutant("no_sigma_prime", "mse_loss_and_deltas", NO_SIGMA_PRIME,
           "test_mse_loss_and_deltas", "this is dE/do = o - t"),
    Mutant("sign_flipped", "mse_loss_and_deltas",
           _mse((MSE_DELTA, "deltas.append((t - o) * o * (1 - o))")),
           "test_mse_loss_and_deltas", "sign is flipped", "sign is flipped"),
    Mutant("no_half", "mse_loss_and_deltas",
           _mse(("E += 0.5 * (t - o) ** 2", "E += (t - o) ** 2"),
                (MSE_DELTA, "deltas.append(-2 * (t - o) * o * (1 - o))")),
           "test_mse_loss_and_deltas", "factor of 2", "factor of 2"),
    # with the lesson's two outputs both give half of E: the three-output case tells them apart
    Mutant("averaged_over_outputs", "mse_loss_and_deltas",
           _mse(("return E, deltas", "return E / len(outputs), deltas")),
           "test_mse_loss_and_deltas", "averaged over the outputs", "averaged over the outputs"),
    Mutant("half_twice", "mse_loss_and_deltas",
           _mse(("E += 0.5 * (t - o) ** 2", "E += 0.5 * 0.5 * (t - o) ** 2")),
           "test_mse_loss_and_deltas", "Check the 1/2 convention", "factor of 1/2"),
    Mutant("hardcoded", "mse_loss_and_deltas", _hardcode("mse_loss_and_deltas", """\
    if len(outputs) == 2:
        return 0.29837110876, [0.138498561629, -0.0380982365166]
    return 0.725, [-0.128, 0.081, 0.0]
"""), "test_mse_loss_and_deltas", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 3: the backward pass


def _backward(*changes: tuple[str, str]) -> str:
    return _edit("backward", *changes)


HIDDEN_TERM = "s += weights[l][k][j] * deltas[l][k]"
# s = 0.0 once per layer, not once per neuron j: each hidden neuron adds in the sums before it
SUM_NOT_RESET = _backward(("        for j in range(len(a)):\n            s = 0.0\n",
                           "        s = 0.0\n        for j in range(len(a)):\n"))
# written for exactly one hidden layer, like the lesson's network
ONE_HIDDEN_LAYER_ONLY = _backward(
    ("    L = len(weights)\n", "    L = 2  # the lesson's network: one hidden layer\n"),
    ("for j in range(len(weights[l]))])", "for j in range(len(deltas[l]))])"),
)

BACKWARD = [
    Mutant("hidden_no_sigma_prime", "backward",
           _backward(("layer.append(a[j] * (1 - a[j]) * s)", "layer.append(s)")),
           "test_backward", "a (1 - a), is missing"),
    Mutant("only_last_output", "backward",
           _backward((HIDDEN_TERM, "s = weights[l][k][j] * deltas[l][k]")),  # = where += belongs
           "test_backward", "only the last output's contribution"),
    Mutant("only_first_output", "backward",
           _backward(("for k in range(len(deltas[l])):", "for k in range(1):")),
           "test_backward", "only the first output's contribution"),
    Mutant("transposed_weight", "backward",
           _backward((HIDDEN_TERM, "s += weights[l][j][k] * deltas[l][k]")),
           "test_backward", "you used weights[l][j][k]"),
    Mutant("sum_not_reset", "backward", SUM_NOT_RESET,
           "test_backward", "the sum s is not reset for each hidden neuron"),
    Mutant("own_activation", "backward",
           _backward(("deltas[l][j] * activations[l][i]", "deltas[l][j] * activations[l + 1][j]")),
           "test_backward", "the neuron's own output"),
    Mutant("one_hidden_layer_only", "backward", ONE_HIDDEN_LAYER_ONLY,
           "test_backward", "does your backward handle any number of hidden layers"),
    # the right gradients, and then a gradient-descent step on the caller's weights: the update
    # belongs to train, which would then step twice
    Mutant("updates_weights", "backward", _backward(("    db = [list(d) for d in deltas]\n", """\
    db = [list(d) for d in deltas]
    for l in range(L):
        for j in range(len(weights[l])):
            for i in range(len(weights[l][j])):
                weights[l][j][i] -= 0.5 * dW[l][j][i]
""")), "test_backward", "changed the caller's weights in place",
           "backward changed the caller's weights in place"),
    Mutant("hardcoded", "backward", _hardcode("backward", """\
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
"""), "test_backward", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 4: the training loop (it calls the notebook's correct forward, mse_loss_and_deltas
# and backward, so that only this cell is wrong)


def _train(*changes: tuple[str, str]) -> str:
    return _edit("train", *changes)


TRAIN = [
    # each layer updated as soon as its gradient is known, before the deltas below it
    Mutant("stale_output_weights", "train", _train((
        "        dW, db = backward(activations, output_deltas, weights)  # all gradients, "
        "old weights\n        for l in range(len(weights)):\n",
        "        for l in range(len(weights) - 1, -1, -1):\n"
        "            dW, db = backward(activations, output_deltas, weights)  # the layers "
        "above l already updated\n",
    )), "test_train", "already updated output weights"),
    Mutant("uphill", "train", _train(("weights[l][j][i] -= lr", "weights[l][j][i] += lr"),
                                     ("biases[l][j] -= lr", "biases[l][j] += lr")),
           "test_train", "the error grows"),
    Mutant("no_final_loss", "train",
           _train(("for step in range(steps + 1):", "for step in range(steps):")),
           "test_train", "steps + 1 = 2"),
    Mutant("in_place", "train",
           _train(("    weights, biases = copy.deepcopy(weights), copy.deepcopy(biases)\n", "")),
           "test_train", "in place", "changed the caller's weights"),
    # only the update_biases=True calls change the biases: each call must be checked
    Mutant("biases_copied_shallowly", "train",
           _train(("copy.deepcopy(biases)", "[b for b in biases]")),
           "test_train", "changed the caller's biases in place",
           "changed the caller's biases in place"),
    Mutant("always_updates_biases", "train", _train(("if update_biases:", "if True:")),
           "test_train", "the biases changed although update_biases=False"),
    # the lesson's learning rate typed in: every visible run but one uses lr = 0.5
    Mutant("lr_fixed", "train", _train(("weights[l][j][i] -= lr", "weights[l][j][i] -= 0.5"),
                                       ("biases[l][j] -= lr", "biases[l][j] -= 0.5")),
           "test_train", "these are the losses of lr = 0.5"),
    # the first error recorded inside the loop over the steps, the others after each update:
    # right for steps >= 1, and no error at all for steps = 0
    Mutant("no_loss_without_steps", "train", _train(
        ("    for step in range(steps + 1):\n", "    for step in range(steps):\n"),
        ("        losses.append(E)\n        if step == steps:\n            break\n",
         "        if step == 0:\n            losses.append(E)  # the error before any step\n"),
        ("    return weights, biases, losses\n",
         "        losses.append(mse_loss_and_deltas(forward(x, weights, biases)[-1], targets)[0])\n"
         "    return weights, biases, losses\n"),
    ), "test_train", "with steps = 0 it should have steps + 1 = 1",
        "losses has 0 entries for steps = 0"),
    Mutant("hardcoded", "train", _hardcode("train", """\
    if steps == 0:
        return copy.deepcopy(weights), copy.deepcopy(biases), [0.29837110876]
    if lr == 2.0:
        return ([[[0.149122864531, 0.198245729062], [0.249004574529, 0.298009149059]],
                 [[0.235665918872, 0.284664744305], [0.545205080955, 0.595480484432]]],
                [[0.332457290621, 0.33009149059], [0.323002876743, 0.676196473033]],
                [0.29837110876, 0.225632348615])
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
"""), "test_train", None),
]

# Exercise 4 with a mistake in exercise 1, 2 or 3: train uses the learner's functions, and its
# test says which one to fix first (not "close but not within tolerance").

TRAIN_ON_BROKEN = [
    Mutant("no_bias_seen_by_train", "forward", NO_BIAS, "test_train",
           "train uses your forward, which fails its own test", "fix exercise 1 first"),
    Mutant("no_sigma_prime_seen_by_train", "mse_loss_and_deltas", NO_SIGMA_PRIME,
           "test_train", "train uses your mse_loss_and_deltas, which fails its own test",
           "fix exercise 2 first"),
    Mutant("sum_not_reset_seen_by_train", "backward", SUM_NOT_RESET,
           "test_train", "train uses your backward, which fails its own test",
           "fix exercise 3 first"),
    # right for the lesson's one hidden layer, so only the hidden tests' deeper network sees it
    Mutant("one_hidden_layer_only_seen_by_train", "backward", ONE_HIDDEN_LAYER_ONLY,
           "test_train", None, "train uses your backward, which is wrong for layer sizes"),
]

# ---------------------------------------------------------------------------------------------
# Exercise 5: binary cross-entropy


def _bce_delta(new: str) -> str:
    return _edit("bce_loss_and_deltas", ("deltas.append(o - t)", f"deltas.append({new})"))


BCE = [
    Mutant("mse_form", "bce_loss_and_deltas", _bce_delta("(o - t) * o * (1 - o)"),
           "test_bce_loss_and_deltas", "you kept the factor o (1 - o)"),
    Mutant("sign_flipped", "bce_loss_and_deltas", _bce_delta("t - o"),
           "test_bce_loss_and_deltas", "sign is flipped", "sign is flipped"),
    Mutant("dE_do", "bce_loss_and_deltas", _bce_delta("(o - t) / (o * (1 - o))"),
           "test_bce_loss_and_deltas", "this is dE/do"),
    Mutant("halved", "bce_loss_and_deltas", _bce_delta("0.5 * (o - t)"),
           "test_bce_loss_and_deltas", "cross-entropy has no 1/2", "factor of 1/2"),
    Mutant("missing_one_minus_t_term", "bce_loss_and_deltas",
           _edit("bce_loss_and_deltas", ("E -= t * math.log(o) + (1 - t) * math.log(1 - o)",
                                         "E -= t * math.log(o)")),
           "test_bce_loss_and_deltas", "the (1 - t) log(1 - o) term is missing"),
    Mutant("hardcoded", "bce_loss_and_deltas", _hardcode("bce_loss_and_deltas", """\
    if len(outputs) == 3:
        return 3.57555076881, [-0.2, 0.3, -0.95]
    return 1.65052853181, [0.741365069552, -0.217071534679]
"""), "test_bce_loss_and_deltas", None),
]

MUTANTS = FORWARD + MSE + BACKWARD + TRAIN + TRAIN_ON_BROKEN + BCE
