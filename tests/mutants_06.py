"""Mutants for assignment 06 (a two-layer softmax network): proof that its tests can fail.

Each mutant is a solution cell of solutions/06_softmax_network/06_exercises.ipynb with a classic
mistake edited in (`_edit`, i.e. mutants.edit: each changed line must be there exactly once, so
a change to the notebook cannot silently turn a mutant into the solution). The visible tests
must reject it with a message that names the mistake, and the hidden tests (random sizes and
seeds, torch's cross_entropy and autograd, a training run on the digits) must reject it on
their own. A mutant that hard-codes the visible answers passes the visible tests: only the
hidden tests catch it (hint=None).
"""

from __future__ import annotations

import functools

from mutants import Mutant, edit, hardcode

NB = "solutions/06_softmax_network/06_exercises.ipynb"
_edit = functools.partial(edit, NB)
_hardcode = functools.partial(hardcode, NB)  # the visible answers returned first

# ---------------------------------------------------------------------------------------------
# Exercise 1: softmax_cross_entropy


_softmax = functools.partial(_edit, "softmax_cross_entropy")


SHIFT = "z = scores - scores.max(axis=1, keepdims=True)  # each row's largest entry is now 0"
LOG_PROBS = "log_probs = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))"
FULL = "target = np.full((N, C), smoothing / C)"
ADD = "target[np.arange(N), y] += 1.0 - smoothing  # one entry per row"
LOSS = "loss = -np.sum(target * log_probs) / N"
RETURN = "return float(loss), (np.exp(log_probs) - target) / N"
STABILITY = "check numerical stability"
NO_DIVISION = _softmax((LOSS, "loss = -np.sum(target * log_probs)"),
                       (RETURN, "return float(loss), np.exp(log_probs) - target"))
TEST_SOFTMAX = "test_softmax_cross_entropy"
USES_NO_SCORES = "the loss of uniform scores (every class equally likely), whatever the scores"

