"""The visible checks of assignment 01 (the chain rule and gradient descent).

Each check receives the learner's function, calls it on small fixed inputs and compares with
fixed expected numbers (worked out by hand, or once in float64 and written down), naming the
likely mistake when one matches. Nothing here computes an exercise's answer: the hidden tests
live in the instructor's notebook.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from bp2yolo.checks.core import assert_close
from bp2yolo.checks.report import HintError, call, calling, check, require, run, show, unpack

__all__ = [
    "check_backward_difference",
    "check_chain_gradients",
    "check_five_point_difference",
    "check_gradient_descent_step",
    "check_log_cosh_model",
    "check_train",
]

# ---------------------------------------------------------------------------------------------
# Exercise 1: the backward difference and the five-point stencil


def _cube(t):
    return t**3  # f'(t) = 3 t^2


def _quintic(t):
    return t**5  # f'(t) = 5 t^4; the five-point stencil's error is -h^4 f^(5) / 30 = -4 h^4


def _quartic(t):
    return t**4 - 2 * t  # f'(t) = 4 t^3 - 2; the five-point stencil is exact for any h


POINTS = np.array([1.0, 2.0, -0.5])  # where the differences are taken
# For t^3 with h = 0.1 (exactly): backward 3 x^2 - 3 x h + h^2, forward 3 x^2 + 3 x h + h^2,
# central 3 x^2 + h^2.
BACKWARD = np.array([2.71, 11.41, 0.91])
FORWARD = np.array([3.31, 12.61, 0.61])
CENTRAL = np.array([3.01, 12.01, 0.76])
# For t^5 with h = 0.1: the five-point stencil 5 x^4 - 4 h^4, the central difference
# 5 x^4 + 10 x^2 h^2 + h^4; the stencil with its weights swapped (8 on x +- 2h, 1 on x +- h),
# and with the signs of its outer terms flipped.
FIVE_POINT = np.array([4.9996, 79.9996, 0.3121])
CENTRAL_OF_QUINTIC = np.array([5.1001, 80.4001, 0.3376])
WEIGHTS_SWAPPED = np.array([13.55425, 204.20425, 1.048])
OUTER_SIGNS = np.array([8.600666666666667, 134.40066666666667, 0.5881666666666667])
CUBE = "cube(t) = t**3"  # how the hints name the functions the checks differentiate
QUINTIC = "quintic(t) = t**5"
QUARTIC = "quartic(t) = t**4 - 2 * t"


@check
def check_backward_difference(backward_difference: Callable) -> None:
    """backward_difference(f, x, h) on t^3, for an array x and for a float x."""
    assert_close(
        run(backward_difference, _cube, POINTS.copy(), 0.1),
        BACKWARD,
        f"{call('backward_difference', _cube, POINTS, 0.1)} with {CUBE}",
        variants={
            "this is the forward difference, through x and x + h; "
            "the backward one goes from x - h to x": FORWARD,
            "this is the central difference, through x - h and x + h; "
            "the backward one goes from x - h to x": CENTRAL,
        },
    )
    assert_close(run(backward_difference, _cube, 2.0, 0.5), 9.25,
                 f"{call('backward_difference', _cube, 2.0, 0.5)} with {CUBE}")
    print("backward_difference: visible tests passed")


@check
def check_five_point_difference(five_point_difference: Callable) -> None:
    """five_point_difference(f, x, h) on t^5 (error -4 h^4), on a float, and on a quartic
    (where it is exact), each with its own h."""
    assert_close(
        run(five_point_difference, _quintic, POINTS.copy(), 0.1),
        FIVE_POINT,
        f"{call('five_point_difference', _quintic, POINTS, 0.1)} with {QUINTIC}",
        variants={
            "this is the central difference, through x - h and x + h only; the five-point "
            "stencil also uses f(x - 2h) and f(x + 2h)": CENTRAL_OF_QUINTIC,
            "off by a factor of 2: the weights 1, -8, 8, -1 are divided by 12h, "
            "not by 6h": 2 * FIVE_POINT,
            "the weights are swapped: 8 goes with f(x + h) and f(x - h), the nearer points, "
            "and 1 with f(x + 2h) and f(x - 2h)": WEIGHTS_SWAPPED,
            "the outer terms have the wrong sign: f(x + 2h) comes with -1 and f(x - 2h) "
            "with +1, the opposite of their neighbours f(x + h) (+8) and f(x - h) (-8)":
                OUTER_SIGNS,
        },
    )
    # 5 - 4 h^4 at x = 1 with h = 0.25
    assert_close(run(five_point_difference, _quintic, 1.0, 0.25), 4.984375,
                 f"{call('five_point_difference', _quintic, 1.0, 0.25)} with {QUINTIC}")
    x = np.array([0.0, 1.5, -2.0])
    assert_close(run(five_point_difference, _quartic, x, 0.5), np.array([-2.0, 11.5, -34.0]),
                 f"{call('five_point_difference', _quartic, x, 0.5)} with {QUARTIC} "
                 "(the stencil is exact for polynomials of degree 4)",
                 variants={"this is the central difference, through x - h and x + h only":
                           np.array([-2.0, 13.0, -36.0])})
    print("five_point_difference: visible tests passed")


# ---------------------------------------------------------------------------------------------
# Exercise 2: the linear model with the log-cosh loss

# x, w, b, y_gt of the first case, and what the case gives, in float64: residual
# r = y - y_gt = [0.4, -2.9, 0.4], L = log cosh r, dL/dy = tanh r.
LC_X, LC_W, LC_B, LC_Y_GT = np.array([1.5, -2.0, 0.0]), 0.8, -0.3, np.array([0.5, 1.0, -0.7])
LC_Y = np.array([0.9, -1.9, -0.3])
LC_L = np.array([0.07795348538783242, 2.2098758003708867, 0.07795348538783242])
LC_DW = np.array([0.5699234433828375, 1.9879263347011664, 0.0])
LC_DB = np.array([0.379948962255225, -0.9939631673505832, 0.37994896225522484])
# the known wrong gradients: the squared error's, r x and r; 1/cosh r instead of tanh r
SQUARED_DW, SQUARED_DB = np.array([0.6, 5.8, 0.0]), np.array([0.4, -2.9, 0.4])
SECH_DW = np.array([1.3875111778586324, -0.21942854828300373, 0.0])
SECH_DB = np.array([0.925007451905755, 0.10971427414150187, 0.9250074519057551])


def _log_cosh_hints(what: str) -> dict[str, str]:
    return {
        "squared": f"this is the squared error's gradient ((y - y_gt) times {what}); for "
                   f"L = log cosh(y - y_gt), dL/dy = tanh(y - y_gt)",
        "sech": "this uses 1 / cosh(r) for dL/dy: by the chain rule, d/dr log(cosh r) = "
                "(1 / cosh r) * sinh r = tanh r; the inner derivative sinh r is missing",
    }


@check
def check_log_cosh_model(log_cosh_model: Callable) -> None:
    """log_cosh_model(x, w, b, y_gt) on three examples, on one example with a large residual
    (shape (1,)), then on floats."""
    made = call("log_cosh_model", LC_X, LC_W, LC_B, LC_Y_GT)
    returns = "should return four values: (y, L, dL_dw, dL_db)"
    y, L, dL_dw, dL_db = unpack(run(log_cosh_model, LC_X.copy(), LC_W, LC_B, LC_Y_GT.copy()),
                                4, f"{made} {returns}")
    assert_close(y, LC_Y, f"y of {made}", terms={"b": LC_B})
    assert_close(L, LC_L, f"L of {made}",
                 variants={"this is the squared error 1/2 (y - y_gt)^2; the loss here is "
                           "log cosh(y - y_gt)": np.array([0.08, 4.205, 0.08])})
    hints = _log_cosh_hints("x")
    assert_close(dL_dw, LC_DW, f"dL_dw of {made}",
                 variants={hints["squared"]: SQUARED_DW, hints["sech"]: SECH_DW,
                           "this is dL/dy, without the local derivative dy/dw = x: "
                           "by the chain rule dL/dw = dL/dy * dy/dw": LC_DB})
    hints = _log_cosh_hints("1")
    assert_close(dL_db, LC_DB, f"dL_db of {made}",
                 variants={hints["squared"]: SQUARED_DB, hints["sech"]: SECH_DB,
                           "the local derivative dy/db is 1, not x: dL/db = dL/dy": LC_DW})
    # a residual of 805: cosh(805) overflows float64 (above 1.8e308), log cosh(805) does not
    x, y_gt = np.array([400.0]), np.array([-5.0])
    made = call("log_cosh_model", x, 2.0, 0.0, y_gt)
    y, L, dL_dw, dL_db = unpack(run(log_cosh_model, x.copy(), 2.0, 0.0, y_gt.copy()), 4,
                                f"{made} {returns}")
    assert_close(y, np.array([800.0]), f"y of {made}")
    assert_close(L, np.array([804.3068528194401]), f"L of {made} (residual 805: use "
                 "log cosh r = |r| + log(1 + exp(-2|r|)) - log 2)")
    assert_close(dL_dw, np.array([400.0]), f"dL_dw of {made}")
    assert_close(dL_db, np.array([1.0]), f"dL_db of {made}")
    # floats work too
    made = call("log_cosh_model", 2.0, -0.5, 1.0, 1.5)
    y, L, dL_dw, dL_db = unpack(run(log_cosh_model, 2.0, -0.5, 1.0, 1.5), 4, f"{made} {returns}")
    assert_close(y, 0.0, f"y of {made}")
    assert_close(L, 0.8554401710137968, f"L of {made}")
    assert_close(dL_dw, -1.810296507289733, f"dL_dw of {made}")
    assert_close(dL_db, -0.9051482536448665, f"dL_db of {made}")
    print("log_cosh_model: visible tests passed")


# ---------------------------------------------------------------------------------------------
# Exercise 3: a gradient-descent step on a dict of parameters


def _named(values: Mapping) -> str:
    """"{'w': [0.5, -1.2], 'b': 2.0}": a dict of numbers and arrays as the learner would type it."""
    return "{" + ", ".join(f"{k!r}: {show(v)}" for k, v in values.items()) + "}"


def _step_call(params: Mapping, grads: Mapping, lr: float) -> str:
    return (f"gradient_descent_step(params, grads, {show(lr)}) with params = {_named(params)} "
            f"and grads = {_named(grads)}")


def _step_case(gradient_descent_step: Callable, params: dict, grads: dict, lr: float,
               made: str) -> dict:
    """The learner's new parameters, after checking that the arguments are left alone and that
    the result is a dict with params' names."""
    arrays = {f"params[{k!r}]": v for k, v in params.items() if isinstance(v, np.ndarray)}
    arrays |= {f"grads[{k!r}]": v for k, v in grads.items() if isinstance(v, np.ndarray)}
    before = {name: a.copy() for name, a in arrays.items()}
    entries = dict(params)
    with calling(made):
        new = gradient_descent_step(params, grads, lr)
    for name, a in arrays.items():
        require(np.array_equal(a, before[name]),
                f"{made} changed {name} in place (-= on an array writes into the caller's "
                "array): compute new arrays instead, params[name] - lr * grads[name]")
    require(set(params) == set(entries) and all(
        params[k] is v if isinstance(v, np.ndarray) else np.array_equal(params[k], v)
        for k, v in entries.items()),
        f"{made} changed the dict params (params[name] = ... rebinds the caller's entry): "
        "build a new dict and return it, leaving params as it was")
    if new is None:
        raise HintError(f"{made} returned None: did it forget to `return` the new dict?")
    require(isinstance(new, Mapping),
            f"{made} should return a dict {{name: new value}}, but it returned a "
            f"{type(new).__name__}")
    require(set(new) == set(params),
            f"{made} returned a dict with the names {sorted(new)}; it should have the names of "
            f"params, {sorted(params)}")
    return dict(new)


