"""The plotting and widget helpers build on small inputs and react to their sliders (fast)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes

from bp2yolo import viz, widgets

PNG = b"\x89PNG\r\n\x1a\n"

# A toy problem, defined here as a lesson would: L = 1/2 (w x + b - t)^2 at one example.
X, T = 1.5, 0.8


def loss(w, b):
    return 0.5 * (w * X + b - T) ** 2


def grad(w, b):
    r = w * X + b - T
    return r * X, r


def step(w, b, dw, db, lr):
    return w - lr * dw, b - lr * db


def make_widget(**options) -> widgets.LossSurfaceWidget:
    kwargs = {"w_range": (-1.0, 2.0), "b_range": (-1.0, 1.5), "grid": 21, **options}
    return widgets.LossSurfaceWidget(loss, grad, step, w0=0.8, b0=0.2, lr0=0.1, **kwargs)


# ---------------------------------------------------------------------------------------------
# viz


def test_plot_slopes_draws_f_and_every_line():
    lines = [viz.Line("tangent", 1.0, 3.0), viz.Line("secant", 0.5, 3.25)]
    ax = viz.plot_slopes(lambda x: x**3, lines, xlim=(0.0, 2.0), points=[0.5, 1.0], title="t")
    assert isinstance(ax, Axes)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[:3] == ["f(x)", "tangent (slope 3)", "secant (slope 3.25)"]
    tangent = ax.get_lines()[1]
    xs, ys = tangent.get_data()
    np.testing.assert_allclose(ys, 1.0 + 3.0 * (xs - 1.0))  # through (1, f(1)) with slope 3


def test_plot_step_size_errors_marks_each_minimum_and_survives_zeros():
    hs = np.logspace(-12, -1, 12)
    forward = 1e-16 / hs + hs
    central = 1e-16 / hs + hs**2
    central[3] = 0.0  # an exact hit: no log of zero, no star there
    ax = viz.plot_step_size_errors(
        hs, {"forward": forward, "central": central}, slopes={"forward": 1, "central": 2}
    )
    texts = [t.get_text() for t in ax.texts]
    assert sum(t.startswith("best h") for t in texts) == 2
    assert {"slope 1", "slope 2", "slope -1"} <= set(texts)
    stars = [line for line in ax.get_lines() if line.get_marker() == "*"]
    best_forward = hs[np.argmin(forward)]
    assert stars[0].get_xdata()[0] == best_forward
    assert ax.get_xscale() == ax.get_yscale() == "log"


def test_plot_loss_contour_on_a_precomputed_grid():
    ws, bs, losses = widgets.loss_grid(loss, (-1.0, 2.0), (-1.0, 1.5), n=11)
    fig, ax = plt.subplots()
    filled = viz.plot_loss_contour(ax, ws, bs, losses, levels=8)
    assert len(filled.levels) == 8
    assert ax.get_xlabel() == "w" and ax.get_ylabel() == "b"


def test_draw_graph_shows_values_gradients_and_formulas():
    ax = viz.draw_graph(
        {"x": (0, 0), "y": (2, 0), "L": (4, 0)},
        [("x", "y"), ("y", "L")],
        values={"x": 1.5, "y": 1.4},
        grads={"y": 0.6, "x": "upstream × local"},
        edge_labels={("x", "y"): "∂y/∂x = w"},
        title="g",
    )
    texts = {t.get_text() for t in ax.texts}
    expected = {"x\n1.5", "y\n1.4", "L", "∂L/∂y = 0.6", "∂L/∂x = upstream × local", "∂y/∂x = w"}
    assert expected <= texts


# ---------------------------------------------------------------------------------------------
# widgets


def test_loss_grid_vectorized_and_per_point_agree():
    data = np.array([0.5, 1.0, 2.0])

    def mean_loss(w, b):  # does not broadcast against a grid: the helper falls back
        return np.mean(0.5 * (w * data + b) ** 2)

    ws, bs, fast = widgets.loss_grid(loss, (0.0, 1.0), (0.0, 1.0), n=5)
    assert fast.shape == ws.shape == bs.shape == (5, 5)
    np.testing.assert_allclose(fast, loss(ws, bs))
    _, _, slow = widgets.loss_grid(mean_loss, (0.0, 1.0), (0.0, 1.0), n=5)
    assert slow[2, 3] == pytest.approx(mean_loss(ws[2, 3], bs[2, 3]))


def test_widget_builds_with_a_picture_and_a_readout():
    w = make_widget(title="toy", minimum=(0.4, 0.2))
    assert bytes(w.image.value).startswith(PNG)
    assert w.point.get_xydata().tolist() == [[0.8, 0.2]]
    assert "L(w, b) = 0.18" in w.readout.value
    assert "(0.9, 0.6)" in w.readout.value
    assert "w = 0.71, b = 0.14" in w.readout.value
    assert w.steps_slider.value == 1 and len(w.path.get_xdata()) == 2


def test_moving_a_slider_redraws_point_arrows_readout_and_image():
    w = make_widget()
    before = bytes(w.image.value)
    w.w_slider.value = 0.5
    assert w.point.get_xydata().tolist() == [[0.5, 0.2]]
    dw, db = grad(0.5, 0.2)
    start, end = w.grad_arrow._posA_posB
    np.testing.assert_allclose(start, (0.5, 0.2))
    np.testing.assert_allclose(end, (0.5 + dw, 0.2 + db))
    assert f"L(w, b) = {loss(0.5, 0.2):.4g}" in w.readout.value
    assert bytes(w.image.value) != before

    w.lr_slider.value = 0.2
    np.testing.assert_allclose(w.step_arrow._posA_posB[1], step(0.5, 0.2, dw, db, 0.2))

    w.steps_slider.value = 7
    assert len(w.path.get_xdata()) == 8
    assert "after 7 steps" in w.readout.value


def test_widget_uses_the_callables_it_is_given():
    """The widget computes no gradient or step of its own: it follows what it is passed."""
    calls = []

    def odd_grad(w, b):
        calls.append((w, b))
        return 1.0, -2.0

    def odd_step(w, b, dw, db, lr):
        return w + 0.25, b  # not gradient descent at all

    w = widgets.LossSurfaceWidget(
        loss, odd_grad, odd_step, w0=0.0, b0=0.0, lr0=0.1, w_range=(-1.0, 2.0),
        b_range=(-1.0, 1.5), grid=11,
    )
    assert calls and calls[0] == (0.0, 0.0)
    np.testing.assert_allclose(w.grad_arrow._posA_posB[1], (1.0, -2.0))
    w.steps_slider.value = 3
    np.testing.assert_allclose(w.path.get_xdata(), [0.0, 0.25, 0.5, 0.75])
    np.testing.assert_allclose(w.path.get_ydata(), [0.0, 0.0, 0.0, 0.0])


def test_widget_reports_divergence_and_stops_the_path():
    w = make_widget()
    w.lr_slider.value = 2.0  # far above 2 / (x^2 + 1): the residual grows by 5.5x per step
    w.steps_slider.value = 30
    assert "diverged" in w.readout.value
    assert len(w.path.get_xdata()) < 31
    assert np.all(np.isfinite(w.path.get_xydata()))


# ---------------------------------------------------------------------------------------------
# The backward-pass stepper (lesson 02): it steps through a graph built with the lesson's own
# Value, calling each node's _backward in the order the lesson's topological_order gives.


def lesson_engine() -> dict:
    """The lesson's Value and topological_order, from its code cell (run here, in a dict)."""
    import nbformat
    from notebooks import ROOT

    nb = nbformat.read(ROOT / "course" / "02_computational_graphs.ipynb", as_version=4)
    (source,) = [c.source for c in nb.cells if c.cell_type == "code"
                 and "class Value:" in c.source and "def topological_order" in c.source]
    engine: dict = {}
    exec(compile(source, "lesson 02: Value", "exec"), engine)
    return engine


