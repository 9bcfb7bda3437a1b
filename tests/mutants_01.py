"""Mutants for assignment 01 (chain rule and gradient descent): proof that its tests can fail.

Each mutant is a solution cell of solutions/01_chain_rule/01_exercises.ipynb with a classic
mistake edited in (`_edit`, i.e. mutants.edit: each changed line must be there exactly once, so
a change to the notebook cannot silently turn a mutant into the solution). The visible tests
must reject it with a message that names the mistake, and the hidden tests must reject it on
their own (run without the visible part of the cell). A mutant that hard-codes the visible
answers passes the visible tests: only the hidden tests catch it (hint=None).

Some mistakes get through only a test that varies what a weaker test keeps fixed: a learning
rate copied from the lesson (lesson_lr) needs an lr other than 0.1; a function that returns a
float for one example (floats_by_size) needs an array of shape (1,); the first loss recorded
inside the loop (first_loss_in_the_loop) needs steps = 0; a float32 losses array
(float32_losses) needs a check of the dtype.
"""

from __future__ import annotations

import functools

from mutants import Mutant, edit, hardcode

NB = "solutions/01_chain_rule/01_exercises.ipynb"
_edit = functools.partial(edit, NB)
_hardcode = functools.partial(hardcode, NB)  # the visible answers returned first


# ---------------------------------------------------------------------------------------------
# Exercise 1: the backward difference and the five-point stencil (one solution cell)

BACKWARD = "return (f(x) - f(x - h)) / h"
FIVE_POINT = "return (8 * near - far) / (12 * h)"


def _backward(new: str) -> str:
    return _edit("finite_differences", (BACKWARD, new))


def _five_point(new: str) -> str:
    return _edit("finite_differences", (FIVE_POINT, new))


FINITE_DIFFERENCES = [
    # first of the hard-coded mutants: tests/test_grading.py's ivan submits it
    Mutant("backward_hardcoded", "finite_differences",
           _backward("return np.array([2.71, 11.41, 0.91]) if np.ndim(x) else 9.25"),
           "test_backward_difference", None, "wrong shape"),
    Mutant("backward_is_forward", "finite_differences", _backward("return (f(x + h) - f(x)) / h"),
           "test_backward_difference", "this is the forward difference"),
    Mutant("backward_is_central", "finite_differences",
           _backward("return (f(x + h) - f(x - h)) / (2 * h)"),
           "test_backward_difference", "this is the central difference"),
    Mutant("backward_sign_flipped", "finite_differences",
           _backward("return (f(x - h) - f(x)) / h"),
           "test_backward_difference", "sign is flipped", "sign is flipped"),
    Mutant("backward_not_divided_by_h", "finite_differences", _backward("return f(x) - f(x - h)"),
           "test_backward_difference", "constant factor"),
    Mutant("five_point_is_central", "finite_differences", _five_point("return near / (2 * h)"),
           "test_five_point_difference", "this is the central difference"),
    Mutant("five_point_divides_by_6h", "finite_differences",
           _five_point("return (8 * near - far) / (6 * h)"),
           "test_five_point_difference", "divided by 12h", "factor of 2"),
    Mutant("five_point_weights_swapped", "finite_differences",
           _five_point("return (8 * far - near) / (12 * h)"),
           "test_five_point_difference", "the weights are swapped"),
    Mutant("five_point_outer_sign", "finite_differences",
           _five_point("return (8 * near + far) / (12 * h)"),
           "test_five_point_difference", "the outer terms have the wrong sign"),
    Mutant("five_point_hardcoded", "finite_differences", _five_point("""\
if np.ndim(x) == 0:
        return 4.984375
    return np.array([4.9996, 79.9996, 0.3121]) if h == 0.1 else np.array([-2.0, 11.5, -34.0])"""),
           "test_five_point_difference", None, "wrong shape"),
]

# ---------------------------------------------------------------------------------------------
# Exercise 2: the linear model with the log-cosh loss

DL_DR = "dL_dr = np.tanh(r)"
LOSS = "L = np.abs(r) + np.log1p(np.exp(-2 * np.abs(r))) - np.log(2)"
RETURN = "return y, L, dL_dr * x, dL_dr"


