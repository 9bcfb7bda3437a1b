"""The visible checks of assignment 05 (matrix backprop).

    check_matmul_backward(matmul_backward)                                  exercise 1
    check_affine(affine_forward, affine_backward)                           exercise 2
    check_relu(relu_forward, relu_backward)                                 exercise 3
    check_two_layer(two_layer_forward, two_layer_backward,
                    affine_forward, affine_backward, relu_forward, relu_backward)   exercise 4

    matmul_inputs(), affine_inputs(), flat_inputs(), two_layer_inputs()   the checks' inputs

Each check calls the learner's functions on small fixed float64 inputs, which the hints name
(as numpy code, or as the function above that makes them) so that the learner can rerun the
call, and compares with fixed expected
numbers (worked out once with torch.autograd; tests/test_checks_05.py recomputes every one of
them), naming the likely mistake when a known wrong answer matches. The learner's functions
always get fresh copies of the inputs, and must leave them unchanged. Nothing here computes an
exercise's answer: the hidden tests, with random shapes, live in the instructor's notebook.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from bp2yolo.checks.core import assert_close, copies, require_unchanged
from bp2yolo.checks.report import HintError, calling, check, passes, require, unpack

__all__ = [
    "affine_inputs",
    "check_affine",
    "check_matmul_backward",
    "check_relu",
    "check_two_layer",
    "flat_inputs",
    "matmul_inputs",
    "two_layer_inputs",
]


def _a(values: Any) -> np.ndarray:
    return np.array(values, dtype=np.float64)


# ---------------------------------------------------------------------------------------------
# Exercise 1: matmul_backward, out = x @ w with x of shape (N, T, D) = (3, 2, 2), w (2, 3)

MATMUL = (
    "x = np.arange(12.0).reshape(3, 2, 2) - 5, w = np.array([[1.0, 0.0, -1.0], "
    "[2.0, 0.5, 1.0]]), dout = np.arange(18.0).reshape(3, 2, 3) % 5 - 2"
)


def matmul_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, w, dout) of check_matmul_backward, as MATMUL writes them: fresh arrays."""
    x = np.arange(12.0).reshape(3, 2, 2) - 5
    w = _a([[1.0, 0.0, -1.0], [2.0, 0.5, 1.0]])
    dout = np.arange(18.0).reshape(3, 2, 3) % 5 - 2
    return x, w, dout


MATMUL_DX = _a([[[-2.0, -4.5], [3.0, 1.0]], [[-2.0, -1.0], [3.0, 2.0]],
                [[-2.0, 2.5], [-2.0, -4.5]]])
MATMUL_DW = _a([[0.0, -5.0, 10.0], [-2.0, -6.0, 10.0]])
SUMS_FIRST = _a([[-8.0, -8.0, 32.0], [-12.0, -10.0, 32.0]])  # x.sum(1).T @ dout.sum(1)
FIRST_EXAMPLE = _a([[7.0, -1.0, 6.0], [6.0, 0.0, 4.0]])  # x[0].T @ dout[0]
EVERY_ROW = (
    "every row x[n, t] is multiplied by the same w, so dw sums x[n, t]^T dout[n, t] over "
    "every n and every t"
)


@check
def check_matmul_backward(matmul_backward: Callable) -> None:
    """matmul_backward(dout, x, w) for x of shape (3, 2, 2) and w of shape (2, 3)."""
    x, w, dout = matmul_inputs()
    inputs = {"x": x, "w": w, "dout": dout}
    before = copies(inputs)
    made = f"matmul_backward(dout, x, w) with {MATMUL}"
    with calling(made):
        result = matmul_backward(dout, x, w)
    dx, dw = unpack(result, 2, f"{made} should return (dx, dw)")
    require_unchanged(inputs, before, made)
    require(not (np.shape(dx) == MATMUL_DW.shape and np.shape(dw) == MATMUL_DX.shape),
            f"{made} returned (dw, dx), by their shapes: return (dx, dw), in that order")
    assert_close(dx, MATMUL_DX, f"dx of {made}")
    averaged = f"dw is averaged (a mean over the batch): {EVERY_ROW}, a sum, not a mean"
    assert_close(dw, MATMUL_DW, f"dw of {made}", batch_size=3, variants={
        averaged: MATMUL_DW / 3,
        averaged + " (here over N = 3 and T = 2)": MATMUL_DW / 6,
        averaged + " (here over T = 2)": MATMUL_DW / 2,
        "you summed x and dout over T before multiplying them: the product of two sums is "
        f"not the sum of the products; {EVERY_ROW}": SUMS_FIRST,
        f"dw uses only the first example, x[0] and dout[0]: {EVERY_ROW}": FIRST_EXAMPLE,
    })
    print("matmul_backward: visible tests passed")


