"""Lesson 01 (chain rule): the worked numbers of COURSE.md, computed by its code."""

from __future__ import annotations

import re

import pytest
from lessons import first_missing, numbers_in_prose, printed
from notebooks import ROOT, execute

CHAIN_RULE = ROOT / "course" / "01_chain_rule.ipynb"

# Chapter 01's worked example, in the order the lesson prints it: x = 1.5, w = 0.8, b = 0.2,
# y_gt = 0.8, then one step of gradient descent with learning rate 0.1.
WORKED_EXAMPLE = [
    ("y", 1.4),
    ("L", 0.18),
    ("dL/dw", 0.9),
    ("dL/db", 0.6),
    ("w", 0.71),
    ("b", 0.14),
    ("y", 1.205),
    ("L", 0.0820125),
]
RESULTS_NOT_INPUTS = ["1.4", "0.18", "0.9", "0.6", "0.71", "0.14", "1.205", "0.0820125"]


def test_worked_results_are_not_typed_into_the_prose():
    """The worked example's results appear in outputs only, never in a Markdown cell."""
    assert not numbers_in_prose(CHAIN_RULE, RESULTS_NOT_INPUTS)


@pytest.mark.slow
def test_chain_rule_lesson_prints_the_worked_example():
    run = execute(CHAIN_RULE)
    assert run.error is None, run.error
    missing = first_missing(printed(run.text()), WORKED_EXAMPLE, tol=1e-12)
    assert missing is None, f"01_chain_rule.ipynb does not print {missing[0]} = {missing[1]}"


@pytest.mark.slow
def test_chain_rule_lesson_checks_the_chained_maps_against_autograd():
    text = execute(CHAIN_RULE).text()
    rows = [line for line in text.splitlines() if "autograd" in line and line.startswith("dL/d")]
    assert len(rows) == 4, rows
    for row in rows:
        errors = [float(e) for e in re.findall(r"rel\. errors ([^ ]+) and ([^ ]+)$", row)[0]]
        assert errors[0] <= 1e-12 and errors[1] <= 1e-6, row
    assert "both sweeps agree with autograd at every depth" in text


def test_loss_surface_shows_the_first_step_at_the_lessons_defaults():
    """At the widget's starting values (the worked example: w = 0.8, b = 0.2, learning rate
    0.1) the first step is short, about 9 points on screen. Its arrow is drawn over the current
    point, and its head lies wholly outside the dot: it is not hidden under it."""
    import math

    import nbformat
    import numpy as np

    from bp2yolo import widgets

    nb = nbformat.read(str(CHAIN_RULE), as_version=4)
    call = "widgets.LossSurfaceWidget(\n    loss_wb, grad_wb, gd_step, w0=w, b0=b, lr0=lr,\n"
    ranges = "w_range=(-1.0, 2.0), b_range=(-1.0, 1.5)"
    (cell,) = [c for c in nb.cells if call in c.source]
    assert ranges in cell.source, "the lesson's widget changed: update this test"
    x, y_gt = 1.5, 0.8

    def loss(w, b):
        return 0.5 * (w * x + b - y_gt) ** 2

    def grad(w, b):
        return (w * x + b - y_gt) * x, w * x + b - y_gt

    def step(w, b, dw, db, lr):
        return w - lr * dw, b - lr * db

    widget = widgets.LossSurfaceWidget(loss, grad, step, w0=0.8, b0=0.2, lr0=0.1,
                                       w_range=(-1.0, 2.0), b_range=(-1.0, 1.5), grid=21)
    start, end = widget.ax.transData.transform(np.array(widget.step_arrow._posA_posB))
    length = math.dist(start, end) * 72 / widget.fig.dpi  # points
    head = 0.4 * widget.step_arrow.get_mutation_scale()  # the "-|>" head's length, in points
    dot = widget.point.get_markersize() / 2  # the dot's radius, in points
    assert widget.step_arrow.get_zorder() > widget.point.get_zorder()
    assert widget.step_arrow.shrinkA == 0, "the step starts at the dot's centre"
    assert length - head > dot + 1, f"{length:.1f} pt step, {head} pt head, {dot} pt dot"
