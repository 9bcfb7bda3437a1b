"""Mutants for assignment 04 (vector backprop): proof that its tests can fail.

Each mutant is a solution cell of solutions/04_vector_backprop/04_exercises.ipynb with a
classic mistake edited in (`_edit`, i.e. mutants.edit: each changed line must be there exactly
once, so a change to the notebook cannot silently turn a mutant into the solution). The visible
tests must reject it with a message that names the mistake, and the hidden tests must reject it
on their own (run without the visible part of the cell). A mutant that builds the Jacobian gets
the right numbers: the memory test rejects it. A mutant that hard-codes the visible answers
passes the visible tests: only the hidden tests catch it (hint=None).
"""

from __future__ import annotations

import functools

from mutants import Mutant, edit, hardcode

NB = "solutions/04_vector_backprop/04_exercises.ipynb"
_edit = functools.partial(edit, NB)
_hardcode = functools.partial(hardcode, NB)  # the visible answers returned first
JACOBIAN = "you built an n x n Jacobian"


# ---------------------------------------------------------------------------------------------
# Exercise 1: silu_backward

LOCAL = "local = s + x * s * (1.0 - s)"
SILU_RETURN = "    return dout * local\n"


def _silu(old: str, new: str) -> str:
    return _edit("silu_backward", (old, new))