ENGINE = lesson_engine()
Value, topological_order = ENGINE["Value"], ENGINE["topological_order"]


def backward_order(root) -> list:
    return list(reversed(topological_order(root)))


def lesson_example():
    """f = (x + y) z at (-2, 5, -4), the lesson's example."""
    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    q = x + y
    f = q * z
    return f, {"x": x, "y": y, "z": z, "q": q, "f": f}


def twice_used():
    """b = a + a, c = b * w: a is both parents of b, its gradient comes in two parts."""
    a, w = Value(3.0), Value(-1.5)
    b = a + a
    c = b * w
    return c, {"a": a, "w": w, "b": b, "c": c}


def diamond():
    """u = x x, v = u + 1, f = u v: an intermediate node used twice."""
    x = Value(3.0)
    u = x * x
    f = u * (u + 1.0)
    return f, {"x": x, "u": u, "f": f}


def full_backward(build) -> dict[str, float]:
    """The gradients the lesson's own backward() gives, on a fresh copy of the graph."""
    root, names = build()
    root.backward()
    return {name: node.grad for name, node in names.items()}


def run_to_the_end(build) -> tuple[widgets.BackwardPass, dict]:
    root, names = build()
    state = widgets.BackwardPass(root, backward_order(root), names)
    state.goto(len(state.steps))
    return state, names


