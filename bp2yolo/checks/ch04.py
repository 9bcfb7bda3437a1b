"""The visible checks of assignment 04 (vector backprop).

    check_silu_backward(silu_backward)          exercise 1: an elementwise function, x used twice
    check_unbroadcast(unbroadcast)              exercise 2: broadcasting's backward
    check_max_backward(max_backward)            exercise 3: max along an axis, ties to the first
    check_softmax_backward(softmax_backward)    exercise 4: softmax along an axis of a batch

Each check calls the learner's function on small fixed inputs and compares with fixed expected
numbers, naming the likely mistake when one of them matches. The checks of exercises 1 and 4
then call it once on a wide input under tracemalloc (numpy reports its arrays to it): an answer
that builds an n x n Jacobian fails there. Nothing here computes an exercise's answer: the
hidden tests, with their oracles (torch.autograd, numerical gradients), live only in the
instructor's notebook. The learner's functions always get copies of the inputs.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from bp2yolo.checks.core import assert_close
from bp2yolo.checks.report import call, check, require, run

__all__ = [
    "check_max_backward",
    "check_silu_backward",
    "check_softmax_backward",
    "check_unbroadcast",
]

# The width of the memory test: an n x n float64 Jacobian of it takes 32 MiB, quick to build
# and small enough for a 2 GB Binder session, where the implicit product needs a few arrays of
# 16 KiB. A peak above 1/16 of the Jacobian (2 MiB) is quadratic in n, not a few vectors.
WIDE = 2048
MIB = 2**20


def _copies(*arrays: np.ndarray) -> list[np.ndarray]:
    return [np.array(a, dtype=np.float64) for a in arrays]


def _compare(name: str, function: Callable, arrays: tuple, extra: tuple, expected: Any,
             mistakes: dict[str, Any], what: str = "dx of {}") -> None:
    """function(*copies of arrays, *extra) against expected, naming the call and, when the result
    matches one of `mistakes` ({hint: the value that mistake gives}), its hint."""
    made = call(name, *_copies(*arrays), *extra)
    assert_close(run(function, *_copies(*arrays), *extra), np.array(expected), what.format(made),
                 variants={hint: np.array(value) for hint, value in mistakes.items()})


def _no_jacobian(function: Callable, args: tuple, made: str, instead: str) -> None:
    """Call function(*args) (copies) under tracemalloc; HintError when its peak memory is far
    above a few arrays of the input's size, i.e. it built a WIDE x WIDE matrix."""
    tracing = tracemalloc.is_tracing()
    if not tracing:
        tracemalloc.start()
    copies = _copies(*args)
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    try:
        run(function, *copies)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        if not tracing:
            tracemalloc.stop()
    jacobian = WIDE * WIDE * 8
    require(
        peak < jacobian / 16,
        f"{made} needed {peak / MIB:.0f} MiB at its peak for inputs of 16 KiB ({WIDE} numbers); "
        f"an n x n float64 array takes {jacobian / MIB:.0f} MiB for n = {WIDE}: you built an "
        f"n x n Jacobian (np.diag, np.outer or np.eye): multiply elementwise instead, {instead}",
    )


# ---------------------------------------------------------------------------------------------
# Exercise 1: silu_backward


SILU_CASES = [  # x, dout, the expected dx, then the values of known mistakes
    (
        [-3.0, -1.0, 0.0, 0.5, 2.0],
        [1.0, -2.0, 0.5, 1.5, -1.0],
        [-0.0881041060152, -0.144658976257, 0.25, 1.10994178095, -1.09078424878],
        {
            "first": [0.0474258731776, -0.53788284274, 0.25, 0.933688996803, -0.880797077978],
            "second": [-0.135529979193, 0.393223866483, 0.0, 0.176252784151, -0.209987170807],
            "sigmoid": [0.0451766597309, -0.393223866483, 0.125, 0.352505568302, -0.104993585404],
            "no_dout": [-0.0881041060152, 0.0723294881285, 0.5, 0.739961187303, 1.09078424878],
        },
    ),
    (
        [[-0.5, 1.0, 4.0], [2.5, -2.0, 0.25]],
        [[0.3, -0.7, 1.0], [2.0, 0.5, -1.5]],
        [[0.0780116438092, -0.64936935831, 1.05266461489],
         [2.19880222268, -0.0453921243924, -0.935565032355]],
        {
            "first": [[0.113262200639, -0.511741005041, 0.982013790038],
                      [1.84828363996, 0.0596014610111, -0.843264751329]],
            "second": [[-0.0352505568302, -0.137628353269, 0.0706508248532],
                       [0.350518582726, -0.104993585404, -0.0923002810266]],
            "sigmoid": [[0.0705011136605, -0.137628353269, 0.0176627062133],
                        [0.14020743309, 0.0524967927018, -0.369201124106]],
            "no_dout": [[0.260038812697, 0.927670511871, 1.05266461489],
                        [1.09940111134, -0.0907842487849, 0.62371002157]],
        },
    ),
]
FAN_OUT = "x is used twice in y = x * sigmoid(x) (fan-out), and the gradients of both uses add"
SILU_HINTS = {
    "first": f"you kept only the path through the first factor, dy/dx = sigmoid(x): {FAN_OUT}; "
             "add the path through sigmoid(x), x * s * (1 - s)",
    "second": f"you kept only the path through sigmoid(x), x * s * (1 - s): {FAN_OUT}; add the "
              "path through the first factor, s = sigmoid(x)",
    "sigmoid": "this is the backward of sigmoid alone, dout * s * (1 - s): y = x * sigmoid(x) "
               "has the product rule's two terms, s + x * s * (1 - s)",
    "no_dout": "this is the local derivative dy/dx alone: multiply it by the upstream gradient "
               "dout (the chain rule)",
}