# ---------------------------------------------------------------------------------------------
# Exercise 2: the affine layer, for x of shape (3, 2, 2) (k = 2) and of shape (3,) (k = 0)

AFFINE = "x, params, dout = affine_inputs() (x of shape (3, 2, 2))"
FLAT = "x, params, dout = flat_inputs() (x of shape (3,), so D = 1)"


def affine_inputs() -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """(x, params, dout) of check_affine's first case: x of shape (3, 2, 2), W (4, 2)."""
    x = np.arange(12.0).reshape(3, 2, 2) / 4 - 1
    params = {"W": _a([[1.0, -1.0], [0.5, 2.0], [-2.0, 0.0], [1.0, 1.5]]), "b": _a([0.5, -1.0])}
    return x, params, _a([[1.0, -2.0], [0.5, 0.0], [-1.0, 3.0]])


def flat_inputs() -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """(x, params, dout) of check_affine's second case, x of shape (N,) = (3,)."""
    params = {"W": _a([[2.0, -1.0]]), "b": _a([0.0, 1.0])}
    return _a([1.0, -2.0, 0.5]), params, _a([[1.0, 0.5], [-1.0, 2.0], [0.25, -0.5]])


AFFINE_OUT = _a([[-0.125, -1.875], [0.375, 0.625], [0.875, 3.125]])
AFFINE_OUT_NO_BIAS = _a([[-0.625, -0.875], [-0.125, 1.625], [0.375, 4.125]])
AFFINE_DX = _a([[[3.0, -3.5], [-2.0, -2.0]], [[0.5, 0.25], [-1.0, 0.5]],
                [[-4.0, 5.5], [2.0, 3.5]]])
AFFINE_DW = _a([[-2.0, 5.0], [-1.875, 5.25], [-1.75, 5.5], [-1.625, 5.75]])
AFFINE_DB = _a([0.5, 1.0])
AFFINE_DB_ROWS = _a([-1.0, 0.5, 2.0])  # dout.sum(axis=1): the wrong axis
FLAT_OUT = _a([[2.0, 0.0], [-4.0, 3.0], [1.0, 0.5]])
FLAT_DX = _a([1.5, -4.0, 1.0])
FLAT_DW = _a([[3.125, -3.75]])
FLAT_DB = _a([0.25, 2.0])

NO_BIAS = "the bias is missing: out = x W + b, with b added to every row"
DB_AVERAGED = (
    "the bias gradient is averaged over the batch: b is added to every one of the N rows, so "
    "db is the sum of dout over the rows, not their mean"
)
DB_WRONG_AXIS = (
    "you summed dout over axis 1 (the outputs): b has one entry per output, and db sums over "
    "axis 0, the batch"
)


def _grads(result: Any, keys: tuple[str, ...], made: str) -> Mapping[str, Any]:
    """The dict of gradients a backward returned, with every key in `keys`, or HintError."""
    wanted = ", ".join(repr(k) for k in keys)
    if result is None:
        raise HintError(f"{made} returned None: did it forget to `return` the dict of "
                        f"gradients {{{wanted}}}?")
    require(isinstance(result, Mapping),
            f"{made} should return a dict of gradients with the keys {wanted}, got a "
            f"{type(result).__name__}")
    missing = [k for k in keys if k not in result]
    require(not missing,
            f"{made} should return a dict with the keys {wanted}, one gradient for each input "
            f"and parameter; it is missing {', '.join(repr(k) for k in missing)}")
    return result


