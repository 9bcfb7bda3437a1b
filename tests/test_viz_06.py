"""Chapter 06's plots and its hyperparameter widget, on small made-up inputs (fast)."""

from __future__ import annotations

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb

from bp2yolo import viz, widgets

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ---------------------------------------------------------------------------------------------
# viz


def test_plot_loss_curve_draws_every_step_and_the_epoch_means():
    losses = [4.0, 2.0, 1.0, 1.0, 0.5]  # 2 steps per epoch: the last epoch has one step
    ax = viz.plot_loss_curve(losses, steps_per_epoch=2, title="t")
    assert isinstance(ax, Axes) and ax.get_title() == "t" and ax.get_yscale() == "log"
    steps, means = ax.get_lines()
    np.testing.assert_allclose(steps.get_xdata(), [0.5, 1.0, 1.5, 2.0, 2.5])  # in epochs
    np.testing.assert_allclose(means.get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(means.get_ydata(), [3.0, 1.0, 0.5])
    assert ax.get_xlabel() == "epoch"


def test_plot_loss_curve_without_epochs_and_with_a_diverged_run():
    ax = viz.plot_loss_curve([1.0, np.inf, np.nan, 2.0], log=False)
    (steps,) = ax.get_lines()
    ys = steps.get_ydata()
    assert ys[0] == 1.0 and np.isnan(ys[1]) and np.isnan(ys[2]) and ys[3] == 2.0
    assert ax.get_xlabel() == "step" and ax.get_yscale() == "linear"
    with np.errstate(all="raise"):  # an epoch of nothing but nan losses is a nan mean, quietly
        ax = viz.plot_loss_curve([np.nan, np.nan, 1.0, 1.0], steps_per_epoch=2)
    assert np.isnan(ax.get_lines()[1].get_ydata()[0])


def test_plot_accuracy_curves_labels_each_set_with_its_last_value():
    ax = viz.plot_accuracy_curves({"train": [0.5, 0.9, 1.0], "validation": [0.4, 0.8, 0.95]})
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["train (last 1.000)", "validation (last 0.950)"]
    np.testing.assert_allclose(ax.get_lines()[1].get_xdata(), [1, 2, 3])
    bottom, top = ax.get_ylim()
    assert bottom <= 0.4 and top >= 1.0
    high = viz.plot_accuracy_curves({"train": [0.97, 0.99]})
    assert high.get_ylim()[0] == pytest.approx(0.9)  # at most 0.9 at the bottom
    assert viz.plot_accuracy_curves({"train": [0.5]}, bottom=0.0).get_ylim()[0] == 0.0


def test_show_weight_images_draws_each_column_as_an_image():
    W = np.arange(64 * 3, dtype=float).reshape(64, 3) - 90.0
    fig = viz.show_weight_images(W, title="W1")
    drawn = [ax for ax in fig.axes if ax.get_images()]
    assert len(drawn) == 3
    np.testing.assert_allclose(drawn[1].get_images()[0].get_array(), W[:, 1].reshape(8, 8))
    top = np.abs(W[:, 1]).max()
    assert drawn[1].get_images()[0].get_clim() == (-top, top)  # 0 is white
    assert [ax.get_title() for ax in drawn] == ["unit 0", "unit 1", "unit 2"]
    # a colour bar says what the colours mean: its ends are each unit's -max |w| and +max |w|
    (bar,) = [ax for ax in fig.axes if ax.get_label() == "colour scale"]
    assert [t.get_text() for t in bar.get_xticklabels()] == ["\N{MINUS SIGN}max |w|", "0",
                                                            "+max |w|"]
    assert bar.get_xlim() == (-1.0, 1.0)
    assert " ".join(bar.get_xlabel().split()) == viz.WEIGHT_SCALE_LABEL
    assert "red raises" in viz.WEIGHT_SCALE_LABEL and "blue lowers" in viz.WEIGHT_SCALE_LABEL
    assert bar.collections or bar.get_images()  # the colours themselves are drawn
    top_of_bar = bar.get_position().y1
    assert all(ax.get_position().y0 > top_of_bar for ax in drawn)  # under the images
    labelled = viz.show_weight_images(W, scale_label="red: more ink than the mean image")
    (bar,) = [ax for ax in labelled.axes if ax.get_label() == "colour scale"]
    assert bar.get_xlabel() == "red: more ink than the mean image"
    assert len([ax for ax in viz.show_weight_images(np.ones((64, 50)), max_images=12).axes
                if ax.get_images()]) == 12
    with pytest.raises(ValueError, match=r"should have shape \(64, H\)"):
        viz.show_weight_images(np.ones((3, 64)))


def test_confusion_counts_counts_true_rows_against_predicted_columns():
    y_true = [0, 0, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 2, 0, 2]
    counts = viz.confusion_counts(y_true, y_pred)
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert counts.dtype == np.int64
    assert counts.sum(axis=1).tolist() == [2, 1, 3]  # the examples of each class
    assert np.trace(counts) == 4  # the correct predictions
    assert viz.confusion_counts([1], [1], n_classes=4).shape == (4, 4)
    with pytest.raises(ValueError, match="3 labels but y_pred has 2"):
        viz.confusion_counts([0, 1, 2], [0, 1])
    with pytest.raises(ValueError, match="labels should be in 0..1"):
        viz.confusion_counts([0, 2], [0, 1], n_classes=2)


def test_plot_confusion_matrix_writes_the_nonzero_counts_and_colours_the_mistakes():
    counts = np.array([[5, 0, 1], [0, 3, 0], [2, 0, 4]])
    ax = viz.plot_confusion_matrix(counts, labels=["a", "b", "c"], title="cm")
    assert sorted(t.get_text() for t in ax.texts) == ["1", "2", "3", "4", "5"]
    colours = ax.get_images()[0].get_array()
    assert tuple(colours[1, 0]) == (1.0, 1.0, 1.0)  # a zero: white
    np.testing.assert_allclose(colours[0, 0], to_rgb(viz.GREEN))  # the largest count, in full
    r, g, _ = colours[2, 2]
    assert g > r  # a right answer: green
    r, g, _ = colours[2, 0]
    assert r > g  # a mistake: red
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="square"):
        viz.plot_confusion_matrix(np.zeros((2, 3)))