@pytest.mark.parametrize("build", [lesson_example, twice_used, diamond])
def test_stepping_reaches_exactly_the_gradients_of_the_lessons_backward(build):
    state, names = run_to_the_end(build)
    assert {name: node.grad for name, node in names.items()} == full_backward(build)
    assert {name: state.grads()[name] for name in names} == full_backward(build)


def test_a_node_used_twice_collects_both_parts():
    root, names = twice_used()
    state = widgets.BackwardPass(root, backward_order(root), names)
    assert [state.name(n) for n in state.steps] == ["c", "b"]  # the leaves have no step
    assert state.grads() == {"c": 1.0}
    state.step()
    assert state.grads() == {"c": 1.0, "b": -1.5, "w": 6.0}
    state.step()
    assert state.grads()["a"] == -3.0  # -1.5 from each use
    assert "∂c/∂a = -1.5 × 2 = -3" in state.note(2)
    assert state.edge_labels() == {("a", "b"): "×2"}
    assert state.edges().count(("a", "b")) == 1


def test_back_restores_the_gradients_and_goto_stays_within_bounds():
    root, names = lesson_example()
    state = widgets.BackwardPass(root, backward_order(root), names)
    state.goto(99)
    assert state.k == 2 and names["x"].grad == -4.0
    state.back()
    assert state.k == 1 and names["x"].grad == 0.0 and names["q"].grad == -4.0
    state.goto(-5)
    assert state.k == 0 and state.grads() == {"f": 1.0} and names["q"].grad == 0.0
    state.step()
    state.step()
    state.step()  # past the end: nothing
    assert state.k == 2 and names["y"].grad == -4.0


def test_the_start_zeroes_gradients_left_by_an_earlier_backward():
    root, names = lesson_example()
    root.backward()
    root.backward()  # twice: every gradient doubled
    state = widgets.BackwardPass(root, backward_order(root), names)
    assert [n.grad for n in names.values()] == [0.0, 0.0, 0.0, 0.0, 1.0]
    state.goto(2)
    assert names["x"].grad == -4.0


def test_the_pass_follows_the_order_and_the_nodes_it_is_given():
    """No rule of its own: the order given is the order run (here the wrong one, inputs first,
    leaves f's parents without a gradient), and the numbers are what each _backward adds."""
    root, names = lesson_example()
    state = widgets.BackwardPass(root, topological_order(root), names)
    state.goto(2)
    assert [state.name(n) for n in state.steps] == ["q", "f"]
    assert names["x"].grad == 0.0 and names["q"].grad == -4.0

    class Odd:
        def __init__(self, data, parents=()):
            self.data, self.grad, self._parents = data, 0.0, parents
            self._backward = lambda: None

    a = Odd(2.0)
    out = Odd(5.0, (a,))

    def seven():
        a.grad += 7.0 * out.grad

    out._backward = seven
    state = widgets.BackwardPass(out, [out, a], {"a": a, "out": out})
    state.step()
    assert state.grads() == {"out": 1.0, "a": 7.0}