@check
def check_gradient_descent_step(gradient_descent_step: Callable) -> None:
    """gradient_descent_step(params, grads, lr) on two arrays and a float, whose gradients come
    in another order (arguments left unchanged), then on floats."""
    params = {"w": np.array([0.5, -1.2, 2.0]), "b": np.array([0.1, 0.4, -0.3]), "scale": 2.0}
    grads = {"b": np.array([-0.3, 0.5, 0.2]), "scale": -4.0, "w": np.array([0.6, -1.0, 0.25])}
    made = _step_call(params, grads, 0.05)
    new = _step_case(gradient_descent_step, params, grads, 0.05, made)
    uphill = "goes uphill: step against the gradient, subtracting lr times it, not adding"
    no_lr = "the learning rate is missing: the step is lr times the gradient"
    by_position = ("paired by position: params and grads list their names in different orders; "
                   "look up each parameter's gradient by its name, grads[name]")
    assert_close(new["w"], np.array([0.47, -1.15, 1.9875]), f"the new 'w' of {made}",
                 variants={uphill: np.array([0.53, -1.25, 2.0125]),
                           no_lr: np.array([-0.1, -0.2, 1.75]),
                           by_position: np.array([0.515, -1.225, 1.99])})
    assert_close(new["b"], np.array([0.115, 0.375, -0.31]), f"the new 'b' of {made}",
                 variants={uphill: np.array([0.085, 0.425, -0.29]),
                           no_lr: np.array([0.4, -0.1, -0.5])})
    assert_close(new["scale"], 2.2, f"the new 'scale' of {made}",
                 variants={uphill: 1.8, no_lr: 6.0})
    # floats work too
    params, grads = {"w": 1.0, "b": -2.0}, {"w": 0.5, "b": 4.0}
    made = _step_call(params, grads, 0.1)
    new = _step_case(gradient_descent_step, params, grads, 0.1, made)
    assert_close(new["w"], 0.95, f"the new 'w' of {made}")
    assert_close(new["b"], -2.4, f"the new 'b' of {made}")
    print("gradient_descent_step: visible tests passed")