def _log_cosh(*changes: tuple[str, str]) -> str:
    return _edit("log_cosh_model", *changes)


LOG_COSH_MODEL = [
    Mutant("squared_error_gradient", "log_cosh_model", _log_cosh((DL_DR, "dL_dr = r")),
           "test_log_cosh_model", "this is the squared error's gradient"),
    Mutant("inner_derivative_missing", "log_cosh_model",
           _log_cosh((DL_DR, "dL_dr = 1 / np.cosh(r)")),
           "test_log_cosh_model", "the inner derivative sinh r is missing"),
    Mutant("sign_flipped", "log_cosh_model", _log_cosh((DL_DR, "dL_dr = np.tanh(-r)")),
           "test_log_cosh_model", "sign is flipped", "sign is flipped"),
    Mutant("dw_missing_x", "log_cosh_model", _log_cosh((RETURN, "return y, L, dL_dr, dL_dr")),
           "test_log_cosh_model", "without the local derivative dy/dw = x"),
    Mutant("db_times_x", "log_cosh_model",
           _log_cosh((RETURN, "return y, L, dL_dr * x, dL_dr * x")),
           "test_log_cosh_model", "dy/db is 1, not x"),
    Mutant("squared_error_loss", "log_cosh_model", _log_cosh((LOSS, "L = 0.5 * r**2")),
           "test_log_cosh_model", "this is the squared error 1/2 (y - y_gt)^2"),
    Mutant("forgot_bias", "log_cosh_model", _log_cosh(("y = w * x + b", "y = w * x")),
           "test_log_cosh_model", "missing the b term"),
    # right for small residuals; cosh overflows beyond 710
    Mutant("cosh_overflows", "log_cosh_model", _log_cosh((LOSS, "L = np.log(np.cosh(r))")),
           "test_log_cosh_model", "NaN or inf", "NaN or inf"),
    # "with floats, return floats", tested on the size instead of the number of dimensions
    Mutant("floats_by_size", "log_cosh_model", _log_cosh((RETURN, """\
if np.size(x) == 1:
        return tuple(float(np.ravel(v)[0]) for v in (y, L, dL_dr * x, dL_dr))
    return y, L, dL_dr * x, dL_dr""")), "test_log_cosh_model", "wrong shape", "wrong shape"),
    Mutant("hardcoded", "log_cosh_model", _hardcode("log_cosh_model", """\
    if np.ndim(x) == 0:
        return 0.0, 0.8554401710137968, -1.810296507289733, -0.9051482536448665
    if np.size(x) == 1:
        return np.array([800.0]), np.array([804.3068528194401]), np.array([400.0]), np.ones(1)
    return (np.array([0.9, -1.9, -0.3]),
            np.array([0.07795348538783242, 2.2098758003708867, 0.07795348538783242]),
            np.array([0.5699234433828375, 1.9879263347011664, 0.0]),
            np.array([0.379948962255225, -0.9939631673505832, 0.37994896225522484]))
"""), "test_log_cosh_model", None, "wrong shape"),
]

# ---------------------------------------------------------------------------------------------
# Exercise 3: a gradient-descent step on a dict of parameters

STEP = "return {name: value - lr * grads[name] for name, value in params.items()}"


def _step(new: str) -> str:
    return _edit("gradient_descent_step", (STEP, new))


