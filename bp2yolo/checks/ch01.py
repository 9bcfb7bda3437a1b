"""The visible checks of assignment 01 (the chain rule and gradient descent).

Each check receives the learner's function, calls it on small fixed inputs and compares with
fixed expected numbers (worked out by hand), naming the likely mistake when one matches.
Nothing here computes an exercise's answer: the hidden tests live in the instructor's notebook.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bp2yolo.checks.core import assert_close
from bp2yolo.checks.report import call, check, require, run, unpack

__all__ = [
    "check_central_difference",
    "check_chain_gradients",
    "check_forward_difference",
    "check_gradient_descent_step",
    "check_linear_model",
    "check_train",
]


def _cube(t):
    return t**3  # f'(t) = 3 t^2


def _quadratic(t):
    return 5 * t**2 - t  # f'(t) = 10 t - 1; the central difference is exact for any h


POINTS = np.array([1.0, 2.0, -0.5])  # where the finite differences of _cube are taken
# With h = 0.1, for t^3 (exactly): forward 3 x^2 + 3 x h + h^2, backward 3 x^2 - 3 x h + h^2,
# central 3 x^2 + h^2 (an error of h^2, where the forward difference's error is 3 x h + h^2).
FORWARD = np.array([3.31, 12.61, 0.61])
BACKWARD = np.array([2.71, 11.41, 0.91])
CENTRAL = np.array([3.01, 12.01, 0.76])
CUBE = "cube(t) = t**3"  # how the hints name the functions the checks differentiate
QUADRATIC = "quadratic(t) = 5 * t**2 - t"


@check
def check_forward_difference(forward_difference: Callable) -> None:
    """forward_difference(f, x, h) on t^3, for an array and a float x."""
    assert_close(
        run(forward_difference, _cube, POINTS.copy(), 0.1),
        FORWARD,
        f"{call('forward_difference', _cube, POINTS, 0.1)} with {CUBE}",
        variants={
            "this is the backward difference, through x - h and x; "
            "the forward one goes from x to x + h": BACKWARD,
            "this is the central difference, through x - h and x + h; "
            "the forward one goes from x to x + h": CENTRAL,
        },
    )
    assert_close(run(forward_difference, _cube, 2.0, 0.5), 15.25,
                 f"{call('forward_difference', _cube, 2.0, 0.5)} with {CUBE}")
    print("forward_difference: visible tests passed")


@check
def check_central_difference(central_difference: Callable) -> None:
    """central_difference(f, x, h) on t^3 and on a quadratic (where it is exact)."""
    assert_close(
        run(central_difference, _cube, POINTS.copy(), 0.1),
        CENTRAL,
        f"{call('central_difference', _cube, POINTS, 0.1)} with {CUBE}",
        variants={
            "this is the forward difference, through x and x + h; "
            "the central one goes from x - h to x + h": FORWARD,
            "off by a factor of 2: the two points x - h and x + h are 2h apart, "
            "so divide by 2h, not by h": 2 * CENTRAL,
        },
    )
    assert_close(run(central_difference, _cube, 2.0, 0.5), 12.25,
                 f"{call('central_difference', _cube, 2.0, 0.5)} with {CUBE}")
    x = np.array([0.0, 3.0])
    assert_close(run(central_difference, _quadratic, x, 0.5), np.array([-1.0, 29.0]),
                 f"{call('central_difference', _quadratic, x, 0.5)} with {QUADRATIC}")
    print("central_difference: visible tests passed")


@check
def check_linear_model(linear_model: Callable) -> None:
    """linear_model(x, w, b, y_gt) on three examples, then on floats."""
    x = np.array([2.0, -1.0, 0.5])
    y_gt = np.array([1.0, 0.2, -0.4])
    made = call("linear_model", x, 0.5, -0.3, y_gt)
    returns = "should return four values: (y, L, dL_dw, dL_db)"
    y, L, dL_dw, dL_db = unpack(run(linear_model, x, 0.5, -0.3, y_gt), 4, f"{made} {returns}")
    dL_dy = np.array([-0.3, -1.0, 0.35])  # y - y_gt
    assert_close(y, np.array([0.7, -0.8, -0.05]), f"y of {made}", terms={"b": -0.3})
    assert_close(L, np.array([0.045, 0.5, 0.06125]), f"L of {made}")
    assert_close(
        dL_dw,
        np.array([-0.6, 1.0, 0.175]),
        f"dL_dw of {made}",
        variants={
            "this is dL/dy, without the local derivative dy/dw = x: "
            "by the chain rule dL/dw = dL/dy * dy/dw": dL_dy,
        },
    )
    assert_close(
        dL_db,
        dL_dy,
        f"dL_db of {made}",
        variants={
            "the local derivative dy/db is 1, not x: dL/db = dL/dy": np.array([-0.6, 1.0, 0.175]),
        },
    )
    # floats work too
    made = call("linear_model", 2.0, -0.5, 1.0, 1.5)
    y, L, dL_dw, dL_db = unpack(run(linear_model, 2.0, -0.5, 1.0, 1.5), 4, f"{made} {returns}")
    assert_close(y, 0.0, f"y of {made}")
    assert_close(L, 1.125, f"L of {made}")
    assert_close(dL_dw, -3.0, f"dL_dw of {made}")
    assert_close(dL_db, -1.5, f"dL_db of {made}")
    print("linear_model: visible tests passed")


@check
def check_gradient_descent_step(gradient_descent_step: Callable) -> None:
    """gradient_descent_step(w, b, dL_dw, dL_db, lr) on arrays (left unchanged), then floats."""
    w, b = np.array([0.5, -1.2, 2.0]), np.array([0.1, 0.4, -0.3])
    dL_dw, dL_db = np.array([0.6, -1.0, 0.25]), np.array([-0.3, 0.5, 0.2])
    originals = [a.copy() for a in (w, b, dL_dw, dL_db)]
    made = call("gradient_descent_step", w, b, dL_dw, dL_db, 0.05)
    result = run(gradient_descent_step, w, b, dL_dw, dL_db, 0.05)
    require(
        all(np.array_equal(a, o) for a, o in zip((w, b, dL_dw, dL_db), originals, strict=True)),
        f"{made} changed its arguments in place (w -= ...): "
        "compute new values instead (w_new = w - ...)",
    )
    w_new, b_new = unpack(result, 2, f"{made} should return (w_new, b_new)")
    uphill = "goes uphill: step against the gradient, subtracting lr times it, not adding"
    no_lr = "the learning rate is missing: the step is lr times the gradient"
    assert_close(w_new, np.array([0.47, -1.15, 1.9875]), f"w_new of {made}",
                 variants={uphill: np.array([0.53, -1.25, 2.0125]),
                           no_lr: np.array([-0.1, -0.2, 1.75])})
    assert_close(b_new, np.array([0.115, 0.375, -0.31]), f"b_new of {made}",
                 variants={uphill: np.array([0.085, 0.425, -0.29]),
                           no_lr: np.array([0.4, -0.1, -0.5]),
                           "b's step uses dL_db, not dL_dw": np.array([0.07, 0.45, -0.3125])})
    # floats work too
    made = call("gradient_descent_step", 1.0, -2.0, 0.5, 4.0, 0.1)
    w_new, b_new = unpack(run(gradient_descent_step, 1.0, -2.0, 0.5, 4.0, 0.1), 2,
                          f"{made} should return (w_new, b_new)")
    assert_close(w_new, 0.95, f"w_new of {made}")
    assert_close(b_new, -2.4, f"b_new of {made}")
    print("gradient_descent_step: visible tests passed")


@check
def check_train(train: Callable) -> None:
    """train(x, y_gt, w, b, lr, steps) for 3 steps and for 0 steps."""
    made = call("train", 2.0, 1.0, 0.5, 0.5, 0.1, 3)
    w, b, losses = unpack(run(train, 2.0, 1.0, 0.5, 0.5, 0.1, 3), 3,
                          f"{made} should return (w, b, losses)")
    require(
        np.shape(losses) == (4,),
        f"losses of {made} has the wrong shape {np.shape(losses)}: with steps = 3 it should "
        "have shape "
        "(4,), the loss before the first step and after each of the 3 steps",
    )
    assert_close(
        losses,
        np.array([0.125, 0.03125, 0.0078125, 0.001953125]),
        f"losses of {made}",
        variants={
            "the step for b used the gradient at the new w: compute both gradients first, "
            "then update both parameters": np.array([0.125, 0.03645, 0.01062882, 0.003099363912]),
            "the loss grows: step against the gradient (w - lr * dL_dw), not along it":
                np.array([0.125, 0.28125, 0.6328125, 1.423828125]),
            "the learning rate is missing: each step is lr times the gradient":
                np.array([0.125, 2.0, 32.0, 512.0]),
        },
    )
    assert_close(w, 0.325, f"the final w of {made}")
    assert_close(b, 0.4125, f"the final b of {made}")
    made = call("train", 2.0, 1.0, 0.5, 0.5, 0.1, 0)
    w, b, losses = unpack(run(train, 2.0, 1.0, 0.5, 0.5, 0.1, 0), 3,
                          f"{made} should return (w, b, losses)")
    assert_close(losses, np.array([0.125]), f"losses of {made} (steps = 0)")
    assert_close(w, 0.5, f"w of {made} (steps = 0)")
    print("train: visible tests passed")


@check
def check_chain_gradients(chain_gradients: Callable) -> None:
    """chain_gradients(x, w1, b1, w2, b2, y_gt) on three examples, back to front, then floats."""
    x = np.array([-1.0, 0.5, 2.0])
    y_gt = np.array([0.3, -0.5, 1.0])
    made = call("chain_gradients", x, 0.6, -0.2, -1.5, 0.4, y_gt)
    returns = "should return four values: (dL_dw1, dL_db1, dL_dw2, dL_db2)"
    dL_dw1, dL_db1, dL_dw2, dL_db2 = unpack(
        run(chain_gradients, x, 0.6, -0.2, -1.5, 0.4, y_gt), 4, f"{made} {returns}",
    )
    dL_dy2 = np.array([1.3, 0.75, -2.1])
    # checked back to front, in the order you compute them
    assert_close(dL_db2, dL_dy2, f"dL_db2 of {made}")
    assert_close(
        dL_dw2,
        np.array([-1.04, 0.075, -2.1]),
        f"dL_dw2 of {made}",
        variants={
            "you used y2; the local derivative dy2/dw2 is y1, the input of the second map":
                np.array([2.08, 0.1875, 2.31]),
            "you used x; the local derivative dy2/dw2 is y1, the input of the second map":
                dL_dy2 * x,
        },
    )
    forgot_w2 = "w2 is missing: dL/dy1 = dL/dy2 * dy2/dy1, and dy2/dy1 = w2"
    used_w1 = "you used w1; going back through y2 = w2 y1 + b2, the local derivative dy2/dy1 is w2"
    assert_close(
        dL_db1,
        np.array([-1.95, -1.125, 3.15]),
        f"dL_db1 of {made}",
        variants={
            forgot_w2: dL_dy2,
            used_w1: np.array([0.78, 0.45, -1.26]),
            "the local derivative dy1/db1 is 1, not x: dL/db1 = dL/dy1":
                np.array([1.95, -0.5625, 6.3]),
        },
    )
    assert_close(
        dL_dw1,
        np.array([1.95, -0.5625, 6.3]),
        f"dL_dw1 of {made}",
        variants={
            forgot_w2: np.array([-1.3, 0.375, -4.2]),
            used_w1: np.array([-0.78, 0.225, -2.52]),
            "you used y1; the local derivative dy1/dw1 is x, the input of the first map":
                np.array([1.56, -0.1125, 3.15]),
        },
    )
    # floats work too
    made = call("chain_gradients", 2.0, 0.5, 1.0, -2.0, 0.5, -1.0)
    grads = unpack(run(chain_gradients, 2.0, 0.5, 1.0, -2.0, 0.5, -1.0), 4,
                   f"{made} {returns}, for floats too")
    names = ["dL_dw1", "dL_db1", "dL_dw2", "dL_db2"]
    for name, value, expected in zip(names, grads, [10.0, 5.0, -5.0, -2.5], strict=True):
        assert_close(value, expected, f"{name} of {made}")
    print("chain_gradients: visible tests passed")