# ---------------------------------------------------------------------------------------------
# Exercise 4: a training loop (the mean log-cosh loss of four examples, one an outlier)

TRAIN_X, TRAIN_Y_GT = np.array([-1.0, 0.5, 2.0, 3.0]), np.array([-1.5, 0.5, 1.5, 8.0])
# train(TRAIN_X, TRAIN_Y_GT, 0.0, 0.0, 0.5, 3) and its known wrong variants, in float64
TRAIN_LOSSES = np.array([2.2844619452402735, 1.3245959434177137, 1.0597642415589652,
                         0.964687670762908])
TRAIN_W, TRAIN_B = 1.390977189191283, 0.12391107262347505
TRAIN_WRONG = {
    "the step for b used the gradient at the new w: compute both gradients first, "
    "then update both parameters":
        np.array([2.2844619452402735, 1.3303285241452432, 1.0326851993894661,
                  0.9464050311434923]),
    "the loss grows: step against the gradient, not along it":
        np.array([2.2844619452402735, 3.514223490721457, 4.894653249327529,
                  6.320325899406482]),
    "these are the losses for lr = 0.1 (the lesson's): use the argument lr":
        np.array([2.2844619452402735, 2.054746603951993, 1.8463732362856373,
                  1.6661667896479528]),
    "the learning rate is missing: each step is lr times the gradient":
        np.array([2.2844619452402735, 0.9747094467547264, 0.8748495851711124,
                  0.8502798854121005]),
    "the steps used the sum of the examples' gradients: the loss is their mean, and so is "
    "its gradient (np.mean)":
        np.array([2.2844619452402735, 1.696960182764492, 2.4000307163945527,
                  1.7129010594429541]),
}


