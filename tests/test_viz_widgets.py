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
