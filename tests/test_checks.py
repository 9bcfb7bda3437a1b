"""Unit tests for bp2yolo.checks: every diagnosis of assert_close, and the gradient tools."""

import numpy as np
import pytest
import torch

from bp2yolo.checks import (
    HintError,
    assert_close,
    expect_shape,
    grad_check,
    numerical_gradient,
    numerical_gradient_array,
    rel_error,
)

# A small non-square expected answer with mixed signs, a zero, and values that float32 rounds.
E = np.array([[0.1, -0.7, 1.3], [2.9, 0.0, -0.35]])


def hint(actual, expected=E, name="dW", **kwargs) -> str:
    """The HintError message assert_close raises (fails the test if it passes)."""
    with pytest.raises(HintError) as info:
        assert_close(actual, expected, name, **kwargs)
    message = str(info.value)
    assert message.startswith(name)
    return message


# --- assert_close: correct answers pass ------------------------------------------------------


@pytest.mark.parametrize(
    "actual",
    [E.copy(), E + 1e-13, E * (1 + 1e-9), torch.tensor(E), torch.tensor(E).requires_grad_()],
)
def test_correct_answer_passes(actual):
    assert_close(actual, E, "dW")


def test_scalars_and_0d_tensors_pass():
    assert_close(0.9, 0.9, "L")
    assert_close(np.float64(0.9), 0.9, "L")
    assert_close(torch.tensor(0.9, dtype=torch.float64), np.array(0.9), "L")
    assert_close(torch.tensor(0.9, dtype=torch.float64), torch.tensor(0.9), "L", rtol=1e-6)


def test_bools_and_ints_in_expected():
    assert_close(np.array([1.0, 0.0]), np.array([True, False]), "mask")
    assert_close(3.0, 3, "count")
    assert_close(np.array([1, 2]), [1, 2], "ids")
    assert "wrong values" in hint(2.5, 3, name="count")


def test_atol_covers_near_zero_entries():
    assert_close(np.array([1.0, 1e-14]), np.array([1.0, 3e-14]), "g")
    assert "wrong values" in hint(np.array([1.0, 1e-3]), np.array([1.0, 3e-3]), name="g")


def test_equal_infinities_and_nans_match():
    assert_close(np.array([np.inf, np.nan, 1.0]), np.array([np.inf, np.nan, 1.0]), "x")


# --- assert_close: one test per diagnosis ----------------------------------------------------


def test_none():
    assert "is None" in hint(None)
    assert "return" in hint(None)


@pytest.mark.parametrize("actual", ["0.5", {"dW": E}, (E, E), [0.1, 0.2], 1j, object()])
def test_not_a_number(actual):
    assert "should be a number or an array" in hint(actual)


def test_tuple_hint_mentions_several_values():
    assert "several values" in hint((E, E))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf(bad):
    actual = E.copy()
    actual[1, 2] = bad
    message = hint(actual)
    assert "NaN or inf" in message and "(1, 2)" in message and "stability" in message
    assert "NaN or inf" in hint(bad, expected=0.5, name="L")
    assert "NaN or inf" in hint(torch.tensor([bad, 1.0]), expected=[0.5, 1.0])


def test_nan_or_inf_reported_before_shape():
    assert "NaN or inf" in hint(np.full((3, 2), np.nan))


def test_transposed():
    message = hint(E.T)
    assert "transposed" in message and "(3, 2)" in message and "(2, 3)" in message
    assert "transposed" in hint(np.ones((3, 2)))  # shape alone is enough


def test_square_is_not_called_transposed():
    square = np.array([[1.0, 2.0], [3.0, 4.0]])
    message = hint(square.T, expected=square)
    assert "transposed" not in message and "wrong values" in message


def test_wrong_shape():
    message = hint(np.array([0.1, 0.2, 0.3]), expected=np.array([[0.1], [0.2], [0.3]]))
    assert "wrong shape" in message
    assert "has shape (3,) but should have shape (3, 1)" in message
    assert "wrong shape" in hint(np.ones((4, 3)))
    assert "wrong shape" in hint(0.5)  # a scalar where an array is expected


def test_wrong_shape_suggests_summing_over_the_batch():
    message = hint(np.ones((8, 3)), expected=np.ones(3), name="db")
    assert "wrong shape" in message and "sum over axis 0" in message


def test_variant_hint_verbatim():
    text = "you used W where the formula has W.T"
    message = hint(3 * E, variants={"unrelated": E + 1, text: 3 * E})
    assert message == f"dW: {text}"


def test_variants_come_before_generic_diagnoses():
    text = "forgot the minus sign of the derivative of (t - y)"
    assert hint(-E, variants={text: -E}) == f"dW: {text}"