def _losses_shape(losses, steps: int, made: str) -> None:
    require(np.shape(losses) == (steps + 1,),
            f"losses of {made} has the wrong shape {np.shape(losses)}: with steps = {steps} it "
            f"should have shape ({steps + 1},), the loss before the first step and after each "
            f"of the {steps} steps")


@check
def check_train(train: Callable) -> None:
    """train(x, y_gt, w, b, lr, steps) on four examples for 3 steps with lr = 0.5, then on one
    example (x of shape (1,)) for 0 steps."""
    made = call("train", TRAIN_X, TRAIN_Y_GT, 0.0, 0.0, 0.5, 3)
    w, b, losses = unpack(run(train, TRAIN_X.copy(), TRAIN_Y_GT.copy(), 0.0, 0.0, 0.5, 3), 3,
                          f"{made} should return (w, b, losses)")
    _losses_shape(losses, 3, made)
    assert_close(losses, TRAIN_LOSSES, f"losses of {made}", variants=TRAIN_WRONG,
                 batch_size=4)
    assert_close(w, TRAIN_W, f"the final w of {made}")
    assert_close(b, TRAIN_B, f"the final b of {made}")
    x, y_gt = np.array([2.0]), np.array([1.0])
    made = call("train", x, y_gt, 0.5, 0.5, 0.2, 0)
    w, b, losses = unpack(run(train, x.copy(), y_gt.copy(), 0.5, 0.5, 0.2, 0), 3,
                          f"{made} should return (w, b, losses)")
    _losses_shape(losses, 0, made)
    assert_close(losses, np.array([0.12011450695827752]), f"losses of {made} (steps = 0)")
    assert_close(w, 0.5, f"w of {made} (steps = 0: no step, w unchanged)")
    assert_close(b, 0.5, f"b of {made} (steps = 0: no step, b unchanged)")
    print("train: visible tests passed")


# ---------------------------------------------------------------------------------------------
# Exercise 5: three chained maps, h = w1 x + b1, a = tanh(h), y = w2 a + b2