def test_unnamed_nodes_get_names_and_bad_arguments_are_refused():
    root, names = diamond()
    state = widgets.BackwardPass(root, backward_order(root), {"x": names["x"]})
    assert sorted(state.names) == ["t1", "t2", "t3", "t4", "x"]
    assert state.output == "t4"
    with pytest.raises(ValueError, match="misses a parent of f"):
        widgets.BackwardPass(root, [root], {"f": root})
    with pytest.raises(ValueError, match="does not hold root"):
        widgets.BackwardPass(root, backward_order(names["u"]))
    with pytest.raises(ValueError, match="twice"):
        widgets.BackwardPass(root, backward_order(root) * 2)
    other, _ = diamond()
    with pytest.raises(ValueError, match=r"names\['u'\] is not a node of this graph"):
        widgets.BackwardPass(other, backward_order(other), {"u": names["u"]})


def test_layout_puts_every_node_right_of_its_parents_and_apart():
    root, names = diamond()
    state = widgets.BackwardPass(root, backward_order(root), names)
    at = state.positions()
    for parent, node in state.edges():
        assert at[parent][0] < at[node][0]
    points = list(at.values())
    assert len(set(points)) == len(points)


@pytest.mark.parametrize("typed", ["-4", "−4", "-4.02", "-8/2", " -4.0 "])
def test_guess_mode_accepts_the_right_value(typed):
    root, names = lesson_example()
    state = widgets.BackwardPass(root, backward_order(root), names)
    assert state.asked() == ["q", "z"] and state.expected() == {"q": -4.0, "z": 3.0}
    assert state.k == 0 and names["q"].grad == 0.0  # expected() did not move the pass
    verdict = state.check({"q": typed, "z": "3"})
    assert verdict.right and verdict.wrong == () and "right" in verdict.message
    assert state.k == 1 and state.right == state.checked == 1


def test_guess_mode_rejects_a_wrong_value_and_shows_the_correct_one():
    root, names = lesson_example()
    state = widgets.BackwardPass(root, backward_order(root), names)
    state.step()
    verdict = state.check({"x": "4", "y": -4})  # the sign of z forgotten for x
    assert not verdict.right and verdict.wrong == ("x",)
    assert verdict.expected == {"x": -4.0, "y": -4.0}
    assert "∂f/∂x is -4, not 4" in verdict.message
    assert state.k == 2 and state.right == 0 and state.checked == 1


def test_guess_mode_asks_for_the_total_of_a_gradient_in_parts():
    root, names = diamond()
    state = widgets.BackwardPass(root, backward_order(root), names)
    expected = []
    while state.asked():
        expected.append(state.expected())
        assert state.check({k: str(v) for k, v in expected[-1].items()}).right
    assert expected[-1] == {"x": full_backward(diamond)["x"]}  # x * x: both uses at once
    assert state.right == state.checked == len(state.steps)


def test_guess_mode_refuses_what_is_not_a_number_and_does_not_step():
    root, names = lesson_example()
    state = widgets.BackwardPass(root, backward_order(root), names)
    for guesses, message in [({"q": "minus four", "z": "3"}, "cannot read 'minus four'"),
                             ({"q": "", "z": "3"}, "nothing typed"),
                             ({"z": "3"}, "no guess for ∂f/∂q")]:
        with pytest.raises(ValueError, match=message):
            state.check(guesses)
    assert state.k == 0 and state.checked == 0
    state.goto(2)
    with pytest.raises(ValueError, match="done"):
        state.check({})


def test_read_number():
    assert widgets.read_number("-1/4") == -0.25
    assert widgets.read_number("1e-3") == 0.001
    assert widgets.read_number(2) == 2.0
    with pytest.raises(ValueError):
        widgets.read_number("1/0")


def graph_texts(w: widgets.BackwardStepper) -> set[str]:
    return {t.get_text() for t in w.ax.texts}