@check
def check_silu_backward(silu_backward: Callable) -> None:
    """silu_backward(x, dout) on a vector and on a (2, 3) array, then on a wide vector."""
    for x, dout, expected, mistakes in SILU_CASES:
        _compare("silu_backward", silu_backward, (x, dout), (), expected,
                 {SILU_HINTS[k]: v for k, v in mistakes.items()})
    x, dout = np.linspace(-6.0, 6.0, WIDE), np.cos(np.arange(WIDE))
    _no_jacobian(silu_backward, (x, dout), f"silu_backward(x, dout) for x of shape ({WIDE},)",
                 "dout times dy/dx, entry by entry")
    print("silu_backward: visible tests passed")


# ---------------------------------------------------------------------------------------------
# Exercise 2: unbroadcast

SQUARE = [[0.5, 1.0, 1.5], [-2.0, 2.5, 3.0], [3.5, -4.0, 4.5]]
ALIGNED_LEFT = (
    "you summed over grad's last axis: broadcasting lines the shapes up on the right, so the "
    "axes it added are grad's leading ones (here axis 0)"
)
AVERAGED = (
    "you averaged: every copy the broadcast made passes its whole gradient back, so sum the "
    "copies' gradients, do not average them"
)
BLOCK = "grad = np.arange(60.0).reshape(4, 3, 5) / 4"
ROWS = [[1.5, -0.5, 2.0], [0.25, 3.0, -1.0]]
UNBROADCAST_CASES = [  # grad, how a hint names it, shape, the expected result, known mistakes
    (SQUARE, None, (3,), [2.0, -0.5, 9.0],
     {ALIGNED_LEFT: [3.0, 3.5, 4.0], AVERAGED: [2 / 3, -1 / 6, 3.0]}),
    (np.arange(60.0).reshape(4, 3, 5) / 4, BLOCK, (3, 1), [[122.5], [147.5], [172.5]],
     {AVERAGED: [[6.125], [7.375], [8.625]]}),
    (ROWS, None, (1, 3), [[1.75, 2.5, 1.0]], {}),
    (ROWS, None, (2, 1), [[3.0], [2.25]], {}),
    (ROWS, None, (2, 3), ROWS, {}),
    (ROWS, None, (), 5.25, {}),
]


@check
def check_unbroadcast(unbroadcast: Callable) -> None:
    """unbroadcast(grad, shape): leading axes, size-1 axes, both, none, and a scalar."""
    for grad, name, shape, expected, mistakes in UNBROADCAST_CASES:
        what = "the result of {}" + ("" if name is None else f" with {name}")
        _compare("unbroadcast", unbroadcast, (grad,), (shape,), expected, mistakes, what)
    print("unbroadcast: visible tests passed")


# ---------------------------------------------------------------------------------------------
# Exercise 3: max_backward

ALL_TIES = (
    "every tied maximal entry got the gradient: send it to the first maximal entry only (the "
    "one np.argmax picks, as torch.max(x, dim) does)"
)
SPLIT = (
    "you split the gradient evenly among the tied maxima (torch.amax's rule): send all of it "
    "to the first maximal entry (the one np.argmax picks, as torch.max(x, dim) does)"
)
LAST = "the gradient went to the last maximal entry: send it to the first (np.argmax's)"
NO_DOUT = "this is the 0/1 mask of the maxima alone: multiply by the upstream gradient dout"
LAST_AXIS = "you reduced over the last axis, not over `axis`"
MAX_CASES = [  # x, dout, axis, expected dx, known mistakes
    (
        [[1.0, 3.0, 3.0, -2.0], [0.5, -1.0, 2.5, 2.5], [4.0, 4.0, 4.0, 4.0]],
        [1.0, -2.0, 0.5],
        -1,
        [[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, -2.0, 0.0], [0.5, 0.0, 0.0, 0.0]],
        {
            ALL_TIES: [[0.0, 1.0, 1.0, 0.0], [0.0, 0.0, -2.0, -2.0], [0.5, 0.5, 0.5, 0.5]],
            SPLIT: [[0.0, 0.5, 0.5, 0.0], [0.0, 0.0, -1.0, -1.0],
                    [0.125, 0.125, 0.125, 0.125]],
            LAST: [[0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, -2.0], [0.0, 0.0, 0.0, 0.5]],
            NO_DOUT: [[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0]],
        },
    ),
    (
        [[2.0, -1.0, 0.0], [2.0, 5.0, -3.0], [1.0, 5.0, -3.0]],
        [1.5, -0.5, 2.0],
        0,
        [[1.5, 0.0, 2.0], [0.0, -0.5, 0.0], [0.0, 0.0, 0.0]],
        {
            LAST_AXIS: [[1.5, 0.0, 0.0], [0.0, -0.5, 0.0], [0.0, 2.0, 0.0]],
            ALL_TIES: [[1.5, 0.0, 2.0], [1.5, -0.5, 0.0], [0.0, -0.5, 0.0]],
            LAST: [[0.0, 0.0, 2.0], [1.5, 0.0, 0.0], [0.0, -0.5, 0.0]],
        },
    ),
    ([0.5, 2.0, -1.0, 2.0], 1.5, 0, [0.0, 1.5, 0.0, 0.0],
     {ALL_TIES: [0.0, 1.5, 0.0, 1.5]}),
]


