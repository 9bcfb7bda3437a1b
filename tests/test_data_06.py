"""bp2yolo.data: the shipped 8x8 digits (checksum, shapes, label counts, the fixed split) and
the spiral toy (fast)."""

from __future__ import annotations

import hashlib

import numpy as np

from bp2yolo.data import DIGITS_FILE, DIGITS_SHA256, load_digits, read_digits, spiral

# Images of each digit 0..9 in the file (UCI optdigits.tes, as scikit-learn bundles it)
DIGIT_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_the_file_is_the_one_documented():
    assert hashlib.sha256(DIGITS_FILE.read_bytes()).hexdigest() == DIGITS_SHA256
    readme = (DIGITS_FILE.parent / "DIGITS.md").read_text()
    assert DIGITS_SHA256 in readme and "CC BY 4.0" in readme


def test_the_file_holds_1797_images_of_64_pixels():
    pixels, labels = read_digits()
    assert pixels.shape == (1797, 64) and labels.shape == (1797,)
    assert pixels.min() == 0 and pixels.max() == 16
    assert np.bincount(labels).tolist() == DIGIT_COUNTS


def test_the_split_is_fixed_disjoint_and_covers_every_image():
    d = load_digits()
    sizes = {k: len(getattr(d, f"y_{k}")) for k in ("train", "val", "test")}
    assert sizes == {"train": 1257, "val": 180, "test": 360}
    assert np.bincount(d.y_test).tolist() == [36] * 10
    assert np.bincount(d.y_val).tolist() == [18] * 10
    assert np.bincount(d.y_train).tolist() == [n - 54 for n in DIGIT_COUNTS]
    for k in ("train", "val", "test"):
        x, y = getattr(d, f"x_{k}"), getattr(d, f"y_{k}")
        assert x.dtype == np.float64 and x.shape == (len(y), 64) and y.dtype == np.int64
        assert 0.0 <= x.min() and x.max() <= 1.0
    # every image of the file lands in exactly one set
    pixels, labels = read_digits()
    rows = np.concatenate([d.x_train, d.x_val, d.x_test]) * 16
    key = lambda a: sorted(map(bytes, np.rint(a).astype(np.int8)))  # noqa: E731
    assert key(rows) == key(pixels)
    again = load_digits()
    assert np.array_equal(again.x_test, d.x_test) and np.array_equal(again.y_val, d.y_val)
    assert not np.array_equal(load_digits(seed=7).x_test, d.x_test)


def test_spiral_is_deterministic_and_balanced():
    x, y = spiral(50, 4, seed=3)
    assert x.shape == (200, 2) and x.dtype == np.float64 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50] * 4
    assert np.array_equal(spiral(50, 4, seed=3)[0], x)
    assert np.abs(x).max() <= 1.5