def test_show_digit_gallery_titles_mistakes_in_red():
    images = np.linspace(0, 1, 3 * 64).reshape(3, 64)
    fig = viz.show_digit_gallery(images, [3, 5, 8], [3, 6, 8])
    drawn = [ax for ax in fig.axes if ax.get_images()]
    assert len(drawn) == 3
    titles = [ax.title for ax in drawn]
    assert [t.get_text() for t in titles] == ["true 3 / pred 3", "true 5 / pred 6",
                                              "true 8 / pred 8"]
    assert titles[1].get_color() == viz.RED and titles[0].get_color() == "black"
    np.testing.assert_allclose(drawn[2].get_images()[0].get_array(), images[2].reshape(8, 8))
    plain = viz.show_digit_gallery(images.reshape(3, 8, 8), [1, 2, 3], max_images=2)
    assert [ax.get_title() for ax in plain.axes if ax.get_images()] == ["1", "2"]
    with pytest.raises(ValueError, match="one entry per image"):
        viz.show_digit_gallery(images, [1, 2])


def test_plot_decision_boundary_calls_predict_once_on_a_grid():
    calls = []

    def predict(points):
        calls.append(points.shape)
        return (points[:, 0] > 0).astype(int)  # a vertical boundary at x = 0

    x = np.array([[-1.0, -1.0], [1.0, 1.0], [-0.5, 0.5]])
    ax = viz.plot_decision_boundary(predict, x, np.array([0, 1, 0]), grid=30, title="b")
    assert calls == [(900, 2)]
    assert len(ax.collections) >= 2  # the filled regions and the points
    assert ax.get_xlim()[0] < -1.0 and ax.get_xlim()[1] > 1.0  # a margin around the points
    assert ax.get_title() == "b"