def _like_x(dx: Any, shape: tuple[int, ...], made: str) -> None:
    """A hint for a dx flattened like the rows (N, D) where x has shape `shape`."""
    got = np.shape(dx)
    if got != shape and int(np.prod(got)) == int(np.prod(shape)) and len(got) <= 2:
        raise HintError(
            f"grads['x'] of {made} has shape {got}, the flattened rows, but should have the "
            f"shape of x, {shape}: reshape it back (dx.reshape(x.shape))"
        )


def _affine_case(affine_forward: Callable, affine_backward: Callable, inputs: tuple,
                 described: str, expected: tuple,
                 variants: dict[str, Any] | None = None) -> None:
    """One case of check_affine: out, then grads['b'], grads['W'] and grads['x']."""
    x, params, dout = inputs
    out_want, dx_want, dw_want, db_want = expected
    given = {"x": x, "params['W']": params["W"], "params['b']": params["b"]}
    before = copies(given)
    made = f"affine_forward(x, params) with {described}"
    with calling(made):
        result = affine_forward(x, params)
    out, cache = unpack(result, 2, f"{made} should return (out, cache)")
    require_unchanged(given, before, made)
    assert_close(out, out_want, f"out of {made}", variants=(variants or {}).get("out"))
    back = (f"affine_backward(dout, cache) with {described} and out, cache = "
            "affine_forward(x, params)")
    with calling(back):
        result = affine_backward(dout, cache)
    grads = _grads(result, ("x", "W", "b"), back)
    n = x.shape[0]
    assert_close(grads["b"], db_want, f"grads['b'] of {back}", batch_size=n,
                 variants=(variants or {}).get("b"))
    assert_close(grads["W"], dw_want, f"grads['W'] of {back}", batch_size=n)
    _like_x(grads["x"], x.shape, back)
    assert_close(grads["x"], dx_want, f"grads['x'] of {back}")


def _check_affine(affine_forward: Callable, affine_backward: Callable) -> None:
    _affine_case(affine_forward, affine_backward, affine_inputs(), AFFINE,
                 (AFFINE_OUT, AFFINE_DX, AFFINE_DW, AFFINE_DB),
                 {"out": {NO_BIAS: AFFINE_OUT_NO_BIAS},
                  "b": {DB_AVERAGED: AFFINE_DB / 3, DB_WRONG_AXIS: AFFINE_DB_ROWS}})
    _affine_case(affine_forward, affine_backward, flat_inputs(), FLAT,
                 (FLAT_OUT, FLAT_DX, FLAT_DW, FLAT_DB))


@check
def check_affine(affine_forward: Callable, affine_backward: Callable) -> None:
    """affine_forward and affine_backward for x of shape (3, 2, 2) and for x of shape (3,)."""
    _check_affine(affine_forward, affine_backward)
    print("affine: visible tests passed")


# ---------------------------------------------------------------------------------------------
# Exercise 3: the ReLU layer, with exact zeros in x

RELU_X = [[-1.5, 0.0, 2.0, 0.5], [3.0, -0.25, 0.0, -2.0]]
RELU_DOUT = [[1.0, 2.0, 3.0, 4.0], [-1.0, -2.0, -3.0, -4.0]]
RELU_OUT = _a([[0.0, 0.0, 2.0, 0.5], [3.0, 0.0, 0.0, 0.0]])
RELU_DX = _a([[0.0, 0.0, 3.0, 4.0], [-1.0, 0.0, 0.0, 0.0]])
SMALL_X, SMALL_DOUT, SMALL_DX = [0.0, -1.0, 4.0], [2.0, 3.0, -1.0], _a([0.0, 0.0, -1.0])