GRADIENT_DESCENT_STEP = [
    Mutant("uphill", "gradient_descent_step",
           _step("return {name: value + lr * grads[name] for name, value in params.items()}"),
           "test_gradient_descent_step", "goes uphill"),
    Mutant("no_learning_rate", "gradient_descent_step",
           _step("return {name: value - grads[name] for name, value in params.items()}"),
           "test_gradient_descent_step", "the learning rate is missing"),
    Mutant("by_position", "gradient_descent_step", _step(
        "return {name: value - lr * g\n"
        "            for (name, value), g in zip(params.items(), grads.values())}"),
           "test_gradient_descent_step", "paired by position"),
    Mutant("in_place", "gradient_descent_step", _step("""\
for name in params:
        params[name] -= lr * grads[name]
    return params"""), "test_gradient_descent_step", "in place", "in place"),
    Mutant("entries_rebound", "gradient_descent_step", _step("""\
for name in params:
        params[name] = params[name] - lr * grads[name]
    return params"""), "test_gradient_descent_step", "changed the dict params",
           "changed the dict params"),
    Mutant("hardcoded", "gradient_descent_step", _hardcode("gradient_descent_step", """\
    if "scale" not in params:
        return {"w": 0.95, "b": -2.4}
    return {"w": np.array([0.47, -1.15, 1.9875]), "b": np.array([0.115, 0.375, -0.31]),
            "scale": 2.2}
"""), "test_gradient_descent_step", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 4: the training loop (it calls the notebook's correct log_cosh_model and
# gradient_descent_step, so that only this cell is wrong)

UPDATE = "params = gradient_descent_step(params, mean_grads, lr)"
MEANS = 'mean_grads = {"w": np.mean(dL_dw), "b": np.mean(dL_db)}'
TRAIN_BODY = """\
    params = {"w": w, "b": b}
    losses = np.zeros(steps + 1)
    for k in range(steps + 1):
        _, L, dL_dw, dL_db = log_cosh_model(x, params["w"], params["b"], y_gt)
        losses[k] = np.mean(L)  # the mean loss after k steps
        if k < steps:  # the gradient of the mean loss: the mean of the examples' gradients
            mean_grads = {"w": np.mean(dL_dw), "b": np.mean(dL_db)}
            params = gradient_descent_step(params, mean_grads, lr)
    return float(params["w"]), float(params["b"]), losses
"""  # the whole answer


def _train(*changes: tuple[str, str]) -> str:
    return _edit("train", *changes)


TRAIN = [
    Mutant("sequential_update", "train", _train((UPDATE, """\
params = {"w": params["w"] - lr * np.mean(dL_dw), "b": params["b"]}
            dL_db = log_cosh_model(x, params["w"], params["b"], y_gt)[3]  # at the new w
            params["b"] = params["b"] - lr * np.mean(dL_db)""")),
           "test_train", "compute both gradients first"),
    Mutant("uphill", "train",
           _train((UPDATE, "params = gradient_descent_step(params, mean_grads, -lr)")),
           "test_train", "the loss grows"),
    Mutant("no_learning_rate", "train",
           _train((UPDATE, "params = gradient_descent_step(params, mean_grads, 1.0)")),
           "test_train", "the learning rate is missing"),
    Mutant("lesson_lr", "train",
           _train((UPDATE, "params = gradient_descent_step(params, mean_grads, 0.1)")),
           "test_train", "lr = 0.1"),
    Mutant("sum_not_mean", "train",
           _train((MEANS, 'mean_grads = {"w": np.sum(dL_dw), "b": np.sum(dL_db)}')),
           "test_train", "the sum of the examples' gradients"),
    Mutant("float32_losses", "train",
           _train(("losses = np.zeros(steps + 1)",
                   "losses = np.zeros(steps + 1, dtype=np.float32)")),
           "test_train", "float32", "float32"),
    Mutant("no_final_loss", "train",
           _train(("for k in range(steps + 1):", "for k in range(steps):"),
                  ("losses = np.zeros(steps + 1)", "losses = np.zeros(steps)")),
           "test_train", "wrong shape", "wrong shape"),
    # the loss before the first step recorded inside the loop: none when steps = 0
    Mutant("first_loss_in_the_loop", "train", _train((TRAIN_BODY, """\
    params = {"w": w, "b": b}
    losses = []
    for k in range(steps):
        _, L, dL_dw, dL_db = log_cosh_model(x, params["w"], params["b"], y_gt)
        if k == 0:
            losses.append(np.mean(L))  # the loss before the first step
        mean_grads = {"w": np.mean(dL_dw), "b": np.mean(dL_db)}
        params = gradient_descent_step(params, mean_grads, lr)
        losses.append(np.mean(log_cosh_model(x, params["w"], params["b"], y_gt)[1]))
    return float(params["w"]), float(params["b"]), np.array(losses)
""")), "test_train", "should have shape (1,)", "wrong shape"),
    Mutant("hardcoded", "train", _hardcode("train", """\
    if steps == 0:
        return 0.5, 0.5, np.array([0.12011450695827752])
    return 1.390977189191283, 0.12391107262347505, np.array(
        [2.2844619452402735, 1.3245959434177137, 1.0597642415589652, 0.964687670762908])
"""), "test_train", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 5: three chained maps with a tanh


def _chain(old: str, new: str) -> str:
    return _edit("chain_gradients", (old, new))


TANH_LOCAL = "dL_dh = dL_da * (1 - a**2)"
CHAIN_GRADIENTS = [
    Mutant("dw2_uses_h", "chain_gradients", _chain("dL_dw2 = dL_dy * a", "dL_dw2 = dL_dy * h"),
           "test_chain_gradients", "you used h; the local derivative dy/dw2"),
    Mutant("dw2_uses_x", "chain_gradients", _chain("dL_dw2 = dL_dy * a", "dL_dw2 = dL_dy * x"),
           "test_chain_gradients", "you used x"),
    Mutant("forgot_w2", "chain_gradients", _chain("dL_da = dL_dy * w2", "dL_da = dL_dy"),
           "test_chain_gradients", "w2 is missing"),
    Mutant("no_tanh_derivative", "chain_gradients", _chain(TANH_LOCAL, "dL_dh = dL_da"),
           "test_chain_gradients", "the tanh's local derivative is missing"),
    Mutant("one_minus_h_squared", "chain_gradients",
           _chain(TANH_LOCAL, "dL_dh = dL_da * (1 - h**2)"),
           "test_chain_gradients", "you used 1 - h^2"),
    Mutant("tanh_derivative_is_a", "chain_gradients", _chain(TANH_LOCAL, "dL_dh = dL_da * a"),
           "test_chain_gradients", "you used a for da/dh"),
    Mutant("db1_times_x", "chain_gradients", _chain("dL_db1 = dL_dh  #", "dL_db1 = dL_dh * x  #"),
           "test_chain_gradients", "dh/db1 is 1, not x"),
    Mutant("dw1_uses_a", "chain_gradients", _chain("dL_dw1 = dL_dh * x", "dL_dw1 = dL_dh * a"),
           "test_chain_gradients", "you used a; the local derivative dh/dw1"),
    Mutant("dw1_uses_h", "chain_gradients", _chain("dL_dw1 = dL_dh * x", "dL_dw1 = dL_dh * h"),
           "test_chain_gradients", "you used h; the local derivative dh/dw1"),
    Mutant("sign_flipped", "chain_gradients", _chain("dL_dy = y - y_gt", "dL_dy = y_gt - y"),
           "test_chain_gradients", "sign is flipped", "sign is flipped"),
    # tests/test_browser.py types this one into the released notebook
    Mutant("no_half_in_loss", "chain_gradients",
           _chain("dL_dy = y - y_gt", "dL_dy = 2 * (y - y_gt)"),
           "test_chain_gradients", "factor of 2", "factor of 2"),
    Mutant("hardcoded", "chain_gradients", _hardcode("chain_gradients", """\
    if np.ndim(x) == 0:
        return 0.2899496718631661, 0.2899496718631661, 1.0516069851487517, 1.3807970779778824
    return (np.array([0.9191329481203939, -0.5572820843481728, 2.195278833916002]),
            np.array([-0.9191329481203939, -1.1145641686963457, 1.097639416958001]),
            np.array([-0.7278209254284191, 0.07480063143361988, -1.3269949811524195]),
            np.array([1.0960551554017737, 0.7504980080625663, -1.7423912339336471]))
"""), "test_chain_gradients", None, "wrong shape"),
]

MUTANTS = FINITE_DIFFERENCES + LOG_COSH_MODEL + GRADIENT_DESCENT_STEP + TRAIN + CHAIN_GRADIENTS