# ---------------------------------------------------------------------------------------------
# HyperparameterWidget


class FakeTraining:
    """A training function as a lesson would pass it: counts its calls, returns a history whose
    numbers depend on the setting (so that each setting draws a different picture)."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, float, float]] = []

    def __call__(self, *, hidden: int, lr: float, reg: float) -> dict:
        self.calls.append((hidden, lr, reg))
        steps = np.arange(20)
        loss = 2.0 * np.exp(-lr * steps / 4) + reg + 1.0 / hidden
        top = 1.0 - reg
        return {"loss": loss.tolist(),
                "accuracy": {"train": np.linspace(0.5, top, 5).tolist(),
                             "validation": np.linspace(0.4, top - 0.02, 5).tolist()}}


def make(**options) -> tuple[widgets.HyperparameterWidget, FakeTraining]:
    fake = FakeTraining()
    kwargs = {"hidden": (50, 10, 200), "lr": (0.5, 0.01, 1.0), "reg": (1e-3, 1e-5, 1e-1),
              "steps_per_epoch": 4, **options}
    return widgets.HyperparameterWidget(fake, **kwargs), fake


def test_widget_trains_once_and_draws_loss_and_accuracies():
    w, fake = make(title="digits")
    assert fake.calls == [(50, 0.5, 0.001)]
    assert bytes(w.image.value).startswith(PNG)
    assert isinstance(w.hidden_slider, ipywidgets.IntSlider)
    assert isinstance(w.lr_slider, ipywidgets.FloatLogSlider)
    assert isinstance(w.reg_slider, ipywidgets.FloatLogSlider)
    steps, means = w.loss_ax.get_lines()
    np.testing.assert_allclose(steps.get_ydata(), fake(hidden=50, lr=0.5, reg=1e-3)["loss"])
    assert len(means.get_xdata()) == 5  # 20 steps, 4 per epoch
    assert [line.get_label() for line in w.acc_ax.get_lines()] == [
        "train (last 0.999)", "validation (last 0.979)"]
    assert "trained now in" in w.readout.value
    assert "validation accuracy after the last epoch: <b>0.979</b>" in w.readout.value
    assert "H = 50, learning rate = 0.5, regularization = 0.001" in w.fig._suptitle.get_text()


def test_a_slider_change_retrains_and_redraws_and_going_back_uses_the_cache():
    w, fake = make()
    first = bytes(w.image.value)
    w.hidden_slider.value = 60
    assert fake.calls[-1] == (60, 0.5, 0.001) and len(fake.calls) == 2
    assert bytes(w.image.value) != first
    w.lr_slider.value = 0.1
    assert fake.calls[-1] == (60, 0.1, 0.001)
    w.hidden_slider.value = 50
    w.lr_slider.value = 0.5  # back to the first setting
    assert len(fake.calls) == 4  # (50, 0.1) was new; (50, 0.5) came from the cache
    assert "from the cache" in w.readout.value
    assert bytes(w.image.value) == first


def test_widget_rounds_values_and_starts_from_a_given_cache():
    known = FakeTraining()(hidden=50, lr=0.5, reg=0.001)
    w, fake = make(cache={(50, 0.5, 0.001): known})
    assert fake.calls == []  # the first picture came from the cache
    assert "from the cache" in w.readout.value
    w.reg_slider.value = 10 ** -2.7  # 0.0019952...: passed on rounded to 3 digits
    assert fake.calls == [(50, 0.5, 0.002)]
    assert w.setting() == (50, 0.5, 0.002) == widgets.HyperparameterWidget.key(50.0, 0.5, 0.002)


def test_widget_reports_a_diverged_run():
    def diverging(*, hidden, lr, reg):
        return {"loss": [2.0, 50.0, np.inf, np.nan],
                "accuracy": {"train": [0.1, 0.1], "validation": [0.1, 0.1]}}

    w = widgets.HyperparameterWidget(diverging, steps_per_epoch=2)
    assert "training diverged" in w.readout.value
    assert bytes(w.image.value).startswith(PNG)
