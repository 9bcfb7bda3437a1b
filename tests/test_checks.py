"""Unit tests for bp2yolo.checks: every diagnosis of assert_close (through assert_close, and
each detector of bp2yolo.checks.hints on its own), the gradient tools, and how a check names
the call it made (report.show, call, run, calling)."""

import numpy as np
import pytest
import torch

from bp2yolo.checks import (
    HintError,
    assert_close,
    expect_shape,
    grad_check,
    hints,
    numerical_gradient,
    numerical_gradient_array,
    rel_error,
)
from bp2yolo.checks.hints import Comparison
from bp2yolo.checks.report import call, calling, check, run, show

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


# --- assert_close: float64 checks fail what went through float32 -------------------------------


def rounded(x):
    """x rounded to float32 and back: float64 values that are all float32 numbers."""
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def test_float32_rounded_once_fails_a_float64_check():
    # One rounding costs a relative error of about 3e-8: within the default rtol 1e-7.
    assert 0 < rel_error(rounded(E), E) < 1e-7
    for actual in (E.astype(np.float32), torch.tensor(E, dtype=torch.float32)):
        message = hint(actual)
        assert message.startswith("dW is close but has dtype float32 (relative error ")
        assert "rtol 1e-07 asks for float64" in message and ".double()" in message
    for actual in (rounded(E), torch.tensor(E, dtype=torch.float32).double()):
        message = hint(actual)
        assert message.startswith("dW is close but went through float32 (relative error ")
        assert "it is float64, but every entry is a float32 number" in message
    assert "went through float32" in hint(float(np.float32(0.9)), expected=0.9, name="L")
    assert "went through float32" in hint(torch.tensor(0.9).item(), expected=0.9, name="L")
    assert "has dtype float16" in hint(torch.tensor(E, dtype=torch.float16))


def test_float32_numbers_that_are_exactly_right_pass():
    exact = np.array([[0.5, -3.0, 0.0], [1.25, 1024.0, -0.375]])
    assert_close(exact.astype(np.float32), exact, "dW")
    assert_close(torch.tensor(exact, dtype=torch.float32), exact, "dW")
    assert_close(np.float32(0.5), 0.5, "L")
    assert_close(torch.tensor(3.0), 3, "count")
    assert_close(np.zeros(3, dtype=np.float32), np.zeros(3), "g")
    assert_close(np.array([1, 2, 3]), np.array([1.0, 2.0, 3.0]), "ids")
    assert_close(torch.tensor([True, False]), np.array([1.0, 0.0]), "mask")
    # atol covers a float32 zero where the expected value is 1e-14.
    assert_close(np.float32(0.0), 1e-14, "g")


def test_float64_answers_with_short_values_pass_against_float64_round_off():
    # 0.5, 3 or 1024 are float32 numbers too: float64 answers that are exactly right.
    assert_close(0.5, 0.1 + 0.4, "x")  # 0.1 + 0.4 is 0.5 exactly, or nearly
    assert_close(3.0, 0.1 * 30, "x")  # 3.0000000000000004
    assert_close(np.array([2.0, 0.5, 110.0]), np.array([2.0000000001, 0.5, 110.00000001]), "dx")
    big = np.float64(np.float32(1e6 + 0.1))  # a float32 number of 24 bits, against round-off
    assert_close(big, big * (1 + 1e-15), "x")


def test_float32_against_a_float32_expected_value_is_judged_by_rtol_alone():
    x = np.float32(0.7)
    one_ulp = np.nextafter(x, np.float32(1))
    assert_close(one_ulp, x, "x")  # both float32: the check is a float32 one
    assert_close(torch.tensor([0.1, 0.2]), torch.tensor([0.1, 0.2]), "x")


def test_float32_passes_a_float32_tolerance():
    for actual in (E.astype(np.float32), rounded(E)):
        assert_close(actual, E, "dW", rtol=1e-6)
        assert_close(actual, E, "dW", rtol=1e-5)


