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
    """derivative(x), the derivative of f(x) = 1/2 (x - 3)^2, at a vector, a float and a matrix."""
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
    # a matrix, of values that float32 cannot hold exactly: the shape and float64 are kept
    x = np.array([[0.1, 2.7], [-1.3, 3.0]])
    assert_close(run(derivative, x), np.array([[-2.9, -0.3], [-4.3, 0.0]]), call("derivative", x))
    print("derivative: visible tests passed")


@check
def check_batch_loss(batch_loss: Callable) -> None:
    """batch_loss(y, y_gt), the mean of 1/2 (y_i - y_gt_i)^2, on a batch of 4 and one of 3."""
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
    # a batch of 3, of values that float32 cannot hold exactly
    y = np.array([0.3, -1.2, 2.0])
    y_gt = np.array([0.1, 0.4, 2.5])
    assert_close(
        run(batch_loss, y, y_gt),
        0.475,
        call("batch_loss", y, y_gt),
        batch_size=3,
        variants={"divides by 4, the size of the first batch: divide by the batch size "
                  "N = len(y), 3 here": 0.35625},
    )
    print("batch_loss: visible tests passed")