CHAIN_X, CHAIN_Y_GT = np.array([-1.0, 0.5, 2.0]), np.array([0.3, -0.5, 1.0])
CHAIN_PARAMS = (0.6, -0.2, -1.5, 0.4)  # w1, b1, w2, b2: h = [-0.8, 0.1, 1.0]
# in float64: dL/dy = y - y_gt, and each gradient with its known wrong variants
CHAIN_DY = np.array([1.0960551554017737, 0.7504980080625663, -1.7423912339336471])
CHAIN_DW2 = np.array([-0.7278209254284191, 0.07480063143361988, -1.3269949811524195])
CHAIN_DB1 = np.array([-0.9191329481203939, -1.1145641686963457, 1.097639416958001])
CHAIN_DW1 = np.array([0.9191329481203939, -0.5572820843481728, 2.195278833916002])
NO_TANH = "the tanh's local derivative is missing: da/dh = 1 - tanh(h)^2 = 1 - a^2"
ONE_MINUS_H2 = "you used 1 - h^2; the local derivative of a = tanh(h) is 1 - tanh(h)^2 = 1 - a^2"
TANH_IS_A = "you used a for da/dh; the local derivative of a = tanh(h) is 1 - a^2"
FORGOT_W2 = "w2 is missing: dL/da = dL/dy * dy/da, and dy/da = w2"
CHAIN_WRONG_DB1 = {
    NO_TANH: np.array([-1.6440827331026604, -1.1257470120938495, 2.6135868509004707]),
    ONE_MINUS_H2: np.array([-0.5918697839169575, -1.114489541972911, 0.0]),
    TANH_IS_A: np.array([1.0917313881426287, -0.11220094715042983, 1.9904924717286294]),
    FORGOT_W2: np.array([0.6127552987469292, 0.743042779130897, -0.7317596113053341]),
    "the local derivative dh/db1 is 1, not x: dL/db1 = dL/dh": CHAIN_DW1,
}
CHAIN_WRONG_DW1 = {
    NO_TANH: np.array([1.6440827331026604, -0.5628735060469248, 5.227173701800941]),
    ONE_MINUS_H2: np.array([0.5918697839169575, -0.5572447709864555, 0.0]),
    TANH_IS_A: np.array([-1.0917313881426287, -0.056100473575214915, 3.980984943457259]),
    FORGOT_W2: np.array([-0.6127552987469292, 0.3715213895654485, -1.4635192226106681]),
    "you used a; the local derivative dh/dw1 is x, the input of the first map":
        np.array([0.6103380743166328, -0.1110863755747957, 0.8359557653019066]),
    "you used h; the local derivative dh/dw1 is x, the input of the first map":
        np.array([0.7353063584963152, -0.11145641686963455, 1.097639416958001]),
}


@check
def check_chain_gradients(chain_gradients: Callable) -> None:
    """chain_gradients(x, w1, b1, w2, b2, y_gt) on three examples, back to front, then floats."""
    made = call("chain_gradients", CHAIN_X, *CHAIN_PARAMS, CHAIN_Y_GT)
    returns = "should return four values: (dL_dw1, dL_db1, dL_dw2, dL_db2)"
    dL_dw1, dL_db1, dL_dw2, dL_db2 = unpack(
        run(chain_gradients, CHAIN_X.copy(), *CHAIN_PARAMS, CHAIN_Y_GT.copy()), 4,
        f"{made} {returns}",
    )
    # checked back to front, in the order you compute them
    assert_close(dL_db2, CHAIN_DY, f"dL_db2 of {made}")
    assert_close(
        dL_dw2,
        CHAIN_DW2,
        f"dL_dw2 of {made}",
        variants={
            "you used h; the local derivative dy/dw2 is a = tanh(h), the input of the last map":
                np.array([-0.876844124321419, 0.07504980080625662, -1.7423912339336471]),
            "you used x; the local derivative dy/dw2 is a = tanh(h), the input of the last map":
                CHAIN_DY * CHAIN_X,
        },
    )
    assert_close(dL_db1, CHAIN_DB1, f"dL_db1 of {made}", variants=CHAIN_WRONG_DB1)
    assert_close(dL_dw1, CHAIN_DW1, f"dL_dw1 of {made}", variants=CHAIN_WRONG_DW1)
    # floats work too
    made = call("chain_gradients", 1.0, 2.0, -1.0, 0.5, 1.0, 0.0)
    grads = unpack(run(chain_gradients, 1.0, 2.0, -1.0, 0.5, 1.0, 0.0), 4,
                   f"{made} {returns}, for floats too")
    names = ["dL_dw1", "dL_db1", "dL_dw2", "dL_db2"]
    expected = [0.2899496718631661, 0.2899496718631661, 1.0516069851487517, 1.3807970779778824]
    for name, value, want in zip(names, grads, expected, strict=True):
        assert_close(value, want, f"{name} of {made}")
    print("chain_gradients: visible tests passed")