# Random float64 computations, each computed two ways in float64 (they must pass) and through
# float32 (it must fail, with the float32 hint).
COMPUTATIONS = {
    "matmul": (lambda x, w: x @ w, lambda x, w: torch.tensor(x) @ torch.tensor(w)),
    "tanh": (
        lambda x, w: np.tanh(x @ w),
        lambda x, w: 2 / (1 + np.exp(-2 * np.einsum("ij,jk->ik", x, w))) - 1,
    ),
    "sigmoid": (
        lambda x, w: 1 / (1 + np.exp(-(x @ w))),
        lambda x, w: torch.sigmoid(torch.tensor(x) @ torch.tensor(w)),
    ),
    "softmax": (
        lambda x, w: np.exp(x @ w) / np.exp(x @ w).sum(axis=1, keepdims=True),
        lambda x, w: torch.softmax(torch.tensor(x) @ torch.tensor(w), dim=1),
    ),
    "loss": (
        lambda x, w: 0.5 * np.sum((x @ w - 1) ** 2),
        lambda x, w: 0.5 * torch.sum(torch.square(torch.tensor(x) @ torch.tensor(w) - 1)),
    ),
    "grad": (
        lambda x, w: x.T @ (x @ w - 1) / len(x),
        lambda x, w: np.mean(x[:, :, None] * (x @ w - 1)[:, None, :], axis=0),
    ),
}


def float32_versions(compute, x, w) -> list:
    """compute(x, w) through float32: computed in float32, or rounded to float32 at the end;
    then a float32 array or tensor, or float64 again."""
    whole = np.asarray(compute(x.astype(np.float32), w.astype(np.float32)))
    assert whole.dtype == np.float32
    end = np.asarray(compute(x, w)).astype(np.float32)
    versions = [whole, whole.astype(np.float64), end, end.astype(np.float64)]
    versions += [torch.from_numpy(end), torch.from_numpy(whole).double()]
    return versions + ([float(end)] if end.ndim == 0 else [])


@pytest.mark.parametrize("computation", COMPUTATIONS)
def test_random_float64_computations_pass_and_their_float32_versions_fail(computation):
    numpy_way, other_way = COMPUTATIONS[computation]
    for seed in range(40):
        rng = np.random.default_rng(seed)
        n, d, k = rng.integers(2, 6, size=3)
        x, w = rng.normal(size=(n, d)), rng.normal(size=(d, k)) * rng.choice([0.1, 1, 3])
        expected = numpy_way(x, w)
        assert_close(numpy_way(x, w), expected, computation)
        assert_close(other_way(x, w), expected, computation)
        for i, actual in enumerate(float32_versions(numpy_way, x, w)):
            with pytest.raises(HintError) as info:
                assert_close(actual, expected, computation)
            message = str(info.value)
            assert message.startswith(f"{computation} is close but "), (seed, i, message)
            assert "float32" in message, (seed, i, message)


# --- the detectors, one by one -----------------------------------------------------------------

REG = 0.05 * np.array([[1.0, -2.0, 0.5], [0.25, 3.0, -1.0]])
PLAIN_WRONG = np.array([[0.3, 5.0, -1.0], [2.0, 7.0, 0.1]])  # no detector but wrong_values


def comparison(actual, expected=E, **fields) -> Comparison:
    """A Comparison as assert_close builds it: float64 arrays, the actual's dtype by default."""
    dtype = str(getattr(actual, "dtype", "float64")).removeprefix("torch.")
    if isinstance(actual, torch.Tensor):
        actual = actual.double().numpy()
    fields.setdefault("dtype", dtype)
    return Comparison(np.asarray(actual, np.float64), np.asarray(expected, np.float64), "dW",
                      **fields)


def with_nan():
    actual = E.copy()
    actual[1, 2] = np.nan
    return actual


def slightly_off():
    return E + np.array([[0.0, 0.0, 0.0], [1e-5, 0.0, 0.0]])


