"""Check answers and gradients, with hints that name the likely mistake.

Everything here accepts Python numbers, numpy arrays and torch tensors (on any device) and
compares them on the CPU in float64.

    rel_error(x, y)                       max |x - y| / (|x| + |y|), CS231n's relative error
    numerical_gradient(f, x)              centered differences of a scalar f at x
    numerical_gradient_array(f, x, dout)  the same for an array-valued f, weighted by dout
    grad_check(f, x, analytic)            analytic gradient against numerical_gradient
    expect_shape(array, shape, name)      ValueError that names both shapes
    assert_close(actual, expected, name)  HintError that names the likely mistake
    copies(arrays), require_unchanged(arrays, before, made)
                                          a HintError if the learner's code wrote into its inputs
    portable(source, **env)               a function given by its source, which the grader can
                                          rebuild inside a submission's sandbox (see below)
    hidden_seed(k)                        seed k of a hidden test: k, plus the grader's salt

How assert_close names the mistake (its detectors, tried in order) is in bp2yolo.checks.hints.
Nothing here solves a graded exercise.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch

from bp2yolo.checks.hints import Comparison, _errors, _shape, diagnose
from bp2yolo.checks.report import HintError, require

# ---------------------------------------------------------------------------------------------
# Conversions


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
# Relative error


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
        flipped = got[::-1]  # a 2-D array whose transpose fits, None matching any size
        if len(got) == 2 and got[0] != got[1] and len(shape) == 2 and all(
            w is None or w == g for g, w in zip(flipped, shape, strict=True)
        ):
            message += ": it looks transposed"
        raise ValueError(message)


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
        An rtol below 1e-6 (the default 1e-7) asks for float64: an answer that went through
        float32 (its dtype, or float64 values that are all float32 numbers) and is not exactly
        right fails even within rtol, with the float32 hint.
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
    comparison = Comparison(
        _float64(actual, name),
        _float64(expected, "expected"),
        name=name,
        dtype=_dtype_name(actual),
        rtol=rtol,
        atol=atol,
        expected_dtype=_dtype_name(expected),
    )
    if comparison.passes():
        return
    comparison = dataclasses.replace(
        comparison,
        variants={h: _float64(v, f"variant {h!r}") for h, v in (variants or {}).items()},
        terms={t: _float64(v, f"term {t!r}") for t, v in (terms or {}).items()},
        batch_size=batch_size,
    )
    raise HintError(diagnose(comparison))


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


def copies(arrays: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """A copy of every array, by name: what require_unchanged compares with afterwards."""
    return {name: np.array(a) for name, a in arrays.items()}


def require_unchanged(arrays: Mapping[str, Any], before: Mapping[str, np.ndarray],
                      made: str) -> None:
    """HintError unless every input array still holds the values it was given (`before`, from
    copies); `made` names the call."""
    for name, array in arrays.items():
        require(
            np.array_equal(array, before[name]),
            f"{made} changed its input {name} in place: compute new arrays instead (-=, +=, "
            "x[...] = ... or out=... on an input write into the caller's array, which other "
            "code may still need)",
        )


# ---------------------------------------------------------------------------------------------
# Functions handed to the learner's code


def portable(source: str, **env: Any) -> Callable[..., Any]:
    """The function that the expression `source` evaluates to, with numpy (np), torch and math
    and the names in `env` in scope: `portable("lambda t: c * t**2", c=2.0)`.

    A check passes such a function where the learner's code must run it itself, for example
    through autograd. The grader runs the learner's code in a sandbox and sends it only data; it
    sends a portable function as its source and `env`, and the sandbox rebuilds it there, where
    the learner's tensors are. (Any other function the grader passes runs in the grader, on data:
    autograd cannot follow it.)"""
    import math

    function = eval(source, {"np": np, "torch": torch, "math": math, **env})  # noqa: S307

    def call(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    call.__bp2yolo_source__ = source  # type: ignore[attr-defined]
    call.__bp2yolo_env__ = env  # type: ignore[attr-defined]
    call.__name__ = call.__qualname__ = f"portable({source!r})"
    return call


# ---------------------------------------------------------------------------------------------
# Seeds of the hidden tests

_hidden_salt = 0


def hidden_seed(k: int) -> int:
    """Seed k of a hidden test. It is k when a notebook runs its hidden tests itself (the
    instructor's source notebook, the test suite); when the grader runs them it adds a salt drawn
    for that grading run (set_hidden_salt), so their inputs cannot be read off their source and
    answered in advance. The salt lives only in the grader's process: a submission's copy of
    this module, in its sandbox, never has it."""
    return k + _hidden_salt


def set_hidden_salt(salt: int) -> None:
    """The grader's: every hidden_seed(k) is k + salt from now on (0 <= salt < 2**62)."""
    global _hidden_salt
    if not 0 <= salt < 2**62:
        raise ValueError(f"the salt must be in [0, 2**62), got {salt}")
    _hidden_salt = int(salt)