@check
def check_max_backward(max_backward: Callable) -> None:
    """max_backward(x, dout, axis) on rows with ties, along axis 0, and of one vector."""
    for x, dout, axis, expected, mistakes in MAX_CASES:
        _compare("max_backward", max_backward, (x, dout), (axis,), expected, mistakes)
    print("max_backward: visible tests passed")


# ---------------------------------------------------------------------------------------------
# Exercise 4: softmax_backward

NO_OUTER = (
    "this is dout * p, the product with diag(p) alone: the Jacobian is diag(p) - p p^T, so "
    "subtract the sum of dout * p along the axis as well"
)
EVERYTHING = (
    "you summed dout * p over the whole array: each slice along `axis` is its own softmax, so "
    "take one sum per slice (axis=axis, keepdims=True)"
)
NO_KEEPDIMS = (
    "the sum of dout * p lost its axis, so it broadcast against the wrong one: keep it with "
    "keepdims=True"
)
ACROSS = "you summed across the rows (axis 0): the softmax runs along `axis`, here the last"
SOFTMAX_CASES = [  # p, dout, axis, expected dx, known mistakes
    (
        [0.5, 0.25, 0.125, 0.125],
        [1.0, -1.0, 2.0, 0.5],
        -1,
        [0.21875, -0.390625, 0.1796875, -0.0078125],
        {NO_OUTER: [0.5, -0.25, 0.25, 0.0625]},
    ),
    (
        [[0.2, 0.3, 0.5], [0.7, 0.2, 0.1], [0.6, 0.3, 0.1]],
        [[1.0, -0.5, 2.0], [0.5, 1.5, -1.0], [-2.0, 1.0, 0.25]],
        -1,
        [[-0.01, -0.465, 0.475], [-0.035, 0.19, -0.155], [-0.675, 0.5625, 0.1125]],
        {
            NO_OUTER: [[0.2, -0.15, 1.0], [0.35, 0.3, -0.1], [-1.2, 0.3, 0.025]],
            EVERYTHING: [[0.055, -0.3675, 0.6375], [-0.1575, 0.155, -0.1725],
                         [-1.635, 0.0825, -0.0475]],
            NO_KEEPDIMS: [[-0.01, -0.315, 1.4375], [-0.385, 0.19, -0.0125],
                          [-1.83, 0.135, 0.1125]],
            ACROSS: [[0.33, -0.285, 0.5375], [0.805, 0.21, -0.1925], [-0.81, 0.165, -0.0675]],
        },
    ),
    (
        [[0.5, 0.1], [0.3, 0.6], [0.2, 0.3]],
        [[1.0, -1.0], [2.0, 0.5], [-0.5, 3.0]],
        0,
        [[0.0, -0.21], [0.3, -0.36], [-0.3, 0.57]],
        {
            "you summed along the last axis, not along `axis` (0 here: each column is a "
            "softmax)": [[0.3, -0.14], [0.33, -0.24], [-0.26, 0.66]],
            EVERYTHING: [[-0.55, -0.31], [-0.03, -0.96], [-0.52, 0.27]],
        },
    ),
]


@check
def check_softmax_backward(softmax_backward: Callable) -> None:
    """softmax_backward(p, dout, axis) on one vector, on rows, on columns, then wide."""
    for p, dout, axis, expected, mistakes in SOFTMAX_CASES:
        _compare("softmax_backward", softmax_backward, (p, dout), (axis,), expected, mistakes)
    p, dout = np.full(WIDE, 1.0 / WIDE), np.cos(np.arange(WIDE))
    _no_jacobian(softmax_backward, (p, dout),
                 f"softmax_backward(p, dout) for p of shape ({WIDE},)",
                 "the lesson's p * (g - g . p), along the axis")
    print("softmax_backward: visible tests passed")