def test_variant_of_another_shape():
    text = "did you forget to sum over the batch?"
    wrong = np.tile(E[0], (4, 1))
    assert hint(wrong, expected=E[0], variants={text: wrong}) == f"dW: {text}"


def test_sign_flipped():
    assert "sign is flipped" in hint(-E)
    assert "sign is flipped" in hint(-0.9, expected=0.9, name="dL/dw")


def test_factor_of_2():
    message = hint(2 * E)
    assert "factor of 2" in message and "1/2" in message
    assert "factor of 2" in hint(1.8, expected=0.9, name="dL/dw")


def test_factor_of_one_half():
    assert "factor of 1/2" in hint(E / 2)


def test_batch_size():
    message = hint(8 * E, batch_size=8)
    assert "batch size" in message and "N = 8 times too large" in message
    assert "batch size" in hint(E / 8, batch_size=8)
    assert "batch size" not in hint(8 * E)  # without batch_size: a constant factor


def test_constant_factor():
    message = hint(3 * E)
    assert "constant factor" in message and "3 times" in message
    assert "constant factor" in hint(-0.25 * E)


def test_no_constant_factor_for_a_scalar():
    assert "constant factor" not in hint(0.7, expected=0.9)


def test_missing_term():
    reg = 0.05 * np.array([[1.0, -2.0, 0.5], [0.25, 3.0, -1.0]])
    message = hint(E - reg, terms={"regularization": reg})
    assert "missing the regularization term" in message


def test_term_counted_twice():
    reg = 0.05 * np.array([[1.0, -2.0, 0.5], [0.25, 3.0, -1.0]])
    message = hint(E + reg, terms={"regularization": reg})
    assert "regularization term twice" in message and "missing" not in message


def test_float32():
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(4, 50)), rng.normal(size=(50, 3))
    expected = x @ w
    x32, w32 = x.astype(np.float32), w.astype(np.float32)
    for actual in (x32 @ w32, torch.tensor(x32) @ torch.tensor(w32)):
        message = hint(actual, expected=expected, name="h")
        assert "float32" in message and "float64" in message
    x16, w16 = torch.tensor(x, dtype=torch.float16), torch.tensor(w, dtype=torch.float16)
    assert "float32" in hint(x16 @ w16, expected=expected, name="h")
    assert_close(x32 @ w32, expected, "h", rtol=1e-5)  # fine with a float32 tolerance


def test_not_within_tolerance():
    actual = E + np.array([[0.0, 0.0, 0.0], [1e-5, 0.0, 0.0]])
    message = hint(actual)
    assert "not within tolerance" in message and "rtol 1e-07" in message
    assert "index (1, 0)" in message and "float32" not in message


def test_wrong_values():
    actual = E.copy()
    actual[0, 1] = 5.0
    actual[1, 2] = 7.0
    message = hint(actual)
    assert "wrong values" in message and "index (0, 1)" in message
    assert "got 5, expected -0.7" in message


def test_wrong_values_scalar():
    message = hint(0.7, expected=0.9, name="L")
    assert message.startswith("L has wrong values") and "got 0.7, expected 0.9" in message


def test_all_zeros():
    message = hint(np.zeros_like(E))
    assert "all zeros" in message
    assert "is zero" in hint(0.0, expected=0.9, name="L")


def test_zero_expected_gives_no_factor_diagnosis():
    zero = np.zeros((2, 3))
    for actual in (E, -E, np.ones((2, 3))):
        message = hint(actual, expected=zero, batch_size=8)
        assert "wrong values" in message
    assert_close(np.zeros((2, 3)), zero, "dW")
    assert_close(1e-14, 0.0, "dW")


def test_mostly_zero_expected():
    expected = np.array([0.0, 0.0, 0.5])
    assert "factor of 2" in hint(2 * expected, expected=expected)
    assert "wrong values" in hint(np.array([0.0, 0.5, 0.5]), expected=expected)


@pytest.mark.parametrize("convert", [np.asarray, torch.tensor])
def test_numpy_and_torch_accepted_as_expected(convert):
    assert_close(E, convert(E), "dW")
    assert "sign is flipped" in hint(-E, expected=convert(E))


# --- rel_error -------------------------------------------------------------------------------


def test_rel_error():
    assert rel_error(1.0, 1.0) == 0.0
    assert rel_error(1.0, 3.0) == pytest.approx(0.5)
    assert rel_error(0.0, 0.0) == 0.0
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.2])) == pytest.approx(0.2 / 4.2)
    assert rel_error(torch.tensor(E, requires_grad=True), E) == 0.0
    assert rel_error(torch.tensor([1.0, 2.0]), np.array([3.0, 2.0])) == pytest.approx(0.5)


