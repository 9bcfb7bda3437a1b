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
# The pictures of the backward pass: the sigmoid neuron's graph (no arrow crosses a label), and
# the stepper of section 7, which runs the _backward of the lesson's own Values in the order of
# the lesson's topological_order and ends on the gradients of its backward().

NEURON_CELL = "ch02-28"
STEPPER_CELLS = {"ch02-46c": "_stepper", "ch02-46e": "_guesser"}


def _arrow_label_crossings(ax, pad_px: float = 2.0) -> list[tuple[tuple, tuple, str]]:
    """(arrow start, arrow end, label text) for every arrow of ax that passes through, or
    within pad_px pixels of, a text label or a node box other than its own two ends (in display
    coordinates)."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Annotation

    if not hasattr(ax.figure.canvas, "get_renderer"):  # a pyplot figure closed after a test
        FigureCanvasAgg(ax.figure)
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
def lesson():
    """The namespace of the lesson's code cells, run in this process up to its second stepper,
    with the neuron's two axes as `_neuron_axes` and the steppers as `_stepper` and `_guesser`."""
    import matplotlib.pyplot as plt

    namespace: dict = {}
    nb = nbformat.read(str(GRAPHS), as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(
            line for line in cell.source.splitlines() if not line.lstrip().startswith("%")
        )
        if cell.id in STEPPER_CELLS:
            source = source.replace("widgets.BackwardStepper(",
                                    f"{STEPPER_CELLS[cell.id]} = widgets.BackwardStepper(")
        exec(compile(source, f"{GRAPHS.name}:{cell.id}", "exec"), namespace)
        if cell.id == NEURON_CELL:
            namespace["_neuron_axes"] = list(namespace["axes"])
        if cell.id == max(STEPPER_CELLS):
            break
    yield namespace
    plt.close("all")


@pytest.mark.slow
def test_the_crossing_check_can_fail(lesson):
    """w2 moved under z: its arrow to z runs through the gradient label under z."""
    import matplotlib.pyplot as plt

    from bp2yolo import viz

    graph = lesson["neuron_sum"]
    _, ax = plt.subplots(figsize=(8.5, 4.4), layout="constrained")
    viz.draw_graph(**{**graph, "positions": {**graph["positions"], "w2": (5.6, -0.3)}},
                   values=lesson["values"], grads=lesson["grads"], ax=ax, output="f")
    assert [c[2] for c in _arrow_label_crossings(ax)] == ["∂f/∂z = 0.1966"]


@pytest.mark.slow
def test_no_arrow_of_the_neuron_crosses_a_label(lesson):
    for ax in lesson["_neuron_axes"]:
        assert _arrow_label_crossings(ax) == []


@pytest.mark.slow
def test_the_steppers_run_the_lessons_graph_to_the_gradients_of_its_backward(lesson):
    stepper, guesser = lesson["_stepper"], lesson["_guesser"]
    assert not stepper.guess and guesser.guess
    stepper.slider.value = stepper.slider.max
    assert _arrow_label_crossings(stepper.ax) == []
    root, names = lesson["my_graph"]()
    root.backward()
    want = {name: node.grad for name, node in names.items()}
    assert stepper.grads() == want
    assert want == {"x": -4.0, "y": -4.0, "z": 3.0, "q": -4.0, "f": 1.0}  # as in section 4
    while guesser.state.asked():
        expected = guesser.state.expected()
        for name, box in guesser.boxes.items():
            box.value = str(expected[name])
        guesser.check_button.click()
        assert "right" in guesser.verdict.value
    assert guesser.grads() == want