# detector, a comparison it diagnoses, a part of its hint
CASES = [
    (hints.nan_or_inf, lambda: comparison(with_nan()), "contains NaN or inf (1 of 6 entries"),
    (hints.nan_or_inf, lambda: comparison(np.inf, 0.5), "is inf (NaN or inf) where a finite"),
    (hints.known_variant, lambda: comparison(3 * E, variants={"used W": 3 * E}), "dW: used W"),
    (hints.wrong_shape, lambda: comparison(E.T), "looks transposed"),
    (hints.wrong_shape, lambda: comparison(np.ones((4, 3))), "has the wrong shape"),
    (hints.sign_flipped, lambda: comparison(-E), "the sign is flipped"),
    (hints.factor_of_two, lambda: comparison(2 * E), "off by a factor of 2:"),
    (hints.factor_of_half, lambda: comparison(E / 2), "off by a factor of 1/2"),
    (hints.batch_size_factor, lambda: comparison(8 * E, batch_size=8), "N = 8 times too large"),
    (hints.batch_size_factor, lambda: comparison(E / 8, batch_size=8), "N = 8 times too small"),
    (hints.constant_factor, lambda: comparison(3 * E), "equals 3 times the expected value"),
    (hints.missing_or_doubled_term, lambda: comparison(E - REG, terms={"reg": REG}),
     "is missing the reg term"),
    (hints.missing_or_doubled_term, lambda: comparison(E + REG, terms={"reg": REG}),
     "has the reg term twice"),
    (hints.all_zeros, lambda: comparison(np.zeros_like(E)), "is all zeros"),
    (hints.all_zeros, lambda: comparison(0.0, 0.9), "is zero but should be 0.9"),
    (hints.went_through_float32, lambda: comparison(E.astype(np.float16)), "dtype float16"),
    (hints.went_through_float32, lambda: comparison(E.astype(np.float32)),
     "is close but has dtype float32"),
    (hints.went_through_float32, lambda: comparison(np.float32(E), rtol=1e-9),
     "> rtol 1e-09"),
    (hints.went_through_float32, lambda: comparison(rounded(E)), "is close but went through"),
    (hints.not_within_tolerance, lambda: comparison(slightly_off()), "not within tolerance"),
    (hints.wrong_values, lambda: comparison(PLAIN_WRONG), "has wrong values"),
]


def case_id(case) -> str:
    return case[0].__name__


def test_detectors_in_order():
    names = [detector.__name__ for detector in hints.DETECTORS]
    assert names == [
        "nan_or_inf", "known_variant", "wrong_shape", "sign_flipped", "factor_of_two",
        "factor_of_half", "batch_size_factor", "constant_factor", "missing_or_doubled_term",
        "all_zeros", "went_through_float32", "not_within_tolerance", "wrong_values",
    ]
    assert {case[0] for case in CASES} == set(hints.DETECTORS)  # each one has a case below


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_detector_diagnoses_its_case(case):
    detector, make, text = case
    c = make()
    message = detector(c)
    assert message is not None and message.startswith("dW") and text in message, message
    assert hints.diagnose(c) == message  # no detector before it claims the case


@pytest.mark.parametrize("detector", hints.DETECTORS[:-1], ids=lambda d: d.__name__)
def test_detector_says_nothing_about_a_plainly_wrong_answer(detector):
    c = comparison(PLAIN_WRONG, variants={"v": 3 * E}, terms={"reg": REG}, batch_size=8)
    assert detector(c) is None


def test_wrong_values_always_has_a_hint():
    assert hints.diagnose(comparison(PLAIN_WRONG), detectors=[]).startswith("dW has wrong values")
    assert "has shape (3,)" in hints.wrong_values(comparison(np.ones(3)))


def test_comparison_close_and_errors():
    c = comparison(E * (1 + 1e-9))
    assert c.close(E) and not c.close(-E) and not c.close(E.T)
    assert c.errors.shape == E.shape and c.max_error < 1e-9
    assert comparison(slightly_off()).first_mismatch == (1, 0)
    assert c.passes() and not comparison(-E).passes()


def test_lost_float64_precision():
    assert comparison(E.astype(np.float32)).lost_float64_precision()
    assert comparison(rounded(E)).lost_float64_precision()
    assert not comparison(E.astype(np.float32), rtol=1e-6).lost_float64_precision()
    assert not comparison(E.astype(np.float32), expected_dtype="float32").lost_float64_precision()
    assert not comparison(np.float32([0.5, 3.0]), [0.5, 3.0]).lost_float64_precision()
    assert not comparison(rounded(E), rounded(E)).lost_float64_precision()
    assert not comparison(E).lost_float64_precision()
    assert not comparison(rounded(E), dtype="int64").lost_float64_precision()