def framed(w: widgets.BackwardStepper) -> list[str]:
    """The node names whose box is framed in red."""
    return [t.get_text().split("\n")[0] for t in w.ax.texts
            if t.get_bbox_patch() is not None and t.get_bbox_patch().get_linewidth() > 2]


def test_stepper_builds_headless_and_steps_with_its_buttons_and_slider():
    root, names = lesson_example()
    w = widgets.BackwardStepper(root, backward_order(root), names)
    assert bytes(w.image.value).startswith(PNG)
    assert {"x\n-2", "q\n3", "f\n-12", "∂f/∂f = 1"} <= graph_texts(w)
    assert "∂f/∂q = -4" not in graph_texts(w) and framed(w) == []
    assert w.back_button.disabled and not w.next_button.disabled
    assert "2 nodes have a _backward" in w.readout.value and "x, y, z" in w.readout.value
    before = bytes(w.image.value)
    w.next_button.click()
    assert {"∂f/∂q = -4", "∂f/∂z = 3"} <= graph_texts(w) and framed(w) == ["f"]
    assert "step 1 of 2" in w.readout.value and "∂f/∂q = 1 × -4 = -4" in w.readout.value
    assert bytes(w.image.value) != before
    w.slider.value = 2
    assert "∂f/∂x = -4" in graph_texts(w) and w.next_button.disabled
    assert "Backward pass done" in w.readout.value
    w.back_button.click()
    assert w.slider.value == 1 and names["x"].grad == 0.0


def test_stepper_labels_are_readable():
    """Every text of the picture is at least 11 pixels high at the resolution it is shown."""
    root, names = twice_used()
    w = widgets.BackwardStepper(root, backward_order(root), names)
    w.step(2)
    sizes = [t.get_fontsize() for t in w.ax.texts if t.get_text()]
    assert sizes and min(sizes) * 100 / 72 >= 11


def test_guess_stepper_checks_reveals_and_restarts_headless():
    root, names = lesson_example()
    w = widgets.BackwardStepper(root, backward_order(root), names, guess=True)
    assert bytes(w.image.value).startswith(PNG)
    assert list(w.boxes) == ["q", "z"] and framed(w) == ["f"]
    assert "f._backward()" in w.question.value
    w.check_button.click()  # nothing typed: told so, nothing revealed
    assert "nothing typed" in w.verdict.value and w.state.k == 0
    w.boxes["q"].value, w.boxes["z"].value = "-4", "3"
    w.check_button.click()
    assert "right" in w.verdict.value and w.state.k == 1
    assert {"∂f/∂q = -4", "∂f/∂z = 3"} <= graph_texts(w) and framed(w) == ["q"]
    assert list(w.boxes) == ["x", "y"]
    w.boxes["x"].value, w.boxes["y"].value = "4", "-4"
    w.check_button.click()
    assert "∂f/∂x is -4, not 4" in w.verdict.value
    assert "1 of 2" in w.question.value and w.check_button.disabled and not w.boxes
    assert w.answer.layout.display == "none"
    w.restart_button.click()
    assert w.state.k == 0 and w.state.checked == 0 and list(w.boxes) == ["q", "z"]
    assert w.answer.layout.display is None
    before = bytes(w.image.value)
    w.reveal_button.click()
    assert "revealed: ∂f/∂q = -4, ∂f/∂z = 3" in w.verdict.value and w.state.checked == 0
    assert bytes(w.image.value) != before


def test_two_steppers_on_the_same_nodes_do_not_disturb_each_other():
    root, names = lesson_example()
    one = widgets.BackwardStepper(root, backward_order(root), names)
    two = widgets.BackwardStepper(root, backward_order(root), names, guess=True)
    one.step(2)
    assert two.state.expected() == {"q": -4.0, "z": 3.0}
    two.reveal_button.click()
    one.step(-1)
    one.step(1)
    assert one.grads() == {"f": 1.0, "q": -4.0, "z": 3.0, "x": -4.0, "y": -4.0}