AT_ZERO = (
    "the gradient passes where x == 0: ReLU's derivative is taken as 0 there (as torch does), "
    "so the mask is x > 0, not x >= 0"
)
RELU_VARIANTS = {
    AT_ZERO: _a([[0.0, 2.0, 3.0, 4.0], [-1.0, 0.0, -3.0, 0.0]]),
    "dout passes through unchanged: where x < 0 the ReLU's output is constant 0, so the "
    "gradient there is 0 (multiply dout by the mask x > 0)": _a(RELU_DOUT),
    "the mask is inverted: the gradient should pass where x > 0 and be 0 where x <= 0":
        _a([[1.0, 2.0, 0.0, 0.0], [0.0, -2.0, -3.0, -4.0]]),
    "the mask is inverted (x < 0): the gradient should pass where x > 0 only":
        _a([[1.0, 0.0, 0.0, 0.0], [0.0, -2.0, 0.0, -4.0]]),
    "you multiplied dout by relu(x), the output: the local derivative is 1 where x > 0 and 0 "
    "elsewhere, a 0/1 mask": _a([[0.0, 0.0, 6.0, 2.0], [-3.0, 0.0, 0.0, 0.0]]),
}


def _relu_case(relu_forward: Callable, relu_backward: Callable, x_values: list,
               dout_values: list, out_want: np.ndarray, dx_want: np.ndarray,
               variants: dict[str, Any] | None = None) -> None:
    x, dout = _a(x_values), _a(dout_values)
    made = f"relu_forward(x, {{}}) with x = np.array({x_values})"
    with calling(made):
        result = relu_forward(x, {})
    out, cache = unpack(result, 2, f"{made} should return (out, cache)")
    require(np.array_equal(x, _a(x_values)),
            f"{made} changed x in place (x[x < 0] = 0, or np.maximum(x, 0, out=x), writes into "
            "the caller's array, which other layers may still need): make a new array, "
            "np.maximum(x, 0)")
    assert_close(out, out_want, f"out of {made}")
    back = f"relu_backward(dout, cache) with dout = np.array({dout_values}) and cache from {made}"
    with calling(back):
        result = relu_backward(dout, cache)
    grads = _grads(result, ("x",), back)
    assert_close(grads["x"], dx_want, f"grads['x'] of {back}", variants=variants)


def _check_relu(relu_forward: Callable, relu_backward: Callable) -> None:
    _relu_case(relu_forward, relu_backward, RELU_X, RELU_DOUT, RELU_OUT, RELU_DX, RELU_VARIANTS)
    _relu_case(relu_forward, relu_backward, SMALL_X, SMALL_DOUT, _a([0.0, 0.0, 4.0]), SMALL_DX,
               {AT_ZERO: _a([2.0, 0.0, -1.0])})


@check
def check_relu(relu_forward: Callable, relu_backward: Callable) -> None:
    """relu_forward and relu_backward on a (2, 4) array and a (3,) array, both with zeros."""
    _check_relu(relu_forward, relu_backward)
    print("relu: visible tests passed")


# ---------------------------------------------------------------------------------------------
# Exercise 4: affine -> ReLU -> affine, N = 3, D = 2, H = 4, M = 2

TWO_LAYER = "x, params, dout = two_layer_inputs() (N = 3, D = 2, H = 4, M = 2)"
GRAD_KEYS = ("x", "W1", "b1", "W2", "b2")


def two_layer_inputs() -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """(x, params, dout) of check_two_layer: x (3, 2), W1 (2, 4), b1 (4,), W2 (4, 2), b2 (2,),
    dout (3, 2); every hidden pre-activation is away from 0."""
    params = {
        "W1": _a([[1.0, -0.5, 0.25, -1.0], [0.5, 1.0, -1.0, 0.75]]),
        "b1": _a([0.1, -0.2, 0.3, 0.05]),
        "W2": _a([[1.0, -1.0], [0.5, 0.25], [-0.75, 1.0], [2.0, -0.5]]),
        "b2": _a([0.0, 0.5]),
    }
    x = _a([[1.0, -1.0], [0.5, 2.0], [-1.5, 0.5]])
    return x, params, _a([[1.0, -1.0], [0.5, 2.0], [-2.0, 0.25]])


