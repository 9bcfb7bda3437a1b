"""bp2yolo.data.synthetic_shapes: images and box lists for chapter 07's detector (fast)."""

from __future__ import annotations

import numpy as np
import pytest

from bp2yolo.data import SHAPE_CLASSES, Shapes, synthetic_shapes


@pytest.fixture(scope="module")
def shapes() -> Shapes:
    return synthetic_shapes(60, grid=4, seed=5)


def test_shapes_and_types(shapes):
    assert len(shapes) == 60 and shapes.classes == SHAPE_CLASSES
    assert shapes.images.shape == (60, 1, 32, 32) and shapes.images.dtype == np.float32
    assert shapes.images.min() >= 0.0 and shapes.images.max() <= 1.0
    for boxes, labels in zip(shapes.boxes, shapes.labels, strict=True):
        assert boxes.dtype == np.float64 and boxes.shape[1] == 4
        assert labels.dtype == np.int64 and labels.shape == (len(boxes),)
        assert 1 <= len(boxes) <= 3
        assert set(labels.tolist()) <= {0, 1, 2}


def test_deterministic_for_a_seed():
    a, b = synthetic_shapes(5, seed=9), synthetic_shapes(5, seed=9)
    assert np.array_equal(a.images, b.images)
    assert all(np.array_equal(x, y) for x, y in zip(a.boxes, b.boxes, strict=True))
    assert not np.array_equal(a.images, synthetic_shapes(5, seed=10).images)


def test_boxes_lie_inside_the_image_and_have_the_requested_sizes(shapes):
    for boxes in shapes.boxes:
        cx, cy, w, h = boxes.T
        assert np.all(cx - w / 2 >= 0) and np.all(cx + w / 2 <= 1)
        assert np.all(cy - h / 2 >= 0) and np.all(cy + h / 2 <= 1)
        assert np.all((w >= 4 / 32) & (w <= 16 / 32)) and np.all((h >= 4 / 32) & (h <= 16 / 32))


def test_boxes_do_not_overlap_and_centres_use_distinct_cells(shapes):
    for boxes in shapes.boxes:
        cells = {(int(cy * 4), int(cx * 4)) for cx, cy, _, _ in boxes}
        assert len(cells) == len(boxes)
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                apart_x = abs(a[0] - b[0]) >= (a[2] + b[2]) / 2
                apart_y = abs(a[1] - b[1]) >= (a[3] + b[3]) / 2
                assert apart_x or apart_y


def test_each_box_is_the_tight_box_of_its_bright_shape(shapes):
    """Inside its box a shape reaches every row and column; outside every box, background."""
    for image, boxes in zip(shapes.images[:, 0], shapes.boxes, strict=True):
        bright = image > 0.4  # shapes are 0.5 to 1, the background about 0.1
        covered = np.zeros_like(bright)
        for cx, cy, w, h in boxes:
            x0, x1 = round((cx - w / 2) * 32), round((cx + w / 2) * 32)
            y0, y1 = round((cy - h / 2) * 32), round((cy + h / 2) * 32)
            inside = bright[y0:y1, x0:x1]
            assert inside.any(axis=0).all() and inside.any(axis=1).all()
            covered[y0:y1, x0:x1] = True
        assert not (bright & ~covered).any()


def test_rejects_impossible_sizes():
    with pytest.raises(ValueError, match="min_side"):
        synthetic_shapes(1, min_side=20, max_side=10)