SOFTMAX = [
    Mutant("no_max_subtracted", "softmax_cross_entropy", _softmax((SHIFT, "z = scores")),
           TEST_SOFTMAX, STABILITY, STABILITY),
    # the max subtracted, then np.log of the probabilities: exp(-2000) is 0, the loss inf
    Mutant("log_of_softmax", "softmax_cross_entropy",
           _softmax((LOG_PROBS, "log_probs = np.log(np.exp(z) / np.exp(z).sum(axis=1, "
                                "keepdims=True))")),
           TEST_SOFTMAX, "loss of softmax_cross_entropy(scores, y, smoothing=0.1) with scores, y = "
           "large_inputs() (scores near 1000 and -1000) is inf: the maximum is already "
           "subtracted, so nothing overflows", STABILITY),
    Mutant("no_division_by_n", "softmax_cross_entropy", NO_DIVISION, TEST_SOFTMAX,
           "N = 4 times too large: did you forget to divide by the batch size?", "N = "),
    Mutant("dscores_not_divided_by_n", "softmax_cross_entropy",
           _softmax((RETURN, "return float(loss), np.exp(log_probs) - target")),
           TEST_SOFTMAX, "dscores of softmax_cross_entropy(scores, y) with scores, y = "
           "softmax_inputs() (N = 4, C = 3) is N = 4 times too large", "N = "),
    Mutant("loss_per_row", "softmax_cross_entropy",
           _softmax((LOSS, "loss = -np.sum(target * log_probs, axis=1)"),
                    (RETURN, "return loss, (np.exp(log_probs) - target) / N")),
           TEST_SOFTMAX, "it is each row's loss, shape (4,): the loss of the batch is the mean "
           "over the N rows, a single number", "wrong shape"),
    Mutant("mean_over_all_entries", "softmax_cross_entropy",
           _softmax((LOSS, "loss = -np.mean(target * log_probs)")),
           TEST_SOFTMAX, "it is averaged over all N * C entries"),
    Mutant("smoothing_over_c_minus_1", "softmax_cross_entropy",
           _softmax((FULL, "target = np.full((N, C), smoothing / (C - 1))"),
                    (ADD, "target[np.arange(N), y] = 1.0 - smoothing")),
           TEST_SOFTMAX, "puts smoothing / (C - 1) on each other class"),
    Mutant("smoothing_not_added_to_the_true_class", "softmax_cross_entropy",
           _softmax((ADD, "target[np.arange(N), y] = 1.0 - smoothing")),
           TEST_SOFTMAX, "the true class gets 1 - smoothing without its own share"),
    Mutant("no_uniform_part", "softmax_cross_entropy",
           _softmax((FULL, "target = np.zeros((N, C))")), TEST_SOFTMAX,
           "the target is 1 - smoothing times the one-hot, with no uniform part"),
    Mutant("smoothing_not_divided_by_c", "softmax_cross_entropy",
           _softmax((FULL, "target = np.full((N, C), smoothing)")), TEST_SOFTMAX,
           "every other class gets smoothing, not smoothing / C"),
    Mutant("smoothing_ignored", "softmax_cross_entropy",
           _softmax((FULL, "target = np.zeros((N, C))"),
                    (ADD, "target[np.arange(N), y] = 1.0")),
           TEST_SOFTMAX, "smoothing is ignored"),
    Mutant("one_hot_gradient", "softmax_cross_entropy",
           _softmax((RETURN, "return float(loss), (np.exp(log_probs) - np.eye(C)[y]) / N")),
           TEST_SOFTMAX, "dscores uses the one-hot target while the loss uses the smoothed one"),
    Mutant("softmax_over_the_batch", "softmax_cross_entropy",
           _softmax(("axis=1", "axis=0"), every=True), TEST_SOFTMAX,
           "the softmax is taken over axis 0, the batch"),
    # the lesson's P[np.arange(N), y] -= 1 written as P[:, y] -= 1: whole columns
    Mutant("columns_of_y", "softmax_cross_entropy",
           _softmax((ADD, "target[:, y] += 1.0 - smoothing")), TEST_SOFTMAX,
           "P[:, y] (or target[:, y]) picks whole columns"),
    Mutant("target_not_subtracted", "softmax_cross_entropy",
           _softmax((RETURN, "return float(loss), np.exp(log_probs) / N")), TEST_SOFTMAX,
           "it is P / N: subtract the target"),
    Mutant("dscores_sign_flipped", "softmax_cross_entropy",
           _softmax((RETURN, "return float(loss), (target - np.exp(log_probs)) / N")),
           TEST_SOFTMAX, "the sign is flipped (it equals minus the expected value): the gradient "
           "is (P - Y) / N, the probabilities minus the targets, not (Y - P) / N",
           "the sign is flipped"),
    Mutant("shifts_scores_in_place", "softmax_cross_entropy",
           _softmax((SHIFT, "scores -= scores.max(axis=1, keepdims=True)\n    z = scores")),
           TEST_SOFTMAX, "changed its input scores in place", "changed one of its inputs in place"),
    # CS231n's check at initialization, loss ~ log(C), passes these; ours do not
    Mutant("returns_log_c", "softmax_cross_entropy",
           _hardcode("softmax_cross_entropy", "    return np.log(C), np.zeros((N, C))\n"),
           TEST_SOFTMAX, USES_NO_SCORES),
    Mutant("returns_log_c_with_the_right_gradient", "softmax_cross_entropy",
           _softmax((LOSS, "loss = np.log(C)")), TEST_SOFTMAX, USES_NO_SCORES),
    Mutant("hardcoded", "softmax_cross_entropy", _hardcode("softmax_cross_entropy", """\
    from bp2yolo.checks import ch06

    if N == 3:
        return ch06.LARGE_LOSS, ch06.LARGE_DSCORES.copy()
    if smoothing:
        return ch06.SMOOTHED_LOSS, ch06.SMOOTHED_DSCORES.copy()
    return ch06.LOSS, ch06.DSCORES.copy()
"""), TEST_SOFTMAX, None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 2: two_layer_loss (the notebook's correct softmax_cross_entropy, unless said otherwise)


_net = functools.partial(_edit, "two_layer_loss")


REG_LOSS = "loss = data_loss + reg * (np.sum(W1**2) + np.sum(W2**2))"
DH = "dh = (dscores @ W2.T) * (h > 0)  # back through the second layer, then the ReLU"
DW1 = '"W1": x.T @ dh + 2 * reg * W1,'
DB1 = '"b1": dh.sum(axis=0),'
DB2 = '"b2": dscores.sum(axis=0),'
DW2 = '"W2": a.T @ dscores + 2 * reg * W2,'
TEST_NET = "test_two_layer_loss"

NET = [
    Mutant("lessons_regularization_gradient", "two_layer_loss",
           _net(("2 * reg * W", "reg * W"), every=True), TEST_NET,
           "the regularization gradient is reg * W2, the lesson's 0.5 convention", "grads"),
    Mutant("lessons_regularization_convention", "two_layer_loss",
           _net((REG_LOSS, REG_LOSS.replace("reg *", "0.5 * reg *")),
                ("2 * reg * W", "reg * W"), every=True), TEST_NET,
           "0.5 * reg * (sum(W1**2) + sum(W2**2)), the lesson's convention"),
    Mutant("regularization_missing_from_the_loss", "two_layer_loss",
           _net((REG_LOSS, "loss = data_loss")), TEST_NET,
           "is missing the regularization term", "loss"),
    Mutant("regularization_missing_from_the_gradient", "two_layer_loss",
           _net((" + 2 * reg * W1", ""), (" + 2 * reg * W2", "")), TEST_NET,
           "grads['W2'] of two_layer_loss(params, x, y, reg=0.02) with params, x, y = "
           "two_layer_inputs() (N = 4, D = 2, H = 5, C = 3) is missing the regularization term"),
    Mutant("biases_regularized", "two_layer_loss",
           _net((REG_LOSS, REG_LOSS[:-1] + " + np.sum(b1**2) + np.sum(b2**2))"),
                (DB1, '"b1": dh.sum(axis=0) + 2 * reg * b1,'),
                (DB2, '"b2": dscores.sum(axis=0) + 2 * reg * b2,')), TEST_NET,
           "the biases are regularized too"),
    Mutant("bias_gradients_regularized", "two_layer_loss",
           _net((DB1, '"b1": dh.sum(axis=0) + 2 * reg * b1,'),
                (DB2, '"b2": dscores.sum(axis=0) + 2 * reg * b2,')), TEST_NET,
           "it includes 2 * reg * b2: the biases are not regularized"),
    Mutant("relu_mask_from_the_gradient", "two_layer_loss",
           _net((DH, "da = dscores @ W2.T\n    dh = da * (da > 0)")), TEST_NET,
           "the ReLU's mask came from the gradient (da > 0)"),
    Mutant("dW2_from_the_pre_activation", "two_layer_loss",
           _net((DW2, '"W2": h.T @ dscores + 2 * reg * W2,')), TEST_NET,
           "dW2 uses the ReLU's output a = relu(h), not its input h"),
    Mutant("no_relu_backward", "two_layer_loss", _net((DH, "dh = dscores @ W2.T")), TEST_NET,
           "the ReLU's gradient is missing"),
    Mutant("db2_averaged", "two_layer_loss", _net((DB2, '"b2": dscores.mean(axis=0),')),
           TEST_NET, "db2 is averaged over the batch", "N = "),
    Mutant("db1_first_row", "two_layer_loss", _net((DB1, '"b1": dh[0],')), TEST_NET,
           "db1 is the gradient of the first row only"),
    # nn.Linear's layout, W of shape (H, D): it has the right shape only when D == H
    Mutant("dW1_transposed", "two_layer_loss",
           _net((DW1, '"W1": dh.T @ x + 2 * reg * W1.T,')), TEST_NET, "looks transposed"),
    Mutant("smoothing_not_passed", "two_layer_loss",
           _net(("softmax_cross_entropy(a @ W2 + b2, y, smoothing)",
                 "softmax_cross_entropy(a @ W2 + b2, y)")), TEST_NET,
           "smoothing is not passed on"),
    Mutant("hardcoded", "two_layer_loss", _hardcode("two_layer_loss", """\
    from bp2yolo.checks import ch06

    if smoothing:
        return ch06.NET_SMOOTHED_LOSS, dict(ch06.NET_SMOOTHED_GRADS)
    return ch06.NET_LOSS, dict(ch06.NET_GRADS)
"""), TEST_NET, None),
    # exercise 2 on a broken exercise 1: its check says which one to fix first
    Mutant("no_division_by_n_seen_by_two_layer_loss", "softmax_cross_entropy", NO_DIVISION,
           TEST_NET, "your softmax_cross_entropy, which it calls, fails its own test: fix "
           "exercise 1 first"),
]

# ---------------------------------------------------------------------------------------------
# Exercise 3: sgd


_sgd = functools.partial(_edit, "sgd")


ORDER = "order = rng.permutation(n)"
UPDATE = "params[name] -= lr * grads[name]  # in place: the caller's arrays change"
DECAY = "\n        lr *= decay  # once per epoch"
EPOCHS = "    for _ in range(epochs):\n"
TEST_SGD = "test_sgd"

SGD = [
    Mutant("not_shuffled", "sgd", _sgd((ORDER, "order = np.arange(n)")), TEST_SGD,
           "never shuffled"),
    Mutant("reseeded_every_epoch", "sgd",
           _sgd((ORDER, "order = np.random.default_rng(seed).permutation(n)")), TEST_SGD,
           "every epoch visits the examples in the same order"),
    Mutant("one_permutation_for_all_epochs", "sgd",
           _sgd(("losses = []\n", f"losses = []\n    {ORDER}\n"), (f"        {ORDER}\n", "")),
           TEST_SGD, "every epoch visits the examples in the same order"),
    Mutant("numpys_global_generator", "sgd", _sgd((ORDER, "order = np.random.permutation(n)")),
           TEST_SGD, "rng.permutation(N) of rng = np.random.default_rng(seed) gives"),
    Mutant("last_batch_dropped", "sgd",
           _sgd(("range(0, n, batch_size)", "range(0, n - batch_size + 1, batch_size)")),
           TEST_SGD, "the last batch of each epoch is missing"),
    Mutant("x_and_y_shuffled_apart", "sgd",
           _sgd(("loss_fn(params, x[rows], y[rows])", "loss_fn(params, x[rows], y[first:first + "
                                                       "batch_size])")),
           TEST_SGD, "the x and y of a batch do not belong together"),
    Mutant("gradient_ascent", "sgd", _sgd((UPDATE, "params[name] += lr * grads[name]")),
           TEST_SGD, "gradient ascent"),
    Mutant("decay_every_step", "sgd",
           _sgd(("            losses.append(float(loss))" + DECAY,
                 "            losses.append(float(loss))\n            lr *= decay")),
           TEST_SGD, "the learning rate decays after every step"),
    Mutant("no_decay", "sgd", _sgd((DECAY, "")), TEST_SGD, "the learning rate never decays"),
    Mutant("decay_before_the_epoch", "sgd",
           _sgd((EPOCHS, EPOCHS + "        lr *= decay\n"), (DECAY, "")),
           TEST_SGD, "the learning rate decays before the first epoch"),
    Mutant("params_rebound", "sgd",
           _sgd((UPDATE, "params[name] = params[name] - lr * grads[name]")), TEST_SGD,
           "params['W'] is a new array", "not updated in place"),
    Mutant("updates_a_copy", "sgd",
           _sgd((UPDATE, "new = params[name] - lr * grads[name]  # dropped")), TEST_SGD,
           "the parameters never changed"),
    Mutant("one_loss_per_epoch", "sgd",
           _sgd(("            losses.append(float(loss))\n", ""),
                (DECAY, DECAY + "\n        losses.append(float(loss))")),
           TEST_SGD, "losses, one per epoch"),
    Mutant("hardcoded", "sgd",
           _sgd(("for _ in range(epochs):", "for epoch in range(epochs):"),
                (ORDER, "order = ([[2, 3, 0, 5, 4, 1, 6], [5, 4, 0, 2, 1, 6, 3], "
                        "[2, 3, 4, 5, 0, 6, 1]][epoch] if n == 7 else np.arange(n))")),
           TEST_SGD, None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 4: accuracy

PREDICTED = "predicted = scores.argmax(axis=1)  # (N,), each row's class with the largest score"
TEST_ACCURACY = "test_accuracy"

ACCURACY = [
    Mutant("argmax_over_axis_0", "accuracy",
           _edit("accuracy", (PREDICTED, "predicted = scores.argmax(axis=0)")), TEST_ACCURACY,
           "the argmax is taken over axis 0", "raised ValueError"),
    Mutant("counts", "accuracy",
           _edit("accuracy", ("float(np.mean(predicted == y))", "float(np.sum(predicted == y))")),
           TEST_ACCURACY, "it counts the correct rows (2) instead of giving their fraction"),
    Mutant("compares_the_max_value", "accuracy",
           _edit("accuracy", (PREDICTED, "predicted = scores.max(axis=1)")), TEST_ACCURACY,
           "you compared the largest score itself with the label"),
    Mutant("hardcoded", "accuracy", _hardcode("accuracy", """\
    return 0.5 if len(scores) == 4 else 0.6
"""), TEST_ACCURACY, None),
]

MUTANTS = SOFTMAX + NET + SGD + ACCURACY
