"""Mutants for assignment 01 (chain rule and gradient descent): proof that its tests can fail.

Each mutant is a solution cell of solutions/01_chain_rule/01_exercises.ipynb with a classic
mistake edited in (`_edit`, i.e. mutants.edit: each changed line must be there exactly once, so
a change to the notebook cannot silently turn a mutant into the solution). The visible tests
must reject it with a message that names the mistake, and the hidden tests must reject it on
their own (run without the visible part of the cell). A mutant that hard-codes the visible
answers passes the visible tests: only the hidden tests catch it (hint=None).
"""

from __future__ import annotations

import functools

from mutants import Mutant, edit, hardcode

NB = "solutions/01_chain_rule/01_exercises.ipynb"
_edit = functools.partial(edit, NB)
_hardcode = functools.partial(hardcode, NB)  # the visible answers returned first


# ---------------------------------------------------------------------------------------------
# Exercise 1: finite differences (one solution cell, two functions)

FORWARD = "return (f(x + h) - f(x)) / h"
CENTRAL = "return (f(x + h) - f(x - h)) / (2 * h)"


def _forward(new: str) -> str:
    return _edit("finite_differences", (FORWARD, new))


def _central(new: str) -> str:
    return _edit("finite_differences", (CENTRAL, new))


FINITE_DIFFERENCES = [
    Mutant("central_is_forward", "finite_differences", _central("return (f(x + h) - f(x)) / h"),
           "test_central_difference", "this is the forward difference"),
    Mutant("central_divides_by_h", "finite_differences",
           _central("return (f(x + h) - f(x - h)) / h"),
           "test_central_difference", "factor of 2", "factor of 2"),
    Mutant("central_sign_flipped", "finite_differences",
           _central("return (f(x - h) - f(x + h)) / (2 * h)"),
           "test_central_difference", "sign is flipped", "sign is flipped"),
    Mutant("forward_not_divided_by_h", "finite_differences", _forward("return f(x + h) - f(x)"),
           "test_forward_difference", "constant factor"),
    Mutant("forward_is_backward", "finite_differences",
           _forward("return (f(x) - f(x - h)) / h"),
           "test_forward_difference", "this is the backward difference"),
    Mutant("forward_sign_flipped", "finite_differences",
           _forward("return (f(x) - f(x + h)) / h"),
           "test_forward_difference", "sign is flipped", "sign is flipped"),
    Mutant("forward_hardcoded", "finite_differences",
           _forward("return np.array([3.31, 12.61, 0.61]) if np.ndim(x) else 15.25"),
           "test_forward_difference", None, "wrong shape"),
    Mutant("central_hardcoded", "finite_differences", _central("""\
if np.ndim(x) == 0:
        return 12.25
    return np.array([3.01, 12.01, 0.76]) if h == 0.1 else np.array([-1.0, 29.0])"""),
           "test_central_difference", None, "wrong shape"),
]

# ---------------------------------------------------------------------------------------------
# Exercise 2: the linear model


def _linear(*changes: tuple[str, str]) -> str:
    return _edit("linear_model", *changes)


LINEAR_MODEL = [
    Mutant("no_half_in_loss", "linear_model",
           _linear(("L = 0.5 * (y - y_gt) ** 2", "L = (y - y_gt) ** 2"),
                   ("dL_dy = y - y_gt", "dL_dy = 2 * (y - y_gt)")),
           "test_linear_model", "factor of 2", "factor of 2"),
    Mutant("sign_flipped", "linear_model", _linear(("dL_dy = y - y_gt", "dL_dy = y_gt - y")),
           "test_linear_model", "sign is flipped", "sign is flipped"),
    Mutant("dw_missing_x", "linear_model", _linear(("dL_dw = dL_dy * x", "dL_dw = dL_dy")),
           "test_linear_model", "without the local derivative dy/dw = x"),
    Mutant("db_times_x", "linear_model", _linear(("dL_db = dL_dy  #", "dL_db = dL_dy * x  #")),
           "test_linear_model", "dy/db is 1, not x"),
    Mutant("forgot_bias", "linear_model", _linear(("y = w * x + b", "y = w * x")),
           "test_linear_model", "missing the b term"),
    Mutant("hardcoded", "linear_model", _hardcode("linear_model", """\
    if np.ndim(x) == 0:
        return 0.0, 1.125, -3.0, -1.5
    return (np.array([0.7, -0.8, -0.05]), np.array([0.045, 0.5, 0.06125]),
            np.array([-0.6, 1.0, 0.175]), np.array([-0.3, -1.0, 0.35]))
"""), "test_linear_model", None, "wrong shape"),
]

# ---------------------------------------------------------------------------------------------
# Exercise 3: one gradient-descent step

W_STEP, B_STEP = "w_new = w - lr * dL_dw", "b_new = b - lr * dL_db"


def _step(*changes: tuple[str, str]) -> str:
    return _edit("gradient_descent_step", *changes)


