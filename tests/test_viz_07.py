"""Chapter 07's plotting and widget helpers: boxes on images, and the IoU widget (fast)."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.patches import Rectangle

from bp2yolo import viz, widgets

PNG = b"\x89PNG\r\n\x1a\n"


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


def test_box_labels_sit_above_a_box_or_inside_one_at_the_top_of_the_image():
    """A label above a box at the image's top edge would stick out onto the title: it goes
    inside."""
    ax = viz.show_boxes(predicted=[(0.5, 0.5, 0.2, 0.2), (0.75, 0.25, 0.5, 0.5)],
                        predicted_texts=["middle", "top"], title="a title")
    middle, top = ax.texts
    assert middle.get_position() == pytest.approx((0.4, 0.4))
    assert middle.get_verticalalignment() == "bottom"  # above the box (y points down)
    assert top.get_position() == pytest.approx((0.5, 0.0))
    assert top.get_verticalalignment() == "top"  # inside the box
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    title = ax.title.get_window_extent(renderer)
    for label in (middle, top):
        box = label.get_bbox_patch().get_window_extent(renderer)
        assert box.y1 <= ax.bbox.y1 + 1  # within the Axes, below the title
        assert not box.overlaps(title)


def test_place_label_moves_a_label_to_either_top_corner():
    ax = viz.show_boxes()
    label = viz.label_box(ax, (0.5, 0.5, 0.2, 0.2), "B", corner="right", fontsize=12)
    assert label.get_position() == pytest.approx((0.6, 0.4))
    assert label.get_horizontalalignment() == "right" and label.get_fontsize() == 12
    viz.place_label(label, (0.3, 0.05, 0.2, 0.1), corner="right")
    assert label.get_position() == pytest.approx((0.4, 0.0))
    assert label.get_verticalalignment() == "top"
    with pytest.raises(ValueError, match="corner"):
        viz.place_label(label, (0.5, 0.5, 0.2, 0.2), corner="middle")


def test_iou_widget_tags_both_boxes_and_lines_up_its_sliders():
    w = widgets.IoUWidget(lambda a, b: 0.5, box_a=(0.5, 0.5, 0.4, 0.4),
                          box_b=(0.6, 0.5, 0.4, 0.4))
    tags = {t.get_text(): t for t in w.ax.texts}
    assert set(tags) == {"A", "B"}
    assert min(t.get_fontsize() for t in tags.values()) >= 10  # legible
    assert tags["B"].get_position() == pytest.approx((0.8, 0.3))  # B's top-right corner
    w.sliders[0].value = 0.3  # B follows its box
    assert tags["B"].get_position() == pytest.approx((0.5, 0.3))
    widths = {s.style.description_width for s in w.sliders}
    assert len(widths) == 1 and widths != {"initial"} and widths != {""}
    # the readout has the sliders' precision
    assert f"B = ({', '.join(format(s.value, '.3f') for s in w.sliders)})" in w.readout.value
    assert all(s.readout_format == ".3f" for s in w.sliders)


def test_show_boxes_labels_are_legible_and_can_sit_at_the_right_corner():
    """Lesson 07's hand example: labels at least 11 pixels high at the figure's dpi, and a label
    at the right corner stays inside the Axes for a box at the image's right edge."""
    ax = viz.show_boxes(grid=2, predicted=[(0.75, 0.25, 0.5, 0.5), (0.75, 0.25, 0.09, 0.09)],
                        predicted_texts=["b=0: ô 0.8, IoU 1.000", "b=1: ô 0.4, IoU 0.032"],
                        fontsize=11, corner="right")
    assert all(t.get_fontsize() * ax.figure.dpi / 72 >= 11 for t in ax.texts)
    assert [t.get_horizontalalignment() for t in ax.texts] == ["right", "right"]
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    first, second = (t.get_bbox_patch().get_window_extent(renderer) for t in ax.texts)
    for box in (first, second):
        assert ax.bbox.x0 - 1 <= box.x0 and box.x1 <= ax.bbox.x1 + 1  # inside the Axes
        assert ax.bbox.y0 - 1 <= box.y0 and box.y1 <= ax.bbox.y1 + 1
    assert not first.overlaps(second)
    default = viz.show_boxes(truth=[(0.5, 0.5, 0.2, 0.2)], truth_texts=["t"])
    assert default.texts[0].get_fontsize() * default.figure.dpi / 72 >= 11
