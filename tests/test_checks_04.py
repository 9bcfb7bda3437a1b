"""bp2yolo.checks.ch04, the visible checks of assignment 04: each is called by the notebook and
passes on the solution, saying so; their typed-in numbers are what the solution and the named
mistakes compute; the memory test rejects a Jacobian quickly and leaves tracemalloc as it was;
learners' code only ever gets copies of the fixed inputs.
(tests/mutants_04.py proves the hints for each mistake.)

The solution's functions come from solutions/04_vector_backprop/04_exercises.ipynb (its test
cells are not run): bp2yolo itself holds no solution.
"""

from __future__ import annotations

import copy
import time
import tracemalloc

import harness
import numpy as np
import pytest

from bp2yolo.checks import HintError, ch04

NB = "solutions/04_vector_backprop/04_exercises.ipynb"
CHECKS = ["silu_backward", "unbroadcast", "max_backward", "softmax_backward"]


@pytest.fixture(scope="module")
def solution() -> dict:
    """The names the solution notebook defines (no test cell runs)."""
    return harness.defined(NB)


def test_every_check_is_called_by_the_notebook():
    harness.assert_checks_called(harness.test_cells_source(NB), ch04,
                                 {f"check_{name}": name for name in CHECKS})


@pytest.mark.parametrize("name", CHECKS)
def test_check_passes_on_the_solution_and_says_so(name, solution, capsys):
    getattr(ch04, f"check_{name}")(solution[name])
    assert capsys.readouterr().out == f"{name}: visible tests passed\n"


@pytest.mark.parametrize("name", CHECKS)
def test_an_unwritten_exercise_raises_not_implemented(name):
    def stub(*args):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        getattr(ch04, f"check_{name}")(stub)


# ---------------------------------------------------------------------------------------------
# The typed-in numbers: what the solution gives, and what each named mistake gives


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def test_silu_numbers(solution):
    for x, dout, expected, mistakes in ch04.SILU_CASES:
        x, dout = np.array(x), np.array(dout)
        s = _sigmoid(x)
        np.testing.assert_allclose(solution["silu_backward"](x, dout), expected, rtol=1e-11)
        computed = {"first": dout * s, "second": dout * x * s * (1 - s),
                    "sigmoid": dout * s * (1 - s), "no_dout": s + x * s * (1 - s)}
        assert set(mistakes) == set(computed) == set(ch04.SILU_HINTS)
        for key, value in mistakes.items():
            np.testing.assert_allclose(value, computed[key], rtol=1e-11, err_msg=key)


def test_unbroadcast_numbers(solution):
    for grad, _, shape, expected, mistakes in ch04.UNBROADCAST_CASES:
        grad = np.array(grad)
        got = solution["unbroadcast"](grad, shape)
        assert np.shape(got) == shape
        np.testing.assert_allclose(got, expected, rtol=1e-12)
        if ch04.AVERAGED in mistakes:
            np.testing.assert_allclose(mistakes[ch04.AVERAGED], got * np.size(got) / grad.size)
    grad = np.array(ch04.SQUARE)
    np.testing.assert_allclose(ch04.UNBROADCAST_CASES[0][4][ch04.ALIGNED_LEFT], grad.sum(1))


def _max_mistake(backward, x, dout, axis, hint):
    """What the mistake that `hint` names gives, computed from the solution's backward."""
    tied = x == x.max(axis=axis, keepdims=True)
    g = np.expand_dims(dout, axis)
    if hint == ch04.ALL_TIES:
        return tied * g
    if hint == ch04.SPLIT:
        return tied / tied.sum(axis, keepdims=True) * g
    if hint == ch04.LAST:
        return np.flip(backward(np.flip(x, axis), dout, axis), axis)
    if hint == ch04.NO_DOUT:
        return backward(x, np.ones_like(dout), axis)
    assert hint == ch04.LAST_AXIS and axis == 0  # x is square
    return backward(x.T, dout, 0).T


def test_max_numbers(solution):
    for x, dout, axis, expected, mistakes in ch04.MAX_CASES:
        x, dout = np.array(x), np.array(dout)
        np.testing.assert_array_equal(solution["max_backward"](x, dout, axis), expected)
        for hint, value in mistakes.items():
            want = _max_mistake(solution["max_backward"], x, dout, axis, hint)
            np.testing.assert_array_equal(value, want, err_msg=hint)