TWO_LAYER_OUT = _a([[-0.5625, 1.45], [4.475, -1.2375], [4.375, -0.2]])
TWO_LAYER_GRADS = {
    "x": _a([[1.5625, 2.75], [-1.875, 0.0], [4.59375, -4.03125]]),
    "W1": _a([[1.25, 1.78125, -1.75, 6.1875], [-5.0, 1.03125, 1.75, -2.0625]]),
    "b1": _a([0.5, -0.1875, -1.75, -4.125]),
    "W2": _a([[1.4, 2.6], [-1.325, 3.3625], [1.55, -1.55], [-3.325, 2.58125]]),
    "b2": _a([-0.5, 1.25]),
}
# Without the ReLU, in the forward pass (its out) or in the backward pass (the first layer's)
LINEAR_OUT = _a([[-4.8125, 1.875], [5.65625, -2.8125], [3.65625, 0.375]])
UNMASKED = {
    "x": _a([[-1.0625, 4.875], [-1.46875, -1.625], [2.78125, -6.90625]]),
    "W1": _a([[4.625, 2.03125, -3.5625, 8.6875], [-6.125, 0.78125, 5.875, -4.5625]]),
    "b1": _a([-1.75, 0.0625, 1.625, -1.625]),
}
# The ReLU's mask taken from the gradient (relu_backward(g, g)) instead of the ReLU's cache
GRADIENT_MASK = {
    "x": _a([[-0.625, 3.125], [0.03125, -0.875], [0.4375, -1.75]]),
    "W1": _a([[2.0, 0.625, -1.8125, 2.5], [-2.0, 1.25, 4.125, -2.5]]),
    "b1": _a([2.0, 1.0, 3.375, 2.5]),
}
WRONG_CACHE = (
    "the ReLU's mask came from the gradient, not from the ReLU's input: pass relu_backward the "
    "cache that relu_forward returned (the hidden pre-activation h)"
)
NO_RELU_FORWARD = (
    "the ReLU is missing: the first affine layer's output goes through relu_forward before "
    "the second affine layer"
)
NO_RELU_BACKWARD = (
    "the ReLU's gradient is missing: between the two affine_backward calls, the gradient "
    "goes back through relu_backward (with the ReLU's cache), which zeroes it where the "
    "hidden pre-activation is <= 0"
)


@check
def check_two_layer(two_layer_forward: Callable, two_layer_backward: Callable,
                    affine_forward: Callable, affine_backward: Callable,
                    relu_forward: Callable, relu_backward: Callable) -> None:
    """two_layer_forward and two_layer_backward on a network of sizes D = 2, H = 4, M = 2,
    once the layers they are built from (exercises 2 and 3) pass their own visible checks."""
    x, params, dout = two_layer_inputs()
    given = {"x": x, **{f"params[{k!r}]": v for k, v in params.items()}}
    before = copies(given)
    made = f"two_layer_forward(x, params) with {TWO_LAYER}"
    with calling(made):
        result = two_layer_forward(x, params)
    uses = "two_layer_forward and two_layer_backward use your {} and {}, which fail their own "
    uses += "test: fix exercise {} first"
    require(passes(_check_affine, affine_forward, affine_backward),
            uses.format("affine_forward", "affine_backward", 2))
    require(passes(_check_relu, relu_forward, relu_backward),
            uses.format("relu_forward", "relu_backward", 3))
    out, cache = unpack(result, 2, f"{made} should return (out, cache)")
    require_unchanged(given, before, made)
    assert_close(out, TWO_LAYER_OUT, f"out of {made}", variants={NO_RELU_FORWARD: LINEAR_OUT})
    back = (f"two_layer_backward(dout, cache) with {TWO_LAYER} and out, cache = "
            "two_layer_forward(x, params)")
    with calling(back):
        result = two_layer_backward(dout, cache)
    grads = _grads(result, GRAD_KEYS, back)
    if np.shape(grads["x"]) == (3, 4):
        raise HintError(
            f"grads['x'] of {back} has shape (3, 4), the hidden layer's (N, H): that is the "
            "gradient at the hidden layer; go on through the first affine layer's backward to "
            "get dL/dx, of x's shape (3, 2)"
        )
    for key in ("W2", "b2", "W1", "b1", "x"):
        first_layer = key in UNMASKED  # the ReLU is below the second layer: only these change
        assert_close(grads[key], TWO_LAYER_GRADS[key], f"grads[{key!r}] of {back}",
                     variants={NO_RELU_BACKWARD: UNMASKED[key],
                               WRONG_CACHE: GRADIENT_MASK[key]} if first_layer else None)
    print("two_layer: visible tests passed")
