"""Lesson 02 (computational graphs): the worked numbers of COURSE.md, computed by its code."""

from __future__ import annotations

import math
import re

import nbformat
import pytest
from lessons import first_missing, numbers_in_prose, printed
from notebooks import ROOT, execute

GRAPHS = ROOT / "course" / "02_computational_graphs.ipynb"


def _sigmoid_neuron() -> dict[str, float]:
    """f = sigma(w0 x0 + w1 x1 + w2) at w = (2, -3, -3), x = (-1, -2) and its gradients,
    worked out here independently of the lesson."""
    w0, w1, w2, x0, x1 = 2.0, -3.0, -3.0, -1.0, -2.0
    f = 1.0 / (1.0 + math.exp(-(w0 * x0 + w1 * x1 + w2)))
    s = f * (1.0 - f)
    return {"f": f, "df/dx0": w0 * s, "df/dx1": w1 * s, "df/dw0": x0 * s, "df/dw1": x1 * s,
            "df/dw2": s}


# In the order the lesson prints them.
EXACT = [
    # 2 apples at 100 with tax 1.1; the backward pass 1 -> 1.1 -> 2.2
    ("price", 220.0),
    ("dprice/dprice", 1.0),
    ("dprice/dapple_price", 1.1),
    ("dprice/dapple", 2.2),
    ("dprice/dapple_num", 110.0),
    ("dprice/dtax", 200.0),
    # and 3 oranges at 150
    ("price", 715.0),
    ("dprice/dapple", 2.2),
    ("dprice/dapple_num", 110.0),
    ("dprice/dorange", 3.3),
    ("dprice/dorange_num", 165.0),
    ("dprice/dtax", 650.0),
    # the multiply gate: 10 x 5 with upstream 1.3
    ("x*y", 50.0),
    ("dL/dx", 6.5),
    ("dL/dy", 13.0),
    # f = (x + y) z at (-2, 5, -4)
    ("f", -12.0),
    ("df/dx", -4.0),
    ("df/dy", -4.0),
    ("df/dz", 3.0),
]
# The sigmoid neuron: COURSE.md's rounded values, and the exact ones.
NEURON_ROUNDED = [
    ("f", 0.73),
    ("df/dx0", 0.39),
    ("df/dx1", -0.59),
    ("df/dw0", -0.2),
    ("df/dw1", -0.39),
    ("df/dw2", 0.2),
]
NEURON_EXACT = list(_sigmoid_neuron().items())
RESULTS_NOT_INPUTS = [
    "220", "2.2", "110", "200", "715", "3.3", "165", "650", "6.5", "13", "-12", "12",
    "0.73", "0.731", "0.39", "0.393", "-0.39", "0.59", "-0.59", "0.2", "-0.2", "0.197", "0.1966",
]
AUTOGRAD_CHECKS = [
    "add", "multiply", "max", "x * x", "(x + y) z", "sigmoid neuron", "random graph, 40 nodes",
    "sigma' and sigma''",
]


def test_worked_results_are_not_typed_into_the_prose():
    """The worked examples' results appear in outputs only, never in a Markdown cell."""
    assert not numbers_in_prose(GRAPHS, RESULTS_NOT_INPUTS)


@pytest.fixture(scope="module")
def text() -> str:
    run = execute(GRAPHS)
    assert run.error is None, run.error
    return run.text()


@pytest.mark.slow
def test_lesson_prints_the_worked_examples(text):
    found = printed(text)
    missing = first_missing(found, EXACT, tol=1e-9)
    assert missing is None, f"02_computational_graphs.ipynb does not print {missing}"
    neuron = found[found.index(("df/dz", 3.0)) + 1 :]
    for wanted, tol in [(NEURON_EXACT, 1e-9), (NEURON_ROUNDED, 0.005)]:
        missing = first_missing(neuron, wanted, tol=tol)
        assert missing is None, f"the sigmoid neuron: no {missing[0]} = {missing[1]} (tol {tol})"


@pytest.mark.slow
def test_lesson_checks_its_gradients_against_autograd(text):
    rows = dict(re.findall(r"^autograd check \((.+)\): relative error (\S+)$", text, re.M))
    assert sorted(rows) == sorted(AUTOGRAD_CHECKS), rows
    for name, err in rows.items():
        assert float(err) <= 1e-12, f"{name}: relative error {err}"
    agree = re.findall(r"relative error (\S+)$", text, re.M)
    assert len(agree) >= len(AUTOGRAD_CHECKS) + 3  # + sigmoid gate, modular code, the engine
    assert all(float(err) <= 1e-12 for err in agree), agree


@pytest.mark.slow
def test_lesson_shows_the_engine_details_and_the_broken_function(text):
    assert re.search(r"^ +Value: b = a \+ a, db/da = 2$", text, re.M)
    assert re.search(r"^ForgetfulValue: b = a \+ a, db/da = 1$", text, re.M)
    # the diamond u = x^2, v = u + 1, f = u v at x = 3: df/dx = (2u + 1) 2x = 114
    grads = dict(re.findall(r"^ *(.+?): df/dx = (\S+)$", text, re.M))
    assert grads == {"topological order": "114", "every path": "174", "depth first": "60",
                     "torch.autograd": "114"}, grads
    assert "methods defined in the class itself: ['forward']" in text
    assert "signature of its forward: (ctx, grad_output)" in text
    assert "TypeError: CopiedMul.forward() takes 2 positional arguments but 3 were given" in text
    assert "NotImplementedError: You must implement either the backward or vjp method" in text
    assert "gradcheck(Mul): True" in text
    assert "gradcheck(NoSwapMul) fails: Jacobian mismatch" in text
    assert "d/dy of dm/dx = 1" in text


