"""Check answers and gradients, with hints that name the likely mistake.

    core      rel_error, numerical gradients, grad_check, expect_shape, assert_close
    report    HintError and the @check decorator: how a failing check reads in a notebook;
              call, run and calling: how a hint or an error names the call the check made
    chNN      the visible checks of chapter NN's assignment, e.g. ch01.check_log_cosh_model

Nothing here solves a graded exercise: the visible checks compare with fixed expected values
or with torch.autograd, and the hidden tests live only in the instructor's source notebooks.
"""

from bp2yolo.checks.core import (
    assert_close,
    expect_shape,
    grad_check,
    hidden_seed,
    numerical_gradient,
    numerical_gradient_array,
    portable,
    rel_error,
)
from bp2yolo.checks.report import HintError, check, require, wrap

__all__ = [
    "HintError",
    "assert_close",
    "check",
    "expect_shape",
    "grad_check",
    "hidden_seed",
    "numerical_gradient",
    "numerical_gradient_array",
    "portable",
    "rel_error",
    "require",
    "wrap",
]