SILU = [
    Mutant("first_path_only", "silu_backward", _silu(LOCAL, "local = s"),
           "test_silu_backward", "only the path through the first factor"),
    Mutant("second_path_only", "silu_backward", _silu(LOCAL, "local = x * s * (1.0 - s)"),
           "test_silu_backward", "only the path through sigmoid(x)"),
    Mutant("sigmoid_alone", "silu_backward", _silu(LOCAL, "local = s * (1.0 - s)"),
           "test_silu_backward", "the backward of sigmoid alone"),
    Mutant("no_dout", "silu_backward", _silu(SILU_RETURN, "    return local\n"),
           "test_silu_backward", "multiply it by the upstream gradient dout"),
    Mutant("transposed", "silu_backward", _silu(SILU_RETURN, "    return (dout * local).T\n"),
           "test_silu_backward", "looks transposed"),
    Mutant("jacobian", "silu_backward", _silu(SILU_RETURN, """\
    J = np.diag(local.ravel())  # the (n, n) Jacobian
    return (dout.ravel() @ J).reshape(x.shape)
"""), "test_silu_backward", JACOBIAN, "Jacobian"),
    Mutant("hardcoded", "silu_backward", _hardcode("silu_backward", """\
    if x.shape == (5,):
        return np.array([-0.0881041060152, -0.144658976257, 0.25, 1.10994178095,
                         -1.09078424878])
    if x.shape == (2, 3):
        return np.array([[0.0780116438092, -0.64936935831, 1.05266461489],
                         [2.19880222268, -0.0453921243924, -0.935565032355]])
    return np.zeros_like(x)
"""), "test_silu_backward", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 2: unbroadcast

LEADING = "summed = grad.sum(axis=tuple(range(extra)))"


def _unbroadcast(*changes: tuple[str, str], every: bool = False) -> str:
    return _edit("unbroadcast", *changes, every=every)


UNBROADCAST = [
    # the added axes taken at the end, as if shapes lined up on the left
    Mutant("aligned_left", "unbroadcast",
           _unbroadcast((LEADING, "summed = grad.sum(axis=tuple(range(len(shape), grad.ndim)))")),
           "test_unbroadcast", "broadcasting lines the shapes up on the right"),
    Mutant("no_leading_sum", "unbroadcast", _unbroadcast((LEADING, "summed = grad")),
           "test_unbroadcast", "Did you forget to sum over axis 0"),
    Mutant("no_keepdims", "unbroadcast",
           _unbroadcast(("keepdims=True", "keepdims=False")),
           "test_unbroadcast", "keepdims=True"),
    Mutant("averaged", "unbroadcast", _unbroadcast((".sum(", ".mean("), every=True),
           "test_unbroadcast", "you averaged"),
    Mutant("hardcoded", "unbroadcast", _hardcode("unbroadcast", """\
    known = {((3, 3), (3,)): [2.0, -0.5, 9.0], ((4, 3, 5), (3, 1)): [[122.5], [147.5], [172.5]],
             ((2, 3), (1, 3)): [[1.75, 2.5, 1.0]], ((2, 3), (2, 1)): [[3.0], [2.25]],
             ((2, 3), ()): 5.25}
    if grad.shape == shape:
        return grad.copy()
    return np.array(known.get((grad.shape, shape), np.zeros(shape)))
"""), "test_unbroadcast", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 3: max_backward

ROUTE = """\
    first = np.expand_dims(np.argmax(x, axis=axis), axis)  # the first maximum, axis kept
    dx = np.zeros_like(x)
    np.put_along_axis(dx, first, np.expand_dims(dout, axis), axis=axis)
"""


def _max(*changes: tuple[str, str]) -> str:
    return _edit("max_backward", *changes)


MAX = [
    Mutant("all_ties", "max_backward", _max((ROUTE, """\
    dx = (x == x.max(axis=axis, keepdims=True)) * np.expand_dims(dout, axis)
""")), "test_max_backward", "every tied maximal entry got the gradient"),
    Mutant("split_ties", "max_backward", _max((ROUTE, """\
    tied = x == x.max(axis=axis, keepdims=True)
    dx = tied / tied.sum(axis=axis, keepdims=True) * np.expand_dims(dout, axis)
""")), "test_max_backward", "split the gradient evenly among the tied maxima"),
    Mutant("last_max", "max_backward",
           _max(("np.argmax(x, axis=axis)",
                 "x.shape[axis] - 1 - np.argmax(np.flip(x, axis), axis=axis)")),
           "test_max_backward", "the last maximal entry"),
    Mutant("no_dout", "max_backward",
           _max(("np.expand_dims(dout, axis), axis=axis)", "1.0, axis=axis)")),
           "test_max_backward", "multiply by the upstream gradient dout"),
    Mutant("last_axis", "max_backward",
           _max(("np.argmax(x, axis=axis), axis)", "np.argmax(x, axis=-1), -1)"),
                ("np.expand_dims(dout, axis), axis=axis)", "np.expand_dims(dout, -1), axis=-1)")),
           "test_max_backward", "you reduced over the last axis, not over `axis`"),
    Mutant("hardcoded", "max_backward", _hardcode("max_backward", """\
    if x.shape == (3, 4):
        return np.array([[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, -2.0, 0.0], [0.5, 0.0, 0.0, 0.0]])
    if x.shape == (3, 3):
        return np.array([[1.5, 0.0, 2.0], [0.0, -0.5, 0.0], [0.0, 0.0, 0.0]])
    if x.shape == (4,):
        return np.array([0.0, 1.5, 0.0, 0.0])
    return np.zeros_like(x)
"""), "test_max_backward", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 4: softmax_backward

DOT = "np.sum(dout * p, axis=axis, keepdims=True)"
SOFTMAX_RETURN = "    return p * (dout - dot)\n"


def _softmax(old: str, new: str) -> str:
    return _edit("softmax_backward", (old, new))


SOFTMAX = [
    Mutant("no_outer", "softmax_backward", _softmax(SOFTMAX_RETURN, "    return p * dout\n"),
           "test_softmax_backward", "the product with diag(p) alone"),
    Mutant("sum_everything", "softmax_backward",
           _softmax(DOT, "np.sum(dout * p, keepdims=True)"),
           "test_softmax_backward", "you summed dout * p over the whole array"),
    Mutant("no_keepdims", "softmax_backward", _softmax(DOT, "np.sum(dout * p, axis=axis)"),
           "test_softmax_backward", "lost its axis"),
    Mutant("last_axis", "softmax_backward",
           _softmax(DOT, "np.sum(dout * p, axis=-1, keepdims=True)"),
           "test_softmax_backward", "you summed along the last axis, not along `axis`"),
    Mutant("sign_flipped", "softmax_backward",
           _softmax(SOFTMAX_RETURN, "    return p * (dot - dout)\n"),
           "test_softmax_backward", "the sign is flipped"),
    Mutant("jacobian", "softmax_backward", _edit("softmax_backward", (
        "    dot = " + DOT + "  # g . p of every slice\n" + SOFTMAX_RETURN, """\
    q, g = np.moveaxis(p, axis, -1), np.moveaxis(dout, axis, -1)  # the softmax axis last
    J = q[..., :, None] * np.eye(q.shape[-1]) - q[..., :, None] * q[..., None, :]
    return np.moveaxis((g[..., None, :] @ J)[..., 0, :], -1, axis)
""")), "test_softmax_backward", JACOBIAN, "Jacobian"),
    Mutant("hardcoded", "softmax_backward", _hardcode("softmax_backward", """\
    if p.shape == (4,):
        return np.array([0.21875, -0.390625, 0.1796875, -0.0078125])
    if p.shape == (3, 3):
        return np.array([[-0.01, -0.465, 0.475], [-0.035, 0.19, -0.155],
                         [-0.675, 0.5625, 0.1125]])
    if p.shape == (3, 2):
        return np.array([[0.0, -0.21], [0.3, -0.36], [-0.3, 0.57]])
    return np.zeros_like(p)
"""), "test_softmax_backward", None),
]

MUTANTS = SILU + UNBROADCAST + MAX + SOFTMAX
