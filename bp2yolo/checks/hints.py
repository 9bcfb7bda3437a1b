"""Why an answer does not match: the detectors behind assert_close's hints.

    Comparison        a float64 answer against the expected value, under (rtol, atol)
    DETECTORS         the likely mistakes, in the order they are tried; each one takes a
                      Comparison and returns a hint or None
    diagnose(c)       the first detector's hint (wrong_values, the last one, always has one)

Every hint starts with the answer's name. The chapters' mutant tests match parts of these texts:
change one and they say so.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping

import numpy as np

CLOSE_ISH = 1e-3  # a relative error below this is "close, but not within tolerance"
# Low-precision dtypes, and the relative error below which a mismatch is blamed on the dtype.
LOW_PRECISION = {"float32": CLOSE_ISH, "float16": 1e-2, "bfloat16": 1e-2}
# An rtol below this asks for float64: one rounding to float32 already costs up to 6e-8, and
# a float32 computation usually several times that.
FLOAT64_RTOL = 1e-6
# Relative differences below this are float64 round-off (or an approximate expected value),
# not a rounding to float32, which is 1e-8 for most numbers.
ROUND_OFF = 1e-12
# A float32 number usually needs all of its 24 significant bits; 3, 0.5 or 1.25 need a few.
# A float64 answer whose entries all need at most this many is not taken for a float32 rounding.
SHORT_MANTISSA = 12
FLOAT64 = ("float64", "float")  # dtype names: numpy and torch, a Python float


# ---------------------------------------------------------------------------------------------
# Formatting


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
# The closeness test


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


def _float32_values(x: np.ndarray) -> bool:
    """Whether every finite entry of a float64 array is exactly a float32 number."""
    finite = x[np.isfinite(x)]
    with np.errstate(over="ignore"):
        return bool(np.all(finite.astype(np.float32).astype(np.float64) == finite))


def _long_mantissa(x: np.ndarray) -> bool:
    """Whether some finite entry needs more than SHORT_MANTISSA significant bits."""
    mantissa, _ = np.frexp(x[np.isfinite(x)])  # in [0.5, 1), so * 2**bits is whole if it fits
    return bool(np.any(mantissa * 2.0**SHORT_MANTISSA % 1 != 0))


def looks_float32(a: np.ndarray, e: np.ndarray) -> bool:
    """Whether float64 `a` looks rounded to float32 where `e` is not: every entry of `a` is a
    float32 number, not only short ones like 0.5 or 3, and some entry of `e` is not one."""
    return (
        a.shape == e.shape and _float32_values(a) and _long_mantissa(a) and not _float32_values(e)
    )


# ---------------------------------------------------------------------------------------------
# Comparison


@dataclasses.dataclass
class Comparison:
    """An answer `a` (converted to float64 from dtype `dtype`) against the expected `e`.

    name: what the learner calls the answer; rtol, atol: the tolerance (see _errors).
    expected_dtype: the dtype `e` came in. variants: hint -> the value a known wrong
    implementation gives; terms: term name -> one term of `e`; batch_size: N (or None).
    """

    a: np.ndarray
    e: np.ndarray
    name: str = "x"
    dtype: str = "float64"
    rtol: float = 1e-7
    atol: float = 1e-12
    expected_dtype: str = "float64"
    variants: Mapping[str, np.ndarray] = dataclasses.field(default_factory=dict)
    terms: Mapping[str, np.ndarray] = dataclasses.field(default_factory=dict)
    batch_size: int | None = None

    def close(self, candidate: np.ndarray) -> bool:
        """Whether `a` matches `candidate` within the tolerance (same shape, every entry)."""
        return _close(self.a, candidate, self.rtol, self.atol)

    @property
    def same_shape(self) -> bool:
        return self.a.shape == self.e.shape

    @functools.cached_property
    def errors(self) -> np.ndarray:
        """Elementwise relative errors (see _errors); needs the same shape."""
        return _errors(self.a, self.e, self.rtol, self.atol)

    @property
    def max_error(self) -> float:
        return float(self.errors.max()) if self.errors.size else 0.0

    @property
    def first_mismatch(self) -> tuple:
        """The index of the first entry off by more than rtol (of the worst, if none is)."""
        off = np.argwhere(self.errors > self.rtol)
        if len(off):
            return tuple(off[0])
        return np.unravel_index(int(np.argmax(self.errors)), self.errors.shape)

    def lost_float64_precision(self) -> bool:
        """Whether `a` went through float32 (or lower) in a check whose rtol asks for float64.

        Only where `a` and `e` differ by more than round-off: a float32 number that is exactly
        right (0.5, 3, an exact match) is no mistake. Then: `a` has a low-precision dtype where
        `e` has not, or `a` is float64 but looks rounded to float32 (looks_float32).
        """
        if self.rtol >= FLOAT64_RTOL or not self.same_shape:
            return False
        a, e = self.a, self.e
        with np.errstate(invalid="ignore", over="ignore"):
            diff, scale = np.abs(a - e), np.abs(a) + np.abs(e)
        differ = np.isfinite(a) & np.isfinite(e) & (diff > self.atol) & (diff > ROUND_OFF * scale)
        if not np.any(differ):
            return False
        if self.dtype in LOW_PRECISION:
            return self.expected_dtype not in LOW_PRECISION
        return self.dtype in FLOAT64 and looks_float32(a, e)

    def passes(self) -> bool:
        """Within tolerance, and not computed in a lower precision than the check asks for."""
        return self.close(self.e) and not self.lost_float64_precision()


Detector = Callable[[Comparison], str | None]


# ---------------------------------------------------------------------------------------------
# The detectors, in the order diagnose tries them


def nan_or_inf(c: Comparison) -> str | None:
    """NaN or inf where a finite value is expected."""
    a, e = c.a, c.e
    if c.same_shape:
        bad = ~np.isfinite(a) & np.isfinite(e)
    else:
        bad = ~np.isfinite(a) & bool(np.all(np.isfinite(e)))
    if not np.any(bad):
        return None
    if a.ndim == 0:
        where = f"is {_num(a)} (NaN or inf) where a finite value is expected"
    else:
        ix = _index(tuple(np.argwhere(bad)[0]))
        where = (
            f"contains NaN or inf ({int(bad.sum())} of {a.size} entries, first at index {ix}) "
            "where finite values are expected"
        )
    return (
        f"{c.name} {where}: check numerical stability, e.g. exp() of a large number overflows "
        "(subtract the maximum first) and log(0) is -inf."
    )


def known_variant(c: Comparison) -> str | None:
    """The value of a known wrong implementation, given by the exercise: its hint verbatim."""
    for hint, value in c.variants.items():
        if c.close(value):
            return f"{c.name}: {hint}"
    return None


def wrong_shape(c: Comparison) -> str | None:
    """A shape that is not the expected one; transposed if it is the reverse of a 2-D one."""
    if c.same_shape:
        return None
    a, e = c.a, c.e
    got, want = _shape(a.shape), _shape(e.shape)
    if e.ndim == 2 and e.shape[0] != e.shape[1] and a.shape == e.shape[::-1]:
        same = " (its values are those of the transpose)" if c.close(e.T) else ""
        return (
            f"{c.name} looks transposed: it has shape {got} but should have shape {want}{same}. "
            "Check the order of the factors in your matrix products, or a missing or extra .T."
        )
    return (
        f"{c.name} has the wrong shape: it has shape {got} but should have shape {want}."
        + _shape_hint(a.shape, e.shape)
    )


def sign_flipped(c: Comparison) -> str | None:
    """Minus the expected value."""
    if not c.close(-c.e):
        return None
    return (
        f"{c.name}: the sign is flipped (it equals minus the expected value). Check the sign of "
        "each local derivative, e.g. d/dy of (t - y)^2 is -2 (t - y)."
    )


def factor_of_two(c: Comparison) -> str | None:
    """Twice the expected value: the 1/2 convention."""
    if not c.close(2 * c.e):
        return None
    return (
        f"{c.name} is off by a factor of 2: it is twice the expected value. Check the 1/2 "
        "convention: with L = 1/2 (y - t)^2 the 2 from the square cancels and dL/dy = y - t."
    )


def factor_of_half(c: Comparison) -> str | None:
    """Half the expected value: the 1/2 convention, or one of two uses of a value."""
    if not c.close(c.e / 2):
        return None
    return (
        f"{c.name} is off by a factor of 1/2: it is half the expected value. Check the 1/2 "
        "convention (L = (y - t)^2 gives dL/dy = 2 (y - t)) and that a value used twice "
        "gets gradient from both uses."
    )


def batch_size_factor(c: Comparison) -> str | None:
    """N times too large or too small, N the batch size (when the exercise gives it)."""
    n = c.batch_size
    if n is None or n <= 1:
        return None
    if c.close(n * c.e):
        return f"{c.name} is N = {n} times too large: did you forget to divide by the batch size?"
    if c.close(c.e / n):
        return (
            f"{c.name} is N = {n} times too small: did you divide by the batch size twice, or "
            "where the loss is a sum, not a mean?"
        )
    return None


def constant_factor(c: Comparison) -> str | None:
    """Some other constant times the expected value (needs two entries that are not zero)."""
    a, e = c.a, c.e
    nonzero = np.abs(e) > c.atol
    if not c.same_shape or np.count_nonzero(nonzero) < 2 or not np.any(a):
        return None
    factor = float(np.sum(a * e) / np.sum(e * e))
    if abs(factor - 1) <= CLOSE_ISH or not c.close(factor * e):
        return None
    return (
        f"{c.name} is off by a constant factor: it equals {_num(factor)} times the expected "
        "value. Look for a wrong or missing constant, e.g. an exponent not brought down."
    )


def missing_or_doubled_term(c: Comparison) -> str | None:
    """The expected value without one of its terms, or with it twice."""
    for term_name, value in c.terms.items():
        try:
            term = np.broadcast_to(value, c.e.shape)
        except ValueError:
            continue
        if c.close(c.e - term):
            return (
                f"{c.name} is missing the {term_name} term: it equals the expected value "
                "without it."
            )
        if c.close(c.e + term):
            return (
                f"{c.name} has the {term_name} term twice: it equals the expected value plus "
                "that term again. Check the term's constant factor (the 1/2 convention)."
            )
    return None


def all_zeros(c: Comparison) -> str | None:
    """Zero everywhere, where the expected value is not: nothing computed, or not returned."""
    a, e = c.a, c.e
    if np.any(a) or not np.any(e):
        return None
    ix = tuple(np.argwhere(e != 0)[0])
    if a.ndim == 0 or a.size == 1:
        return f"{c.name} is zero but should be {_num(e[ix])}: did you compute and return it?"
    return (
        f"{c.name} is all zeros, but the expected value is not (e.g. {_num(e[ix])} at index "
        f"{_index(ix)}): did you fill it in, or write to a copy instead of the array itself?"
    )


def went_through_float32(c: Comparison) -> str | None:
    """Close, but computed in float32 (or lower): its dtype says so, or its float64 values are
    all float32 numbers. Also within rtol, when the rtol asks for float64 (see
    Comparison.lost_float64_precision)."""
    if not c.same_shape:
        return None
    err, rtol, dtype = c.max_error, c.rtol, c.dtype
    if err > rtol:
        beyond = f" > rtol {_num(rtol)}"
    elif c.lost_float64_precision():
        beyond = f", but rtol {_num(rtol)} asks for float64"
    else:
        return None
    if dtype in LOW_PRECISION:
        if err >= LOW_PRECISION[dtype]:
            return None
        return (
            f"{c.name} is close but has dtype {dtype} (relative error {_num(err)}{beyond}): "
            "float32 keeps only about 7 significant digits, float16 about 3. "
            "Compute in float64 (np.float64, or torch.float64 / .double())."
        )
    if dtype not in FLOAT64 or err >= CLOSE_ISH or not looks_float32(c.a, c.e):
        return None
    return (
        f"{c.name} is close but went through float32 (relative error {_num(err)}{beyond}): "
        "it is float64, but every entry is a float32 number, which keeps only about 7 "
        "significant digits. Compute in float64 all the way: look for a float32 array or "
        "tensor on the way (torch.tensor([...]) of Python floats, torch.zeros and torch.randn "
        "make float32 by default; .float(), np.float32)."
    )


def not_within_tolerance(c: Comparison) -> str | None:
    """Close, but not within tolerance: a small mistake."""
    if not c.same_shape or c.max_error >= CLOSE_ISH:
        return None
    ix = c.first_mismatch
    at = "" if c.a.ndim == 0 else f" at index {_index(ix)}"
    return (
        f"{c.name} is close but not within tolerance: relative error {_num(c.max_error)} > rtol "
        f"{_num(c.rtol)} (first{at}: {_pair(c.a[ix], c.e[ix])}). Look for a small mistake, or a "
        "step computed in single precision."
    )


def wrong_values(c: Comparison) -> str:
    """Plain wrong: the relative error and the first mismatch. Always has a hint."""
    if not c.same_shape:  # wrong_shape comes first; this is for a detector list without it
        return f"{c.name} has shape {_shape(c.a.shape)} but should have shape {_shape(c.e.shape)}."
    ix = c.first_mismatch
    at = "" if c.a.ndim == 0 else f" at index {_index(ix)}"
    return (
        f"{c.name} has wrong values: relative error {_num(c.max_error)} (rtol {_num(c.rtol)}); "
        f"first mismatch{at}: {_pair(c.a[ix], c.e[ix])}."
    )


DETECTORS: list[Detector] = [
    nan_or_inf,
    known_variant,
    wrong_shape,
    sign_flipped,
    factor_of_two,
    factor_of_half,
    batch_size_factor,
    constant_factor,
    missing_or_doubled_term,
    all_zeros,
    went_through_float32,
    not_within_tolerance,
    wrong_values,
]


def diagnose(c: Comparison, detectors: list[Detector] = DETECTORS) -> str:
    """The hint of the first detector that has one; wrong_values' if none has."""
    for detector in detectors:
        message = detector(c)
        if message is not None:
            return message
    return wrong_values(c)
