"""Chapter 07's plotting and widget helpers: boxes on images, and the IoU widget (fast)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from bp2yolo import viz, widgets  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def rectangles(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def test_draw_boxes_places_centre_format_boxes_and_labels():
    ax = viz.new_axes()
    patches = viz.draw_boxes(ax, [(0.5, 0.5, 0.2, 0.4), (0.25, 0.75, 0.1, 0.1)],
                             texts=["a", None], color="blue", linestyle="--")
    assert len(patches) == 2
    assert patches[0].get_xy() == pytest.approx((0.4, 0.3))
    assert (patches[0].get_width(), patches[0].get_height()) == pytest.approx((0.2, 0.4))
    assert patches[1].get_xy() == pytest.approx((0.2, 0.7))
    assert patches[0].get_linestyle() == "--" and not patches[0].get_fill()
    assert [t.get_text() for t in ax.texts] == ["a"]


def test_draw_boxes_checks_the_number_of_texts():
    with pytest.raises(ValueError, match="2 boxes but 1 texts"):
        viz.draw_boxes(viz.new_axes(), [(0.5, 0.5, 0.1, 0.1)] * 2, texts=["only one"])


def test_draw_boxes_accepts_no_boxes():
    assert viz.draw_boxes(viz.new_axes(), np.zeros((0, 4))) == []


def test_show_boxes_draws_image_grid_truth_and_predictions():
    image = np.linspace(0, 1, 64).reshape(8, 8)
    ax = viz.show_boxes(image, grid=4, truth=[(0.5, 0.5, 0.5, 0.5)],
                        predicted=[(0.4, 0.4, 0.2, 0.2), (0.7, 0.7, 0.1, 0.2)],
                        predicted_texts=["x 0.9", "y 0.3"], title="t")
    assert len(ax.images) == 1 and ax.images[0].get_extent() == [0, 1, 1, 0]
    assert len(ax.lines) == 2 * 3  # 3 horizontal and 3 vertical grid lines
    boxes = rectangles(ax)
    assert len(boxes) == 3
    assert boxes[0].get_linestyle() == "--"  # truth first, dashed
    assert [t.get_text() for t in ax.texts] == ["x 0.9", "y 0.3"]
    assert ax.get_ylim() == (1, 0)  # y points down, as in an image


def test_show_boxes_without_an_image():
    ax = viz.show_boxes(grid=2)
    assert len(ax.images) == 0 and len(ax.lines) == 2


def test_iou_widget_calls_the_lessons_function_and_redraws():
    calls = []

    def iou(a, b):
        calls.append((a, b))
        return 0.25

    w = widgets.IoUWidget(iou, box_a=(0.5, 0.5, 0.4, 0.4), box_b=(0.6, 0.5, 0.4, 0.4))
    assert bytes(w.image.value).startswith(PNG)
    assert calls[-1] == ((0.5, 0.5, 0.4, 0.4), (0.6, 0.5, 0.4, 0.4))
    assert "IoU(A, B) = 0.250" in w.readout.value
    before = w.image.value
    w.sliders[0].value = 0.2  # move B to the left
    assert calls[-1][1] == pytest.approx((0.2, 0.5, 0.4, 0.4))
    assert w.patch_b.get_xy() == pytest.approx((0.0, 0.3))
    assert bytes(w.image.value) != bytes(before) and bytes(w.image.value).startswith(PNG)


def test_iou_widget_shades_the_overlap_by_clipping_a_to_b():
    """The widget computes no overlap itself (that is the lesson's job): it clips A to B."""
    w = widgets.IoUWidget(lambda a, b: 0.0)
    assert w.overlap.get_fill()
    assert w.overlap.get_xy() == pytest.approx(w.patch_a.get_xy())
    clip = w.overlap.get_clip_box()  # a Rectangle clip path becomes a clip box
    assert clip is not None
    before = tuple(clip.bounds)
    w.sliders[2].value = 0.1  # B narrower: the clip follows B's new outline
    assert w.box_b[2] == pytest.approx(0.1)
    assert tuple(w.overlap.get_clip_box().bounds) != pytest.approx(before)