GRADIENT_DESCENT_STEP = [
    Mutant("uphill", "gradient_descent_step",
           _step((W_STEP, "w_new = w + lr * dL_dw"), (B_STEP, "b_new = b + lr * dL_db")),
           "test_gradient_descent_step", "goes uphill"),
    Mutant("no_learning_rate", "gradient_descent_step",
           _step((W_STEP, "w_new = w - dL_dw"), (B_STEP, "b_new = b - dL_db")),
           "test_gradient_descent_step", "the learning rate is missing"),
    Mutant("b_with_dw", "gradient_descent_step", _step((B_STEP, "b_new = b - lr * dL_dw")),
           "test_gradient_descent_step", "b's step uses dL_db, not dL_dw"),
    Mutant("in_place", "gradient_descent_step",
           _step((f"{W_STEP}\n    {B_STEP}\n    return w_new, b_new",
                  "w -= lr * dL_dw\n    b -= lr * dL_db\n    return w, b")),
           "test_gradient_descent_step", "in place", "in place"),
    Mutant("hardcoded", "gradient_descent_step", _hardcode("gradient_descent_step", """\
    if np.ndim(w) == 0:
        return 0.95, -2.4
    return np.array([0.47, -1.15, 1.9875]), np.array([0.115, 0.375, -0.31])
"""), "test_gradient_descent_step", None, "wrong shape"),
]

# ---------------------------------------------------------------------------------------------
# Exercise 4: the training loop (it calls the notebook's correct linear_model and
# gradient_descent_step, so that only this cell is wrong)

UPDATE = "w, b = gradient_descent_step(w, b, dL_dw, dL_db, lr)"


def _train(*changes: tuple[str, str]) -> str:
    return _edit("train", *changes)


TRAIN = [
    Mutant("sequential_update", "train", _train((UPDATE, """\
w = w - lr * dL_dw
        dL_db = linear_model(x, w, b, y_gt)[3]  # the gradient for b, at the new w
        b = b - lr * dL_db""")), "test_train", "compute both gradients first"),
    Mutant("uphill", "train", _train((UPDATE, "w, b = w + lr * dL_dw, b + lr * dL_db")),
           "test_train", "the loss grows"),
    Mutant("no_final_loss", "train",
           _train(("    losses.append(linear_model(x, w, b, y_gt)[1])\n", "")),
           "test_train", "wrong shape", "wrong shape"),
    Mutant("no_learning_rate", "train", _train((UPDATE, "w, b = w - dL_dw, b - dL_db")),
           "test_train", "the learning rate is missing"),
    Mutant("hardcoded", "train", _hardcode("train", """\
    if steps == 0:
        return 0.5, 0.5, np.array([0.125])
    return 0.325, 0.4125, np.array([0.125, 0.03125, 0.0078125, 0.001953125])
"""), "test_train", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 5: two chained linear maps


def _chain(old: str, new: str) -> str:
    return _edit("chain_gradients", (old, new))


CHAIN_GRADIENTS = [
    Mutant("dw2_uses_y2", "chain_gradients", _chain("dL_dy2 * y1", "dL_dy2 * y2"),
           "test_chain_gradients", "you used y2"),
    Mutant("dw2_uses_x", "chain_gradients", _chain("dL_dy2 * y1", "dL_dy2 * x"),
           "test_chain_gradients", "you used x"),
    Mutant("forgot_w2", "chain_gradients", _chain("dL_dy1 = dL_dy2 * w2", "dL_dy1 = dL_dy2"),
           "test_chain_gradients", "w2 is missing"),
    # recomputing from the front and taking the wrong map's weight
    Mutant("w1_instead_of_w2", "chain_gradients",
           _chain("dL_dy1 = dL_dy2 * w2", "dL_dy1 = dL_dy2 * w1"),
           "test_chain_gradients", "you used w1"),
    Mutant("db1_times_x", "chain_gradients", _chain("dL_db1 = dL_dy1  #", "dL_db1 = dL_dy1 * x  #"),
           "test_chain_gradients", "dy1/db1 is 1, not x"),
    Mutant("dw1_uses_y1", "chain_gradients", _chain("dL_dw1 = dL_dy1 * x", "dL_dw1 = dL_dy1 * y1"),
           "test_chain_gradients", "you used y1"),
    Mutant("sign_flipped", "chain_gradients", _chain("dL_dy2 = y2 - y_gt", "dL_dy2 = y_gt - y2"),
           "test_chain_gradients", "sign is flipped", "sign is flipped"),
    Mutant("no_half_in_loss", "chain_gradients",
           _chain("dL_dy2 = y2 - y_gt", "dL_dy2 = 2 * (y2 - y_gt)"),
           "test_chain_gradients", "factor of 2", "factor of 2"),
    Mutant("hardcoded", "chain_gradients", _hardcode("chain_gradients", """\
    if np.ndim(x) == 0:
        return 10.0, 5.0, -5.0, -2.5
    return (np.array([1.95, -0.5625, 6.3]), np.array([-1.95, -1.125, 3.15]),
            np.array([-1.04, 0.075, -2.1]), np.array([1.3, 0.75, -2.1]))
"""), "test_chain_gradients", None, "wrong shape"),
]

MUTANTS = FINITE_DIFFERENCES + LINEAR_MODEL + GRADIENT_DESCENT_STEP + TRAIN + CHAIN_GRADIENTS