def test_looks_float32():
    assert hints.looks_float32(rounded(E), E)
    assert hints.looks_float32(rounded([0.1, np.inf]), np.array([0.1, np.inf]))
    assert not hints.looks_float32(E, E)  # 0.1 is not a float32 number
    assert not hints.looks_float32(np.array([0.5, 3.0, 0.0]), np.array([0.5, 3.0, 1e-20]))
    assert not hints.looks_float32(rounded(E), rounded(E))  # expected in float32 too
    assert not hints.looks_float32(rounded(E).T, E)


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


# --- naming the call a check made ------------------------------------------------------------


def _cube(t):
    return t**3


@pytest.mark.parametrize(("value", "shown"), [
    (0.5, "0.5"), (2.0, "2.0"), (-0.3, "-0.3"), (3, "3"), (True, "True"), (None, "None"),
    (0.593269992107, "0.5933"), (1e-12, "1e-12"), (float("inf"), "inf"), ("sin", "'sin'"),
    (np.float64(0.25), "0.25"), (np.int64(7), "7"), (torch.tensor(1.5), "1.5"),
    (np.array([2.0, -1.0, 0.5]), "[2.0, -1.0, 0.5]"),
    (np.array([[1, 2], [3, 4]]), "[[1, 2], [3, 4]]"),
    (torch.tensor([0.4, 0.4], dtype=torch.float32), "[0.4, 0.4]"),
    (torch.tensor([1.0], requires_grad=True), "[1.0]"),
    ([[0.15, 0.2], [0.25, 0.3]], "[[0.15, 0.2], [0.25, 0.3]]"), ((1.0,), "(1.0,)"),
    (_cube, "cube"),
])
def test_show_writes_small_inputs_as_literals(value, shown):
    assert show(value) == shown


def test_show_names_big_inputs_by_their_shape():
    assert show(torch.zeros(1, 2, 2, 12)) == "tensor of shape (1, 2, 2, 12)"
    assert show(np.zeros((5, 4))) == "array of shape (5, 4)"
    assert show(torch.empty(2, 3, device="meta")) == "meta tensor of shape (2, 3)"
    assert show([[0.0] * 10, [1.0] * 10]) == "list of 2 items"
    assert show(np.zeros(16)).startswith("[0.0, ")  # SHOWN numbers are still written out


def test_call_writes_the_call_as_the_learner_would_type_it():
    assert (call("linear_model", np.array([2.0, -1.0, 0.5]), 0.5, -0.3, [1.0, 0.2, -0.4])
            == "linear_model([2.0, -1.0, 0.5], 0.5, -0.3, [1.0, 0.2, -0.4])")
    assert call("train", 2.0, 1.0, steps=3) == "train(2.0, 1.0, steps=3)"
    assert call("f") == "f()"


def test_run_calls_and_names_the_call_in_the_learners_traceback():
    def train(x, y_gt, w, b, lr, steps):
        return [][steps]

    @check
    def check_train(train):
        run(train, 2.0, 1.0, 0.5, 0.5, 0.1, steps=3)

    assert run(lambda a, b=0: a + b, 1, b=2) == 3
    with pytest.raises(IndexError) as info:
        check_train(train)
    lines = info.value._render_traceback_()
    assert "Your code raised IndexError in train(2.0, 1.0, 0.5, 0.5, 0.1, steps=3):" in lines[0]
    assert lines[-1] == "IndexError: list index out of range"
    assert not any("bp2yolo" in line for line in lines)


def test_calling_keeps_the_innermost_call_and_leaves_hint_errors_alone():
    def broken(x):
        raise ValueError("no")

    with pytest.raises(ValueError) as info, calling("the outer call"):
        run(broken, 1.0)
    assert info.value._bp2yolo_call == "broken(1.0)"
    with pytest.raises(HintError) as hint_info, calling("a call"):
        raise HintError("x is wrong")
    assert not hasattr(hint_info.value, "_bp2yolo_call")


def test_without_a_call_the_header_is_unchanged():
    @check
    def check_f(f):
        f(1.0)

    def f(x):
        raise KeyError("k")

    with pytest.raises(KeyError) as info:
        check_f(f)
    assert "Your code raised KeyError:" in info.value._render_traceback_()[0]