def test_rel_error_refuses_different_shapes():
    with pytest.raises(ValueError, match=r"\(3,\).*\(3, 1\)"):
        rel_error(np.zeros(3), np.zeros((3, 1)))


# --- numerical gradients ---------------------------------------------------------------------


def test_numerical_gradient_matches_analytic():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4))
    before = x.copy()
    grad = numerical_gradient(lambda v: np.sum(np.sin(v) * v**2), x)
    analytic = np.cos(x) * x**2 + 2 * x * np.sin(x)
    assert rel_error(grad, analytic) < 1e-8
    np.testing.assert_array_equal(x, before)  # restored


def test_numerical_gradient_of_a_scalar_and_of_torch_outputs():
    x = np.array(1.5)
    assert numerical_gradient(lambda v: float(v) ** 3, x) == pytest.approx(3 * 1.5**2)
    x = np.array([0.3, -1.2])
    grad = numerical_gradient(lambda v: torch.tensor(v).exp().sum(), x)
    assert rel_error(grad, np.exp(x)) < 1e-8


@pytest.mark.parametrize(
    "x", [np.ones(3, dtype=np.float32), np.arange(3), torch.ones(3, dtype=torch.float64), 1.0]
)
def test_numerical_gradient_refuses_non_float64(x):
    with pytest.raises(ValueError, match="float64"):
        numerical_gradient(lambda v: np.sum(v), x)
    with pytest.raises(ValueError, match="float64"):
        numerical_gradient_array(lambda v: v, x, np.ones(3))


def test_numerical_gradient_wants_a_scalar_f():
    with pytest.raises(ValueError, match="numerical_gradient_array"):
        numerical_gradient(lambda v: v * 2, np.ones(3))


def test_numerical_gradient_array():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3))
    w = rng.normal(size=(3, 4))
    dout = rng.normal(size=(2, 4))
    before = x.copy()
    grad = numerical_gradient_array(lambda v: np.tanh(v @ w), x, dout)
    analytic = ((1 - np.tanh(x @ w) ** 2) * dout) @ w.T
    assert rel_error(grad, analytic) < 1e-8
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_array_checks_dout_shape():
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)"):
        numerical_gradient_array(lambda v: v * 2, np.ones(3), np.ones(4))


# --- grad_check ------------------------------------------------------------------------------


def f_cubic(v: np.ndarray) -> float:
    return float(np.sum(v**3) / 3 + np.sum(v))


def test_grad_check_passes_and_returns_the_relative_error():
    x = np.array([[0.5, -1.0], [2.0, 0.0]])
    err = grad_check(f_cubic, x, x**2 + 1)
    assert 0.0 <= err < 1e-6


def test_grad_check_accepts_a_torch_gradient():
    x = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    (x**3 / 3 + x).sum().backward()
    grad_check(f_cubic, x.detach().numpy().copy(), x.grad)


def test_grad_check_zero_gradient_is_not_noise():
    # d/dx of x^3 / 3 at 0 is 0; the numerical gradient there is ~1e-11 of round-off noise.
    x = np.array([0.0, 1.0])
    grad_check(lambda v: float(np.sum(v**3) / 3), x, x**2)


def test_grad_check_hints():
    x = np.array([0.5, -1.0, 2.0])
    with pytest.raises(HintError, match="^dx: the sign is flipped"):
        grad_check(f_cubic, x, -(x**2 + 1), name="dx")
    with pytest.raises(HintError, match="factor of 2"):
        grad_check(f_cubic, x, 2 * (x**2 + 1))
    with pytest.raises(HintError, match="wrong shape"):
        grad_check(f_cubic, x, (x**2 + 1)[:, None])


# --- expect_shape ----------------------------------------------------------------------------


def test_expect_shape():
    expect_shape(np.zeros((2, 3)), (2, 3), "x")
    expect_shape(torch.zeros(5, 3), (None, 3), "x")
    expect_shape(0.5, (), "L")
    with pytest.raises(ValueError, match=r"^x has shape \(3, 2\) but should have shape \(2, 3\)"):
        expect_shape(np.zeros((3, 2)), (2, 3), "x")
    with pytest.raises(ValueError, match=r"has shape \(3,\) but should have shape \(3, 1\)"):
        expect_shape(torch.zeros(3), (3, 1), "y")
    with pytest.raises(ValueError, match=r"\(5, any\)"):
        expect_shape(np.zeros((4, 2)), (5, None), "x")
    with pytest.raises(ValueError, match="is None"):
        expect_shape(None, (2,), "x")
