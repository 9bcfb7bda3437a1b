"""viz.draw_network, viz.network_positions and widgets.CurvesWidget, used by lesson 03 (fast)."""

from __future__ import annotations

import ipywidgets
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.patches import Circle

from bp2yolo import viz, widgets

PNG = b"\x89PNG\r\n\x1a\n"

LAYERS = [["i1", "i2"], ["h1", "h2", "h3"], ["o1"]]


def test_network_positions_put_layers_left_to_right_centred_on_zero():
    pos = viz.network_positions(LAYERS, dx=4.0, dy=2.0)
    assert pos["i1"] == (0.0, 1.0) and pos["i2"] == (0.0, -1.0)
    assert [pos[n] for n in LAYERS[1]] == [(4.0, 2.0), (4.0, 0.0), (4.0, -2.0)]
    assert pos["o1"] == (8.0, 0.0)


def test_draw_network_draws_every_neuron_and_every_edge():
    ax = viz.draw_network(LAYERS, title="t")
    assert isinstance(ax, Axes)
    circles = [p for p in ax.patches if isinstance(p, Circle)]
    assert len(circles) == 6
    arrows = [t for t in ax.texts if t.get_text() == "" and getattr(t, "arrow_patch", None)]
    assert len(arrows) == 2 * 3 + 3 * 1  # fully connected, layer to layer
    assert ax.get_title() == "t"


def test_draw_network_writes_values_grads_edge_labels_and_notes():
    ax = viz.draw_network(
        LAYERS,
        values={"i1": 0.05, "h2": "σ(net)"},
        grads={"o1": 0.1385, "h1": 0.008771354},
        edge_labels={("i1", "h1"): "w1 = 0.15", ("h3", "o1"): "w9"},
        edge_grads={("i1", "h1"): 0.000438568, ("i2", "h3"): "∂E/∂w6 = δ a"},
        notes=["inputs", "", "bias 0.6"],
        grad_name="delta",
    )
    texts = [t.get_text() for t in ax.texts]
    for expected in ["i1\n0.05", "h2\nσ(net)", "i2", "o1", "delta = 0.1385", "delta = 0.008771",
                     "w1 = 0.15", "w9", "0.0004386", "∂E/∂w6 = δ a", "inputs", "bias 0.6"]:
        assert expected in texts, expected
    assert "" in texts  # the arrows; no text for the empty note


def test_edge_labels_of_crossing_edges_do_not_overlap():
    """i1 -> h2 and i2 -> h1 cross at their midpoints: their labels sit a fraction label_at
    of the way from their sources, on opposite sides of the crossing."""
    ax = viz.draw_network([["i1", "i2"], ["h1", "h2"]],
                          edge_labels={("i1", "h2"): "w3", ("i2", "h1"): "w2"})
    where = {t.get_text(): t.xy for t in ax.texts if t.get_text() in ("w2", "w3")}
    assert where["w3"][1] > 0 > where["w2"][1]


def test_draw_network_wants_one_note_per_layer():
    with pytest.raises(ValueError, match="notes has 2 entries but there are 3 layers"):
        viz.draw_network(LAYERS, notes=["a", "b"])


# ---------------------------------------------------------------------------------------------
# widgets.CurvesWidget


def _curves(a, n):
    """Two curves computed from the slider values, as a lesson would."""
    return {"line": a * np.arange(n), "flat": np.full(n, 0.5)}


def test_curves_widget_draws_what_compute_returns():
    w = widgets.CurvesWidget(_curves, {"a": (0.5, 0.0, 2.0), "n": (5, 2, 50)}, xlabel="step",
                             ylabel="y", title="toy", readout=lambda c: f"last {c['line'][-1]:g}")
    assert bytes(w.image.value).startswith(PNG)
    assert isinstance(w.sliders["a"], ipywidgets.FloatSlider)
    assert isinstance(w.sliders["n"], ipywidgets.IntSlider)
    np.testing.assert_allclose(w.lines["line"].get_ydata(), 0.5 * np.arange(5))
    np.testing.assert_allclose(w.lines["flat"].get_xdata(), np.arange(5))
    assert w.readout.value == "last 2"
    assert [t.get_text() for t in w.ax.get_legend().get_texts()] == ["line", "flat"]


def test_curves_widget_recomputes_when_a_slider_moves():
    calls = []

    def compute(a, n):
        calls.append((a, n))
        return _curves(a, n)

    w = widgets.CurvesWidget(compute, {"a": (0.5, 0.0, 2.0), "n": (5, 2, 50)}, ylim=(-1.0, 1.0))
    before = bytes(w.image.value)
    w.sliders["n"].value = 8
    w.sliders["a"].value = 1.0
    assert calls == [(0.5, 5), (0.5, 8), (1.0, 8)]
    np.testing.assert_allclose(w.lines["line"].get_ydata(), np.arange(8.0))
    assert w.ax.get_ylim() == (-1.0, 1.0)  # fixed, although the line goes up to 7
    assert w.ax.get_xlim()[1] >= 7
    assert len(w.lines) == 2 and bytes(w.image.value) != before


def _extent(ax, text):
    renderer = ax.figure.canvas.get_renderer()
    ax.figure.draw(renderer)
    (found,) = [t for t in ax.texts if t.get_text() == text]
    return found.get_window_extent(renderer), renderer


def test_notes_sit_just_under_the_network():
    """The layer notes ('inputs', 'bias b1 = 0.35') come right under the lowest neuron, or
    under its gradient, and the picture ends just under them: no band of empty space."""
    for grads in ({}, {"o1": 0.1385, "h3": -0.0381}):
        ax = viz.draw_network(LAYERS, grads=grads, notes=["inputs", "", "bias 0.6"])
        note, renderer = _extent(ax, "bias 0.6")
        lowest = ax.transData.transform((0, min(
            y for _, y in viz.network_positions(LAYERS).values()) - 0.45))[1]  # a circle's bottom
        above = [t.get_window_extent(renderer).y0 for t in ax.texts
                 if t.get_text().startswith("δ =")] + [lowest]
        points = 72 / ax.figure.dpi
        gap = (min(above) - note.y1) * points
        assert 0 < gap < 12, f"{gap:.1f} points between the network and its notes"
        bottom = ax.transAxes.transform((0, 0))[1]
        assert (note.y0 - bottom) * points < 25, "empty space under the notes"