def test_softmax_numbers(solution):
    for p, dout, axis, expected, mistakes in ch04.SOFTMAX_CASES:
        p, dout = np.array(p), np.array(dout)
        np.testing.assert_allclose(np.sum(p, axis=axis), 1.0, rtol=1e-15)
        np.testing.assert_allclose(solution["softmax_backward"](p, dout, axis), expected,
                                   rtol=1e-11, atol=1e-15)
        computed = {
            ch04.NO_OUTER: p * dout,
            ch04.EVERYTHING: p * (dout - np.sum(dout * p)),
            ch04.NO_KEEPDIMS: p * (dout - np.sum(dout * p, axis=axis)),
            ch04.ACROSS: p * (dout - np.sum(dout * p, axis=0, keepdims=True)),
        }
        for hint, value in mistakes.items():
            if hint.startswith("you summed along the last axis"):
                want = p * (dout - np.sum(dout * p, axis=-1, keepdims=True))
            else:
                want = computed[hint]
            np.testing.assert_allclose(value, want, rtol=1e-11, atol=1e-15, err_msg=hint)


# ---------------------------------------------------------------------------------------------
# The memory test


def _jacobian_silu(x, dout):
    s = _sigmoid(x)
    J = np.diag((s + x * s * (1 - s)).ravel())
    return (dout.ravel() @ J).reshape(x.shape)


@pytest.mark.parametrize("tracing", [False, True])
def test_a_jacobian_fails_fast_with_a_hint_and_tracemalloc_is_left_as_it_was(solution, tracing):
    if tracing:
        tracemalloc.start()
    try:
        start = time.perf_counter()
        with pytest.raises(HintError, match="you built an n x n Jacobian") as info:
            ch04.check_silu_backward(_jacobian_silu)
        assert time.perf_counter() - start < 1.0
        assert info.value.check == "check_silu_backward"
        assert "for x of shape (2048,) needed 32 MiB" in str(info.value)
        ch04.check_silu_backward(solution["silu_backward"])  # and the solution passes
        assert tracemalloc.is_tracing() == tracing
    finally:
        if tracing:
            tracemalloc.stop()


def test_the_memory_test_allows_a_few_vectors_of_the_input_size(capsys):
    def roundabout(p, dout, axis=-1):  # right, with many temporaries of the input's size
        parts = [p * dout for _ in range(40)]
        dot = sum(np.sum(part, axis=axis, keepdims=True) for part in parts) / 40
        return p * (dout - dot)

    ch04.check_softmax_backward(roundabout)
    assert "softmax_backward: visible tests passed" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# Shapes, and inputs the learner's code cannot spoil


def test_a_transposed_answer_is_named_with_both_shapes(solution):
    def transposed(x, dout):
        return solution["silu_backward"](x, dout).T

    with pytest.raises(HintError, match=r"looks transposed: it has shape \(3, 2\) but should "
                                        r"have shape \(2, 3\)"):
        ch04.check_silu_backward(transposed)


def test_code_that_changes_its_arguments_cannot_spoil_the_fixed_inputs(solution):
    constants = copy.deepcopy((ch04.SILU_CASES, ch04.MAX_CASES, ch04.SOFTMAX_CASES, ch04.ROWS))
    grads = [np.array(c[0]).copy() for c in ch04.UNBROADCAST_CASES]

    def scribble(function):
        def scribbling(first, *rest):
            answer = function(first, *rest)
            first[...] = 99.0
            for array in rest:
                if isinstance(array, np.ndarray):
                    array[...] = 99.0
            return answer

        return scribbling

    for name in CHECKS:
        getattr(ch04, f"check_{name}")(scribble(solution[name]))
    assert (ch04.SILU_CASES, ch04.MAX_CASES, ch04.SOFTMAX_CASES, ch04.ROWS) == constants
    for grad, case in zip(grads, ch04.UNBROADCAST_CASES, strict=True):
        np.testing.assert_array_equal(np.array(case[0]), grad)
