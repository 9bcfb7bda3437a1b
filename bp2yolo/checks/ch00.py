"""The visible checks of assignment 00 (start here: the workflow, and what a hint looks like).

Each check receives the learner's function, calls it on small fixed inputs and compares with
fixed expected numbers, naming the likely mistake when one matches. Nothing here computes an
exercise's answer: the hidden tests live in the instructor's notebook.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bp2yolo.checks.core import assert_close
from bp2yolo.checks.report import call, check, run

__all__ = ["check_batch_loss", "check_derivative"]


@check
def check_derivative(derivative: Callable) -> None:
    """derivative(x), the derivative of f(x) = 1/2 (x - 3)^2, at an array and at a float."""
    x = np.array([0.0, 1.0, 3.0, 5.5])
    f_at_x = np.array([4.5, 2.0, 0.0, 3.125])  # f itself at these points
    assert_close(
        run(derivative, x),
        np.array([-3.0, -2.0, 0.0, 2.5]),
        call("derivative", x),
        variants={"this is f(x) itself; return its derivative f'(x)": f_at_x},
        terms={"-3": -3.0},
    )
    assert_close(run(derivative, 4.0), 1.0, call("derivative", 4.0))
    print("derivative: visible tests passed")


@check
def check_batch_loss(batch_loss: Callable) -> None:
    """batch_loss(y, y_gt), the mean of 1/2 (y_i - y_gt_i)^2, on a batch of 4."""
    y = np.array([1.0, 2.0, 0.5, -1.0])
    y_gt = np.array([0.0, 2.5, 0.5, 1.0])
    assert_close(
        run(batch_loss, y, y_gt),
        0.65625,
        call("batch_loss", y, y_gt),
        batch_size=4,
        variants={
            "has the wrong shape: it is one loss per example; "
            "average them into a single number": np.array([0.5, 0.125, 0.0, 2.0]),
            "the errors y - y_gt are not squared": -0.1875,
        },
    )
    print("batch_loss: visible tests passed")
