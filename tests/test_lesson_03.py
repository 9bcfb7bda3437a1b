"""Lesson 03 (backprop through a network): the worked numbers of COURSE.md, computed by its code."""

from __future__ import annotations

import re

import pytest
from lessons import first_missing, numbers_in_prose, printed
from notebooks import ROOT, execute

NETWORK = ROOT / "course" / "03_backprop_through_a_network.ipynb"

# The 2-2-2 network of COURSE.md, in the order the lesson prints it (9 decimals).
WORKED_EXAMPLE = [
    ("E", 0.298371109),
    ("dE/dw5", 0.082167041),
    ("new_w5", 0.35891648),
    ("dE/dw1", 0.000438568),
    ("new_w1", 0.149780716),
    ("E_after_1_update", 0.291027774),
]
# Printed with 3 significant digits.
AFTER_TRAINING = [("E_after_10000_updates", 3.51e-5)]
RESULTS_NOT_INPUTS = [
    "0.298371109", "0.082167041", "0.35891648", "0.358916480", "0.000438568", "0.149780716",
    "0.291027774", "3.51e-5", "3.51e-05", "0.0000351", "22.7", "188.5", "74.8",
]


def test_worked_results_are_not_typed_into_the_prose():
    """The worked example's results appear in outputs only, never in a Markdown cell."""
    assert not numbers_in_prose(NETWORK, RESULTS_NOT_INPUTS)


@pytest.mark.slow
def test_network_lesson_prints_the_worked_example():
    run = execute(NETWORK)
    assert run.error is None, run.error
    found = printed(run.text())
    for wanted, tol in [(WORKED_EXAMPLE, 1e-9), (AFTER_TRAINING, 5e-8)]:
        missing = first_missing(found, wanted, tol=tol)
        assert missing is None, f"{NETWORK.name} does not print {missing[0]} = {missing[1]}"


@pytest.mark.slow
def test_network_lesson_computes_how_much_smaller_the_hidden_gradients_are():
    """Each output weight's gradient over each hidden weight's, in size: computed, not typed."""
    found = dict(printed(execute(NETWORK).text()))
    assert found["smallest_ratio"] == pytest.approx(22.7, abs=0.05)
    assert found["largest_ratio"] == pytest.approx(188.5, abs=0.05)
    assert found["smallest_ratio"] < found["ratio_of_the_means"] < found["largest_ratio"]


@pytest.mark.slow
def test_network_lesson_checks_its_gradients_against_autograd():
    found = dict(printed(execute(NETWORK).text()))
    assert found["max_rel_error"] <= 1e-12  # squared error
    assert found["max_rel_error_bce"] <= 1e-12  # binary cross-entropy, same hidden recursion


@pytest.mark.slow
def test_network_lesson_shows_the_updated_weights_mistake():
    """The hidden deltas computed with the already updated output weights give the value a
    widely read walk-through reports after the first update."""
    found = dict(printed(execute(NETWORK).text()))
    assert found["E_after_1_update_new_output_weights"] == pytest.approx(0.291027924, abs=1e-9)


@pytest.mark.slow
def test_network_lesson_shows_the_squared_error_stalling():
    """From a confidently wrong start the squared error needs far more steps than BCE."""
    text = execute(NETWORK).text()
    found = dict(printed(text))
    mse, bce = found["steps_to_o>0.5_squared_error"], found["steps_to_o>0.5_cross_entropy"]
    assert bce <= 10 and mse >= 20 * bce, (mse, bce)
    assert re.search(r"squared-error delta -0\.002\d+, cross-entropy delta -0\.99\d+", text)
