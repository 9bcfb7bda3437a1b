"""Lesson 05 (matrix backprop): the worked numbers of COURSE.md, computed by its code."""

from __future__ import annotations

import re

import pytest
from lessons import first_missing, numbers_in_prose, printed
from notebooks import ROOT, execute

MATRIX = ROOT / "course" / "05_matrix_backprop.ipynb"

# Chapter 03's 2-2-2 network rebuilt from affine and sigmoid layers (9 decimals), in order.
BRIDGE = [
    ("E", 0.298371109),
    ("dE/dw1", 0.000438568),
    ("dE/dw5", 0.082167041),
    ("delta_o1", 0.138498562),
    ("new_w5", 0.35891648),
    ("new_w1", 0.149780716),
    ("E_after_1_update", 0.291027774),
]
RESULTS_NOT_INPUTS = [
    "0.298371109", "0.082167041", "0.291027774", "0.35891648", "0.358916480", "0.149780716",
    "0.000438568", "0.138498562",
]


def found() -> dict[str, float]:
    run = execute(MATRIX)
    assert run.error is None, run.error
    return dict(printed(run.text()))


def test_worked_results_are_not_typed_into_the_prose():
    assert not numbers_in_prose(MATRIX, RESULTS_NOT_INPUTS)


@pytest.mark.slow
def test_matrix_lesson_reproduces_chapter_03():
    run = execute(MATRIX)
    assert run.error is None, run.error
    missing = first_missing(printed(run.text()), BRIDGE, tol=1e-9)
    assert missing is None, f"{MATRIX.name} does not print {missing[0]} = {missing[1]}"


@pytest.mark.slow
def test_an_entry_of_x_touches_only_its_own_row_of_y():
    """dY/dX[0,0] is zero but in Y's first row, which holds W[0]; and so for every entry."""
    text = execute(MATRIX).text()
    assert "rows of Y that X[0,0] touches: [0]\n" in text
    assert "columns of Y that W[0,0] touches: [0]\n" in text
    assert re.search(r"\[\[0\.1 0\.2 0\.3 0\.4\]\n \[0\.  0\.  0\.  0\. \]\]\nW\[0\]: "
                     r"\[0\.1 0\.2 0\.3 0\.4\]", text), "dY/dX[0,0] and W[0] are not printed"
    values = found()
    assert values["max_abs_difference_J_X_vs_formula"] == 0
    assert values["max_abs_difference_J_W_vs_formula"] == 0
    assert values["jacobian_entries"] == 64 * 1024 * 64 * 1024


@pytest.mark.slow
def test_matrix_gradients_agree_with_the_jacobian_and_autograd():
    values = found()
    for name in ["dX_vs_jacobian", "dW_vs_jacobian", "dX_vs_autograd", "dW_vs_autograd",
                 "dx_autograd", "dW_autograd", "db_autograd"]:
        assert values[f"rel_error_{name}"] <= 1e-14, name
    for name in ["dx", "dW", "db"]:
        assert values[f"rel_error_{name}_numerical"] <= 1e-8, name
    assert values["max_rel_error_vs_autograd"] <= 1e-14  # the 2-2-2 network
    assert values["grad_check_dW1"] <= 1e-8 and values["grad_check_dW2"] <= 1e-8


@pytest.mark.slow
def test_relative_errors_span_the_three_regimes():
    """Right in float64: <= 1e-7; right in float32: 1e-7..1e-4; float32 numerical gradient:
    a typical entry off by ~1e-2; a transposed W that fits the shapes: ~1."""
    values = found()
    assert values["rel_error_right_float64"] <= 1e-7
    assert 1e-7 < values["rel_error_right_float32"] < 1e-4
    assert 3e-3 <= values["median_entry_rel_error_numerical_float32"] <= 1e-1
    assert values["rel_error_numerical_float32"] >= 1e-2
    assert values["rel_error_untransposed_W"] >= 1e-1
    assert values["rel_error_transposed_W"] <= 1e-7
