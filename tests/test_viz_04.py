"""viz.draw_matrix and widgets.JacobianWidget, used by lesson 04 (fast)."""

from __future__ import annotations

import ipywidgets
import numpy as np
import pytest
from matplotlib.axes import Axes

from bp2yolo import viz, widgets

PNG = b"\x89PNG\r\n\x1a\n"


def test_draw_matrix_writes_every_entry_and_leaves_zeros_white():
    ax = viz.draw_matrix(np.array([[1.5, 0.0], [-0.25, 2.0]]), title="J")
    assert isinstance(ax, Axes) and ax.get_title() == "J"
    assert [t.get_text() for t in ax.texts] == ["1.5", "0", "-0.25", "2"]
    image = ax.get_images()[0]
    data = image.get_array()
    assert data.mask.tolist() == [[False, True], [False, False]]  # the exact zero: masked, white
    assert image.get_clim() == (-2.0, 2.0)  # symmetric: 0 in the middle of the colour map


def test_draw_matrix_draws_a_vector_as_one_row_and_skips_numbers_when_large():
    ax = viz.draw_matrix([0.5, -1.0, 0.0], vmax=4.0)
    assert ax.get_images()[0].get_array().shape == (1, 3)
    assert ax.get_images()[0].get_clim() == (-4.0, 4.0)
    big = viz.draw_matrix(np.eye(40))
    assert len(big.texts) == 0
    with pytest.raises(ValueError, match="1-D or 2-D"):
        viz.draw_matrix(np.zeros((2, 2, 2)))


# A lesson's functions, written here: forward, Jacobian, backward.
def _double(x):
    return 2.0 * x


def _double_jacobian(x):
    return 2.0 * np.eye(x.size)


def _double_backward(x, dout):
    return 2.0 * dout


def _total(x):
    return float(np.sum(x))


def _total_backward(x, dout):
    assert isinstance(dout, float)  # a number y gets a number dout
    return dout * np.ones_like(x)


FUNCTIONS = {
    "double": (_double, _double_jacobian, _double_backward),
    "sum": (_total, lambda x: np.ones(x.size), _total_backward),
    "wrong": (_double, _double_jacobian, lambda x, dout: dout),  # a backward that is off
}


def make(**options) -> widgets.JacobianWidget:
    return widgets.JacobianWidget(FUNCTIONS, [1.0, -0.5, 2.0], [1.0, -1.0, 0.5], **options)


def test_jacobian_widget_draws_dout_the_jacobian_and_dx():
    w = make()
    assert bytes(w.image.value).startswith(PNG)
    assert isinstance(w.picker, ipywidgets.ToggleButtons) and w.picker.value == "double"
    assert len(w.fig.axes) == 4
    x_ax, dout_ax, jac_ax, dx_ax = w.fig.axes
    np.testing.assert_allclose(x_ax.get_images()[0].get_array(), [w.x()])
    assert dout_ax.get_images()[0].get_array().shape == (3, 1)
    np.testing.assert_allclose(jac_ax.get_images()[0].get_array(), 2.0 * np.eye(3))
    np.testing.assert_allclose(dx_ax.get_images()[0].get_array(), [[2.0, -2.0, 1.0]])
    assert "J: 3 × 3 = 9 entries, 3 nonzero" in w.readout.value
    assert "relative error 0.0e+00" in w.readout.value


def test_jacobian_widget_follows_the_sliders_and_the_picker():
    w = make()
    before = bytes(w.image.value)
    w.dout_sliders[1].value = 2.0
    np.testing.assert_allclose(w.compute()["dx"], [2.0, 4.0, 1.0])
    assert bytes(w.image.value) != before
    w.picker.value = "sum"
    r = w.compute()
    assert r["J"].shape == (1, 3) and r["dout"].tolist() == [1.0]
    assert [s.disabled for s in w.dout_sliders] == [False, True, True]
    assert "(y is a number: one entry)" in w.readout.value
    before = bytes(w.image.value)
    w.x_sliders[0].value = -3.0  # J and dx of a sum do not change with x; the picture shows x
    assert "y = f(x) = [-1.5]" in w.readout.value
    assert bytes(w.image.value) != before
    w.picker.value = "double"
    assert not any(s.disabled for s in w.dout_sliders)


def test_jacobian_widget_shows_a_backward_that_disagrees_with_the_jacobian():
    w = make()
    w.picker.value = "wrong"
    assert "relative error 3.3e-01" in w.readout.value
    assert viz.RED in w.readout.value


def test_jacobian_widget_checks_its_inputs():
    with pytest.raises(ValueError, match="x0 has 3 entries but dout0 has 2"):
        widgets.JacobianWidget(FUNCTIONS, [1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="functions is empty"):
        widgets.JacobianWidget({}, [1.0])
    grow = {"grow": (lambda x: np.ones(2 * x.size), lambda x: np.ones((2 * x.size, x.size)),
                     lambda x, dout: np.zeros(x.size))}
    with pytest.raises(ValueError, match="y has 4 entries, more than x's 2"):
        widgets.JacobianWidget(grow, [1.0, 2.0])