def test_max_gate_sends_a_tie_to_x_as_the_assignment_does():
    """The lesson's max gate routes a tie to x (x >= y), the assignment's convention, and says
    that PyTorch splits a tie instead."""
    nb = nbformat.read(str(GRAPHS), as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    prose = " ".join(" ".join(c.source.split()) for c in nb.cells if c.cell_type == "markdown")
    assert re.search(r"^win_x = x >= y\b", code, re.M)
    assert "`torch.maximum` splits a tie" in prose


# ---------------------------------------------------------------------------------------------
# The backward-pass stepper of the sigmoid neuron: no arrow crosses a label, and every step's
# note writes the product upstream × local = gradient so that it cannot be misread.

STEPPER_CELL = "ch02-28"


def _arrow_label_crossings(ax, pad_px: float = 2.0) -> list[tuple[tuple, tuple, str]]:
    """(arrow start, arrow end, label text) for every arrow of ax that passes through, or
    within pad_px pixels of, a text label or a node box other than its own two ends (in display
    coordinates)."""
    import numpy as np
    from matplotlib.text import Annotation

    renderer = ax.figure.canvas.get_renderer()
    ax.figure.draw(renderer)
    arrows = [t for t in ax.texts if isinstance(t, Annotation) and not t.get_text()]
    labels = [t for t in ax.texts if t.get_text()]
    found = []
    for arrow in arrows:
        patch = arrow.arrow_patch
        path = patch.get_transform().transform_path(patch.get_path())
        points = np.concatenate([
            p0 + np.linspace(0.0, 1.0, 60)[:, None] * (p1 - p0)
            for poly in path.to_polygons(closed_only=False)
            for p0, p1 in zip(poly[:-1], poly[1:], strict=True)
        ])
        for label in labels:
            if label.get_bbox_patch() and label.get_position() in (arrow.xy, arrow.xyann):
                continue  # the node box the arrow leaves or points at
            box = (label.get_bbox_patch() or label).get_window_extent(renderer)
            inside = ((points[:, 0] > box.x0 - pad_px) & (points[:, 0] < box.x1 + pad_px)
                      & (points[:, 1] > box.y0 - pad_px) & (points[:, 1] < box.y1 + pad_px))
            if inside.any():
                found.append((arrow.xyann, arrow.xy, label.get_text()))
    return found


@pytest.fixture(scope="module")
def stepper():
    """The lesson's BackwardStepper, built by running the lesson's code cells in this process
    up to and including the stepper's cell, and moved to its last step."""
    import matplotlib.pyplot as plt

    namespace: dict = {}
    nb = nbformat.read(str(GRAPHS), as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(
            line for line in cell.source.splitlines() if not line.lstrip().startswith("%")
        )
        if cell.id == STEPPER_CELL:
            source = source.replace("widgets.BackwardStepper(", "_w = widgets.BackwardStepper(")
        exec(compile(source, f"{GRAPHS.name}:{cell.id}", "exec"), namespace)
        if cell.id == STEPPER_CELL:
            break
    plt.close("all")
    widget = namespace["_w"]
    widget.slider.value = len(widget.steps)
    yield widget
    plt.close(widget.fig)


@pytest.mark.slow
def test_the_crossing_check_can_fail(stepper):
    """The layout the browser review flagged: w2 further down, its arrow to z through the
    gradient label under z."""
    from bp2yolo import widgets

    old = widgets.BackwardStepper(
        {**stepper.positions, "w2": (2.4, -0.6)}, stepper.edges, stepper.values, stepper.steps,
        edge_labels=stepper.edge_labels, title=stepper.title, output=stepper.output,
        start=len(stepper.steps),
    )
    assert [c[2] for c in _arrow_label_crossings(old.ax)] == ["∂f/∂z = 0.1966"]


@pytest.mark.slow
def test_no_arrow_of_the_stepper_crosses_a_label(stepper):
    assert _arrow_label_crossings(stepper.ax) == []


@pytest.mark.slow
def test_every_step_note_writes_upstream_times_local_equals_gradient(stepper):
    """Each note but the first reads "upstream U × local L = G", where L is a number, or a
    formula followed by its value, "L (L = V)": never "× w1 = -3", which reads as a product."""
    note = re.compile(r"upstream (\S+) × local (\S+)(?: \(\2 = (\S+)\))? = (\S+)$")
    for step in stepper.steps[1:]:
        match = note.search(step.note)
        assert match, step.note
        upstream, local, value, grad = match.groups()
        number = float((value or local).replace("−", "-"))
        assert value is not None or re.fullmatch(r"−?\d+", local), step.note  # formula: value
        assert math.isclose(float(upstream) * number, step.grad, rel_tol=1e-3), step.note
        assert math.isclose(float(grad), step.grad, rel_tol=1e-3), step.note
