"""Check answers and gradients, with hints that name the likely mistake.

Everything here accepts Python numbers, numpy arrays and torch tensors (on any device) and
compares them on the CPU in float64.

    rel_error(x, y)                       max |x - y| / (|x| + |y|), CS231n's relative error
    numerical_gradient(f, x)              centered differences of a scalar f at x
    numerical_gradient_array(f, x, dout)  the same for an array-valued f, weighted by dout
    grad_check(f, x, analytic)            analytic gradient against numerical_gradient
    expect_shape(array, shape, name)      ValueError that names both shapes
    assert_close(actual, expected, name)  HintError that names the likely mistake

Nothing here solves a graded exercise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch

from bp2yolo.checks.report import HintError

CLOSE_ISH = 1e-3  # a relative error below this is "close, but not within tolerance"
# Low-precision dtypes, and the relative error below which a mismatch is blamed on the dtype.
LOW_PRECISION = {"float32": CLOSE_ISH, "float16": 1e-2, "bfloat16": 1e-2}


# ---------------------------------------------------------------------------------------------
# Conversions and formatting


def _dtype_name(value: Any) -> str:
    """'float32', 'float64', 'int64', ... for a tensor or an array; the type name otherwise."""
    if isinstance(value, torch.Tensor):
        return str(value.dtype).removeprefix("torch.")
    if isinstance(value, (np.ndarray, np.generic)):
        return str(value.dtype)
    return type(value).__name__


def _float64(value: Any, what: str = "value") -> np.ndarray:
    """A float64 numpy copy of a number, array or tensor (same shape). TypeError if not numeric."""
    if isinstance(value, torch.Tensor):
        if value.is_complex():
            raise TypeError(f"{what} should be real, got a tensor of dtype {value.dtype}")
        return np.array(value.detach().cpu().to(torch.float64).numpy())
    try:
        array = np.array(value)
        if array.dtype.kind not in "biuf":
            raise TypeError
        return array.astype(np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"{what} should be a number or an array, got {type(value).__name__}"
        ) from None


def _num(v: float) -> str:
    """A number with 6 significant digits."""
    return f"{float(v):.6g}"


def _pair(got: float, want: float) -> str:
    """'got 0.7, expected 0.9': 6 significant digits, more if needed to tell the two apart."""
    for digits in (6, 9, 12, 17):
        g, w = f"{float(got):.{digits}g}", f"{float(want):.{digits}g}"
        if g != w:
            break
    return f"got {g}, expected {w}"


def _shape(shape: tuple) -> str:
    """'(3, 2)', '(3,)', '() (a scalar)'; None in a shape is written 'any'."""
    if len(shape) == 0:
        return "() (a scalar)"
    parts = ["any" if d is None else str(d) for d in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def _index(ix: tuple) -> str:
    """'3' for a 1-D index, '(1, 0)' for more dimensions."""
    return str(ix[0]) if len(ix) == 1 else str(tuple(int(i) for i in ix))


def _not_a_number(value: Any) -> str | None:
    """Why `value` is not a usable answer, or None when it is a real number, array or tensor."""
    if isinstance(value, tuple):
        return (
            f"a tuple of {len(value)} items: did you return several values where one was expected?"
        )
    if isinstance(value, list):
        return "a list: make it an array with np.array(...)"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f"a str ({text!r})"
    if isinstance(value, torch.Tensor):
        return None if not value.is_complex() else f"a tensor of dtype {value.dtype}"
    if isinstance(value, (bool, int, float, np.ndarray, np.generic)):
        kind = np.asarray(value).dtype.kind
        return None if kind in "biuf" else f"an array of dtype {np.asarray(value).dtype}"
    return f"a {type(value).__name__}"


# ---------------------------------------------------------------------------------------------
# Relative error and the closeness test


def rel_error(x: Any, y: Any, eps: float = 1e-12) -> float:
    """Max over elements of |x - y| / max(eps, |x| + |y|) (CS231n's relative error).

    x, y: numbers, numpy arrays or torch tensors of the same shape (ValueError otherwise;
    no broadcasting, which would hide a (3,) vs (3, 1) mistake). Returns 0.0 for empty arrays.
    """
    a, b = _float64(x, "x"), _float64(y, "y")
    if a.shape != b.shape:
        raise ValueError(f"x has shape {_shape(a.shape)} but y has shape {_shape(b.shape)}")
    if a.size == 0:
        return 0.0
    with np.errstate(invalid="ignore"):
        return float(np.max(np.abs(a - b) / np.maximum(eps, np.abs(a) + np.abs(b))))


def _errors(a: np.ndarray, e: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """Elementwise relative errors, shape of a (== shape of e), judged against rtol.

    err = |a - e| / max(atol / rtol, |a| + |e|), so err <= rtol exactly when
    |a - e| <= atol or |a - e| / (|a| + |e|) <= rtol. Equal infinities and NaN against NaN
    count as 0; any other NaN or inf as inf.
    """
    floor = max(1e-300, atol / rtol)
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(a - e) / np.maximum(floor, np.abs(a) + np.abs(e))
    same_special = (a == e) | (np.isnan(a) & np.isnan(e))
    err = np.where(same_special & ~np.isfinite(e), 0.0, err)
    return np.where(np.isnan(err), np.inf, err)


def _close(a: np.ndarray, e: np.ndarray, rtol: float, atol: float) -> bool:
    """Same shape and every element within tolerance (see _errors)."""
    return a.shape == e.shape and bool(np.all(_errors(a, e, rtol, atol) <= rtol))


# ---------------------------------------------------------------------------------------------
# Shapes


def expect_shape(array: Any, shape: tuple[int | None, ...], name: str) -> None:
    """Raise ValueError unless `array` has `shape`; None in `shape` matches any size.

    array: anything with a .shape (numpy array, torch tensor) or a Python number (shape ()).
    The message names both shapes: "x has shape (3, 2) but should have shape (2, 3)".
    """
    __tracebackhide__ = True
    want = _shape(tuple(shape))
    if array is None:
        raise ValueError(f"{name} is None but should have shape {want}")
    got = tuple(array.shape) if hasattr(array, "shape") else np.shape(array)
    fits = len(got) == len(shape) and all(
        w is None or w == g for g, w in zip(got, shape, strict=True)
    )
    if not fits:
        message = f"{name} has shape {_shape(got)} but should have shape {want}"
        if len(got) == 2 and got[0] != got[1] and tuple(shape) == got[::-1]:
            message += ": it looks transposed"
        raise ValueError(message)


def _shape_hint(got: tuple, want: tuple) -> str:
    """One sentence about a likely cause of a shape mismatch, or ''."""
    if int(np.prod(got)) == int(np.prod(want)):
        return (
            " It has the right number of entries: check for a missing or extra axis of size 1 "
            "(reshape, keepdims=True)."
        )
    for k in range(len(got)):
        dropped = got[:k] + got[k + 1 :]
        if dropped == want:
            return f" Did you forget to sum over axis {k} (for example the batch axis)?"
        if len(got) == len(want) and want[k] == 1 and dropped == want[:k] + want[k + 1 :]:
            return f" Did you forget to sum over axis {k} (with keepdims=True)?"
    for k in range(len(want)):
        if want[:k] + want[k + 1 :] == got:
            return f" Did you sum or average over axis {k}, which should be kept?"
    if int(np.prod(got)) > int(np.prod(want)):
        return (
            " It is bigger than it should be: check for broadcasting, e.g. (3,) combined with "
            "(3, 1) gives (3, 3)."
        )
    return ""


# ---------------------------------------------------------------------------------------------
# assert_close


def assert_close(
    actual: Any,
    expected: Any,
    name: str,
    *,
    rtol: float = 1e-7,
    atol: float = 1e-12,
    variants: Mapping[str, Any] | None = None,
    terms: Mapping[str, Any] | None = None,
    batch_size: int | None = None,
) -> None:
    """Pass silently when `actual` matches `expected`; else raise HintError naming the mistake.

    actual, expected: one Python number, numpy array or torch tensor (any device, any shape);
        compared on the CPU in float64. Callers check tuples element by element.
    name: what the learner calls the value ("dw"); every message starts with it.
    rtol, atol: an element matches when |a - e| <= atol or |a - e| / (|a| + |e|) <= rtol.
    variants: hint -> the value a known wrong implementation gives; a match raises the hint.
    terms: term name -> the value of one term of `expected`, to spot a missing term.
    batch_size: N, to spot a gradient that is N times too large or too small.
    """
    __tracebackhide__ = True  # pytest (and IPython, but for the last frame) skip this frame
    if rtol <= 0 or atol < 0:
        raise ValueError(f"need rtol > 0 and atol >= 0, got rtol={rtol}, atol={atol}")
    if actual is None:
        raise HintError(f"{name} is None: did your function forget to `return` it?")
    why = _not_a_number(actual)
    if why is not None:
        end = "" if why.endswith("?") else "."
        raise HintError(f"{name} should be a number or an array, but it is {why}{end}")
    a = _float64(actual, name)
    e = _float64(expected, "expected")
    if _close(a, e, rtol, atol):
        return
    raise HintError(
        _diagnose(a, e, name, _dtype_name(actual), rtol, atol, variants, terms, batch_size)
    )


def _diagnose(
    a: np.ndarray,
    e: np.ndarray,
    name: str,
    dtype: str,
    rtol: float,
    atol: float,
    variants: Mapping[str, Any] | None,
    terms: Mapping[str, Any] | None,
    batch_size: int | None,
) -> str:
    """The message for an `a` (float64, original dtype `dtype`) that does not match `e`."""

    def close(candidate: np.ndarray) -> bool:
        return _close(a, candidate, rtol, atol)

    # NaN or inf where a finite value is expected.
    if a.shape == e.shape:
        bad = ~np.isfinite(a) & np.isfinite(e)
    else:
        bad = ~np.isfinite(a) & bool(np.all(np.isfinite(e)))
    if np.any(bad):
        if a.ndim == 0:
            where = f"is {_num(a)} (NaN or inf) where a finite value is expected"
        else:
            ix = _index(tuple(np.argwhere(bad)[0]))
            where = (
                f"contains NaN or inf ({int(bad.sum())} of {a.size} entries, first at index {ix}) "
                "where finite values are expected"
            )
        return (
            f"{name} {where}: check numerical stability, e.g. exp() of a large number overflows "
            "(subtract the maximum first) and log(0) is -inf."
        )

    # Known wrong implementations, given by the exercise.
    for hint, value in (variants or {}).items():
        if close(_float64(value, f"variant {hint!r}")):
            return f"{name}: {hint}"

    # Shapes.
    if a.shape != e.shape:
        got, want = _shape(a.shape), _shape(e.shape)
        if e.ndim == 2 and e.shape[0] != e.shape[1] and a.shape == e.shape[::-1]:
            same = " (its values are those of the transpose)" if close(e.T) else ""
            return (
                f"{name} looks transposed: it has shape {got} but should have shape {want}{same}. "
                "Check the order of the factors in your matrix products, or a missing or extra .T."
            )
        return (
            f"{name} has the wrong shape: it has shape {got} but should have shape {want}."
            + _shape_hint(a.shape, e.shape)
        )

    # Off by a sign or a constant factor.
    if close(-e):
        return (
            f"{name}: the sign is flipped (it equals minus the expected value). Check the sign of "
            "each local derivative, e.g. d/dy of (t - y)^2 is -2 (t - y)."
        )
    if close(2 * e):
        return (
            f"{name} is off by a factor of 2: it is twice the expected value. Check the 1/2 "
            "convention: with L = 1/2 (y - t)^2 the 2 from the square cancels and dL/dy = y - t."
        )
    if close(e / 2):
        return (
            f"{name} is off by a factor of 1/2: it is half the expected value. Check the 1/2 "
            "convention (L = (y - t)^2 gives dL/dy = 2 (y - t)) and that a value used twice "
            "gets gradient from both uses."
        )
    if batch_size is not None and batch_size > 1:
        n = batch_size
        if close(n * e):
            return f"{name} is N = {n} times too large: did you forget to divide by the batch size?"
        if close(e / n):
            return (
                f"{name} is N = {n} times too small: did you divide by the batch size twice, or "
                "where the loss is a sum, not a mean?"
            )
    nonzero = np.abs(e) > atol
    if np.count_nonzero(nonzero) >= 2 and np.any(a):
        c = float(np.sum(a * e) / np.sum(e * e))
        if abs(c - 1) > CLOSE_ISH and close(c * e):
            return (
                f"{name} is off by a constant factor: it equals {_num(c)} times the expected "
                "value. Look for a wrong or missing constant, e.g. an exponent not brought down."
            )

    # A term of the expected value missing, or counted twice.
    for term_name, value in (terms or {}).items():
        term = _float64(value, f"term {term_name!r}")
        try:
            term = np.broadcast_to(term, e.shape)
        except ValueError:
            continue
        if close(e - term):
            return (
                f"{name} is missing the {term_name} term: it equals the expected value without it."
            )
        if close(e + term):
            return (
                f"{name} has the {term_name} term twice: it equals the expected value plus that "
                "term again. Check the term's constant factor (the 1/2 convention)."
            )

    # Nothing computed.
    if not np.any(a):
        ix = tuple(np.argwhere(e != 0)[0])
        if a.ndim == 0 or a.size == 1:
            return f"{name} is zero but should be {_num(e[ix])}: did you compute and return it?"
        return (
            f"{name} is all zeros, but the expected value is not (e.g. {_num(e[ix])} at index "
            f"{_index(ix)}): did you fill it in, or write to a copy instead of the array itself?"
        )

    # Close, or plain wrong.
    errors = _errors(a, e, rtol, atol)
    err = float(errors.max())
    ix = tuple(np.argwhere(errors > rtol)[0])
    at = "" if a.ndim == 0 else f" at index {_index(ix)}"
    values = _pair(a[ix], e[ix])
    if err < LOW_PRECISION.get(dtype, 0.0):
        return (
            f"{name} is close but has dtype {dtype} (relative error {_num(err)} > rtol "
            f"{_num(rtol)}): float32 keeps only about 7 significant digits, float16 about 3. "
            "Compute in float64 (np.float64, or torch.float64 / .double())."
        )
    if err < CLOSE_ISH:
        return (
            f"{name} is close but not within tolerance: relative error {_num(err)} > rtol "
            f"{_num(rtol)} (first{at}: {values}). Look for a small mistake, or a step computed "
            "in single precision."
        )
    return (
        f"{name} has wrong values: relative error {_num(err)} (rtol {_num(rtol)}); "
        f"first mismatch{at}: {values}."
    )


# ---------------------------------------------------------------------------------------------
# Numerical gradients


def _require_float64(x: Any) -> None:
    """ValueError unless x is a float64 numpy array."""
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        got = _dtype_name(x) if isinstance(x, (np.ndarray, torch.Tensor)) else type(x).__name__
        kind = "a torch tensor of " if isinstance(x, torch.Tensor) else ""
        raise ValueError(
            f"x must be a float64 numpy array, got {kind}{got}: in lower precision, round-off "
            "ruins centered differences. Convert with np.asarray(x, dtype=np.float64)."
        )


def _scalar(value: Any) -> float:
    """A Python float from a number, or from an array or tensor with one element."""
    array = _float64(value, "f(x)")
    if array.size != 1:
        raise ValueError(
            f"f(x) should be a scalar but has shape {_shape(array.shape)}; "
            "use numerical_gradient_array for array-valued functions"
        )
    return float(array.reshape(()))


def numerical_gradient(
    f: Callable[[np.ndarray], Any], x: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Centered-difference gradient of a scalar-valued f at x: (f(x + h) - f(x - h)) / 2h.

    x: float64 numpy array of any shape; it is changed in place one coordinate at a time (f must
    read it, not a copy made earlier) and restored afterwards. Returns an array of x's shape.
    """
    _require_float64(x)
    if h <= 0:
        raise ValueError(f"h must be positive, got {h}")
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        try:
            x[ix] = old + h
            f_plus = _scalar(f(x))
            x[ix] = old - h
            f_minus = _scalar(f(x))
        finally:
            x[ix] = old
        grad[ix] = (f_plus - f_minus) / (2 * h)
    return grad


def numerical_gradient_array(
    f: Callable[[np.ndarray], Any], x: np.ndarray, dout: Any, h: float = 1e-5
) -> np.ndarray:
    """Gradient of sum(f(x) * dout) with respect to x, by centered differences.

    f: array-valued; f(x) has the shape of dout. x: float64 numpy array, any shape, changed in
    place and restored as in numerical_gradient. Returns an array of x's shape.
    """
    _require_float64(x)
    if h <= 0:
        raise ValueError(f"h must be positive, got {h}")
    weights = _float64(dout, "dout")
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        try:
            x[ix] = old + h
            f_plus = _float64(f(x), "f(x)")
            x[ix] = old - h
            f_minus = _float64(f(x), "f(x)")
        finally:
            x[ix] = old
        if f_plus.shape != weights.shape:
            raise ValueError(
                f"f(x) has shape {_shape(f_plus.shape)} but dout has shape {_shape(weights.shape)}"
            )
        grad[ix] = np.sum((f_plus - f_minus) * weights) / (2 * h)
    return grad


def grad_check(
    f: Callable[[np.ndarray], Any],
    x: np.ndarray,
    analytic: Any,
    h: float = 1e-5,
    tol: float = 1e-6,
    name: str = "gradient",
    *,
    atol: float = 1e-8,
) -> float:
    """Compare an analytic gradient of a scalar f at x with numerical_gradient(f, x, h).

    x: float64 numpy array; analytic: array or tensor of x's shape. Returns the relative error
    max |a - n| / max(atol / tol, |a| + |n|), i.e. CS231n's relative error with entries smaller
    than atol / tol (near-zero gradients, where the numerical one is only noise) judged by their
    absolute difference. Raises HintError (see assert_close) when it is above tol. Use a larger
    tol for functions with kinks (ReLU, max), where centered differences can straddle the kink.
    """
    __tracebackhide__ = True
    numeric = numerical_gradient(f, x, h)
    assert_close(analytic, numeric, name, rtol=tol, atol=atol)
    errors = _errors(_float64(analytic, name), numeric, tol, atol)
    return float(errors.max()) if errors.size else 0.0
