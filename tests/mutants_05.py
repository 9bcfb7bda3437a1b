"""Mutants for assignment 05 (matrix backprop): proof that its tests can fail.

Each mutant is a solution cell of solutions/05_matrix_backprop/05_exercises.ipynb with a classic
mistake edited in (`_edit`, i.e. mutants.edit: each changed line must be there exactly once, so a
change to the notebook cannot silently turn a mutant into the solution). The visible tests must
reject it with a message that names the mistake, and the hidden tests (random shapes, torch and
numerical oracles) must reject it on their own. A mutant that hard-codes the visible answers
passes the visible tests: only the hidden tests catch it (hint=None).
"""

from __future__ import annotations

import functools

from mutants import Mutant, edit, hardcode

NB = "solutions/05_matrix_backprop/05_exercises.ipynb"
_edit = functools.partial(edit, NB)
_hardcode = functools.partial(hardcode, NB)  # the visible answers returned first


# ---------------------------------------------------------------------------------------------
# Exercise 1: matmul_backward


def _matmul(old: str, new: str) -> str:
    return _edit("matmul_backward", (old, new))


DW = "dw = x.reshape(N * T, D).T @ dout.reshape(N * T, -1)"
TEST_MATMUL = "test_matmul_backward"

MATMUL = [
    # X^T on the wrong side: dout^T x, the transpose of the right answer
    Mutant("dw_transposed", "matmul_backward",
           _matmul(DW, "dw = dout.reshape(N * T, -1).T @ x.reshape(N * T, D)"),
           TEST_MATMUL, "looks transposed", "looks transposed"),
    Mutant("dw_not_summed_over_n", "matmul_backward",
           _matmul(DW, "dw = x.swapaxes(1, 2) @ dout  # (N, D, M)"),
           TEST_MATMUL, "Did you forget to sum over axis 0"),
    Mutant("dw_averaged_over_n", "matmul_backward",
           _matmul(DW, "dw = (x.swapaxes(1, 2) @ dout).mean(axis=0)"),
           TEST_MATMUL, "dw is averaged", "N = "),
    Mutant("dw_averaged_over_rows", "matmul_backward", _matmul(DW, DW + " / (N * T)"),
           TEST_MATMUL, "here over N = 3 and T = 2"),
    Mutant("dw_sums_over_t_first", "matmul_backward",
           _matmul(DW, "dw = x.sum(axis=1).T @ dout.sum(axis=1)"),
           TEST_MATMUL, "you summed x and dout over T before multiplying them"),
    Mutant("dw_first_example_only", "matmul_backward", _matmul(DW, "dw = x[0].T @ dout[0]"),
           TEST_MATMUL, "dw uses only the first example"),
    Mutant("dx_summed_over_n", "matmul_backward",
           _matmul("dx = dout @ w.T", "dx = (dout @ w.T).sum(axis=0)"),
           TEST_MATMUL, "Did you sum or average over axis 0, which should be kept?"),
    Mutant("swapped_results", "matmul_backward", _matmul("return dx, dw", "return dw, dx"),
           TEST_MATMUL, "returned (dw, dx), by their shapes"),
    Mutant("hardcoded", "matmul_backward", _hardcode("matmul_backward", """\
    return (np.array([[[-2.0, -4.5], [3.0, 1.0]], [[-2.0, -1.0], [3.0, 2.0]],
                      [[-2.0, 2.5], [-2.0, -4.5]]]),
            np.array([[0.0, -5.0, 10.0], [-2.0, -6.0, 10.0]]))
"""), TEST_MATMUL, None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 2: the affine layer


def _affine(old: str, new: str) -> str:
    return _edit("affine", (old, new))


DB = '"b": dout.sum(axis=0),'
NO_BIAS = _affine("out = rows @ W + b", "out = rows @ W")

AFFINE = [
    Mutant("no_bias", "affine", NO_BIAS, "test_affine", "the bias is missing"),
    Mutant("db_not_summed", "affine", _affine(DB, '"b": dout,'),
           "test_affine", "Did you forget to sum over axis 0 (for example the batch axis)?"),
    Mutant("db_averaged", "affine", _affine(DB, '"b": dout.mean(axis=0),'),
           "test_affine", "the bias gradient is averaged over the batch", "N = "),
    Mutant("db_wrong_axis", "affine", _affine(DB, '"b": dout.sum(axis=1),'),
           "test_affine", "you summed dout over axis 1"),
    Mutant("dx_not_reshaped", "affine",
           _affine('"x": (dout @ W.T).reshape(x.shape),', '"x": dout @ W.T,'),
           "test_affine", "reshape it back (dx.reshape(x.shape))"),
    Mutant("dW_transposed", "affine", _affine('"W": rows.T @ dout,', '"W": dout.T @ rows,'),
           "test_affine", "looks transposed", "looks transposed"),
    Mutant("dW_sign_flipped", "affine", _affine('"W": rows.T @ dout,', '"W": -rows.T @ dout,'),
           "test_affine", "the sign is flipped", "the sign is flipped"),
    Mutant("hardcoded", "affine", _hardcode("affine", """\
    if x.ndim == 3:
        return np.array([[-0.125, -1.875], [0.375, 0.625], [0.875, 3.125]]), "first"
    return np.array([[2.0, 0.0], [-4.0, 3.0], [1.0, 0.5]]), "flat"
""", """\
    if cache == "first":
        return {"x": np.array([[[3.0, -3.5], [-2.0, -2.0]], [[0.5, 0.25], [-1.0, 0.5]],
                               [[-4.0, 5.5], [2.0, 3.5]]]),
                "W": np.array([[-2.0, 5.0], [-1.875, 5.25], [-1.75, 5.5], [-1.625, 5.75]]),
                "b": np.array([0.5, 1.0])}
    return {"x": np.array([1.5, -4.0, 1.0]), "W": np.array([[3.125, -3.75]]),
            "b": np.array([0.25, 2.0])}
"""), "test_affine", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 3: the ReLU layer


def _relu(old: str, new: str) -> str:
    return _edit("relu", (old, new))


MASK = 'return {"x": dout * (x > 0)}'
NO_MASK = _relu(MASK, 'return {"x": dout}')

RELU = [
    Mutant("passes_at_zero", "relu", _relu(MASK, 'return {"x": dout * (x >= 0)}'),
           "test_relu", "the gradient passes where x == 0"),
    Mutant("no_mask", "relu", NO_MASK, "test_relu", "dout passes through unchanged"),
    Mutant("inverted_mask", "relu", _relu(MASK, 'return {"x": dout * (x <= 0)}'),
           "test_relu", "the mask is inverted"),
    Mutant("times_output", "relu", _relu(MASK, 'return {"x": dout * np.maximum(x, 0)}'),
           "test_relu", "you multiplied dout by relu(x)"),
    # the mask is still right (x > 0 where it was), but the caller's x is now relu(x)
    Mutant("in_place", "relu",
           _relu("out = np.maximum(x, 0.0)  # a new array", "out = np.maximum(x, 0.0, out=x)"),
           "test_relu", "changed x in place", "changed one of its inputs in place"),
    Mutant("hardcoded", "relu", _hardcode("relu", """\
    if x.ndim == 2:
        return np.array([[0.0, 0.0, 2.0, 0.5], [3.0, 0.0, 0.0, 0.0]]), "first"
    return np.array([0.0, 0.0, 4.0]), "small"
""", """\
    if cache == "first":
        return {"x": np.array([[0.0, 0.0, 3.0, 4.0], [-1.0, 0.0, 0.0, 0.0]])}
    return {"x": np.array([0.0, 0.0, -1.0])}
"""), "test_relu", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 4: affine -> ReLU -> affine (the notebook's correct layers, unless said otherwise)


def _two(*changes: tuple[str, str]) -> str:
    return _edit("two_layer", *changes)


RETURN = ('    return {"x": first["x"], "W1": first["W"], "b1": first["b"],\n'
          '            "W2": second["W"], "b2": second["b"]}\n')

TWO_LAYER = [
    Mutant("no_relu_backward", "two_layer",
           _two(('dh = relu_backward(second["x"], cache_relu)["x"]', 'dh = second["x"]')),
           "test_two_layer", "the ReLU's gradient is missing"),
    # the wrong cache: the ReLU's mask made from the gradient that reaches it
    Mutant("wrong_relu_cache", "two_layer",
           _two(('relu_backward(second["x"], cache_relu)',
                 'relu_backward(second["x"], second["x"])')),
           "test_two_layer", "the ReLU's mask came from the gradient"),
    Mutant("no_relu_forward", "two_layer",
           _two(("a, cache_relu = relu_forward(h, {})", "a, cache_relu = h, h")),
           "test_two_layer", "the ReLU is missing"),
    Mutant("only_last_layer", "two_layer",
           _two((RETURN, '    return {"W2": second["W"], "b2": second["b"]}\n')),
           "test_two_layer", "it is missing 'x', 'W1', 'b1'"),
    Mutant("dx_of_the_hidden_layer", "two_layer",
           _two(('return {"x": first["x"],', 'return {"x": second["x"],')),
           "test_two_layer", "that is the gradient at the hidden layer"),
    Mutant("hardcoded", "two_layer", _hardcode("two_layer", """\
    return np.array([[-0.5625, 1.45], [4.475, -1.2375], [4.375, -0.2]]), None
""", """\
    return {"x": np.array([[1.5625, 2.75], [-1.875, 0.0], [4.59375, -4.03125]]),
            "W1": np.array([[1.25, 1.78125, -1.75, 6.1875], [-5.0, 1.03125, 1.75, -2.0625]]),
            "b1": np.array([0.5, -0.1875, -1.75, -4.125]),
            "W2": np.array([[1.4, 2.6], [-1.325, 3.3625], [1.55, -1.55], [-3.325, 2.58125]]),
            "b2": np.array([-0.5, 1.25])}
"""), "test_two_layer", None),
]

# Exercise 4 with a mistake in exercise 2 or 3: its check says which one to fix first.

TWO_LAYER_ON_BROKEN = [
    Mutant("no_bias_seen_by_two_layer", "affine", NO_BIAS, "test_two_layer",
           "use your affine_forward and affine_backward, which fail their own test: fix "
           "exercise 2 first"),
    Mutant("no_mask_seen_by_two_layer", "relu", NO_MASK, "test_two_layer",
           "use your relu_forward and relu_backward, which fail their own test: fix "
           "exercise 3 first"),
]

MUTANTS = MATMUL + AFFINE + RELU + TWO_LAYER + TWO_LAYER_ON_BROKEN
