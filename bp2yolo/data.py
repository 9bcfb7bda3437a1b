"""Data sets generated or shipped with the course (no download at run time).

    load_digits()              the 8x8 handwritten digits (1797 images, shipped in
                               bp2yolo/datasets/, see DIGITS.md there), split into train,
                               validation and test (chapter 06)
    spiral(...)                the 2-D spiral toy: points of K interleaved arms (chapter 06)
    synthetic_shapes(n, ...)   grayscale images of rectangles, ellipses and triangles, with
                               their bounding boxes and class labels (chapter 07's detector)

Generators return images and box lists only: turning boxes into a network's training targets
(chapter 07's grid encoding) is the learner's job. Nothing here solves a graded exercise.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DIGITS_FILE = Path(__file__).resolve().parent / "datasets" / "digits.csv.gz"
DIGITS_SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
DIGITS_HELD_OUT = {"test": 36, "val": 18}  # images of each digit held out of training


@dataclass(frozen=True)
class Digits:
    """The 8x8 digits, split. x_*: float64 (n, 64), pixel values scaled to [0, 1] (the file's
    0..16 divided by 16), each row an 8x8 image in row-major order (row.reshape(8, 8)).
    y_*: int64 (n,), the digit 0..9. Sizes: train 1257, val 180, test 360 (val and test hold 18
    and 36 images of each digit)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def read_digits() -> tuple[np.ndarray, np.ndarray]:
    """The whole file, in its order: pixels int64 (1797, 64), values 0..16; labels int64 (1797,)."""
    with gzip.open(DIGITS_FILE, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    return table[:, :-1], table[:, -1]


def load_digits(seed: int = 6) -> Digits:
    """The digits with a fixed held-out split (no download: the file ships with the package).

    For each digit, `seed` picks 36 of its images for the test set and 18 for the validation
    set; the other 1257 images are the training set. Each set is in file order. The default
    seed is the course's split: keep it, so that accuracies can be compared.
    """
    pixels, labels = read_digits()
    rng = np.random.default_rng(seed)
    part = np.zeros(len(labels), dtype=np.int64)  # 0 train, 1 val, 2 test
    for digit in range(10):
        mine = rng.permutation(np.flatnonzero(labels == digit))
        n_test, n_val = DIGITS_HELD_OUT["test"], DIGITS_HELD_OUT["val"]
        part[mine[:n_test]] = 2
        part[mine[n_test:n_test + n_val]] = 1
    x = pixels / 16.0
    return Digits(*(a[part == k] for k in (0, 1, 2) for a in (x, labels)))


def spiral(n_per_class: int = 100, classes: int = 3, *, turns: float = 1.0,
           noise: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points on `classes` interleaved spiral arms in the plane: no line separates them.

    Arm k's points run from the origin outwards at radius r in [0, 1], at the angle
    2 pi (turns r + k / classes) plus Gaussian noise of standard deviation `noise` (in radians,
    scaled by r). Returns x float64 (classes * n_per_class, 2) and y int64 (the arm), arm by
    arm. Deterministic for a given seed.
    """
    rng = np.random.default_rng(seed)
    r = np.tile(np.linspace(0.0, 1.0, n_per_class), classes)
    y = np.repeat(np.arange(classes), n_per_class)
    angle = 2 * np.pi * (turns * r + y / classes) + noise * rng.normal(size=r.shape) * r
    x = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)
    return x, y.astype(np.int64)


SHAPE_CLASSES = ("rectangle", "ellipse", "triangle")


@dataclass
class Shapes:
    """A batch of synthetic images with their objects.

    images: float32 array (n, 1, size, size), values in [0, 1].
    boxes:  list of n float64 arrays (k_i, 4), one row per object: (cx, cy, w, h), the centre and
            the size of its tight bounding box, as fractions of the image side (0 < cx, cy < 1).
    labels: list of n int64 arrays (k_i,), indices into `classes`.
    classes: the class names.
    """

    images: np.ndarray
    boxes: list[np.ndarray]
    labels: list[np.ndarray]
    classes: tuple[str, ...] = SHAPE_CLASSES

    def __len__(self) -> int:
        return len(self.boxes)


def _mask(kind: int, x0: int, y0: int, w: int, h: int, size: int) -> np.ndarray:
    """Boolean (size, size) mask of a filled shape in the pixel box [x0, x0 + w) x [y0, y0 + h)."""
    ys, xs = np.mgrid[0:size, 0:size] + 0.5  # pixel centres
    u = (xs - x0) / w  # 0..1 across the box
    v = (ys - y0) / h
    inside = (u >= 0) & (u <= 1) & (v >= 0) & (v <= 1)
    if kind == 0:  # rectangle: the whole box
        return inside
    if kind == 1:  # ellipse inscribed in the box
        return (u - 0.5) ** 2 + (v - 0.5) ** 2 <= 0.25
    # triangle: apex at the top middle, base along the bottom edge
    return inside & (np.abs(u - 0.5) <= 0.5 * v)


def synthetic_shapes(
    n: int,
    *,
    size: int = 32,
    max_objects: int = 3,
    min_side: int = 6,
    max_side: int = 16,
    grid: int | None = None,
    noise: float = 0.05,
    seed: int = 0,
) -> Shapes:
    """n grayscale images, each with 1 to max_objects non-overlapping shapes.

    Each shape is a filled rectangle, ellipse or triangle (class 0, 1, 2) drawn in a box with
    sides of min_side to max_side pixels (independently for width and height), inside the image
    and not overlapping another shape's box. Its box in `boxes` is the tight bounding box of the
    pixels drawn (so at most that size). Shapes have random brightness (0.5 to 1) on
    a dark, noisy background (Gaussian noise of standard deviation `noise`).
    grid: if given, no two box centres fall in the same cell of a grid x grid partition of the
    image (so a detector with one object per cell can represent every box).
    Deterministic for a given seed. Returns a Shapes.
    """
    if not 1 <= min_side <= max_side <= size:
        raise ValueError(f"need 1 <= min_side <= max_side <= size, got {min_side}, {max_side}, "
                         f"{size}")
    rng = np.random.default_rng(seed)
    images = np.zeros((n, 1, size, size), dtype=np.float32)
    all_boxes, all_labels = [], []
    for k in range(n):
        image = rng.normal(0.1, noise, size=(size, size))
        placed: list[tuple[int, int, int, int]] = []
        cells: set[tuple[int, int]] = set()
        boxes, labels = [], []
        wanted = int(rng.integers(1, max_objects + 1))
        for _ in range(50 * wanted):  # rejection sampling; gives up quietly if the image is full
            if len(placed) == wanted:
                break
            w, h = (int(v) for v in rng.integers(min_side, max_side + 1, size=2))
            x0, y0 = int(rng.integers(0, size - w + 1)), int(rng.integers(0, size - h + 1))
            if any(x0 < a + c and a < x0 + w and y0 < b + d and b < y0 + h
                   for a, b, c, d in placed):
                continue
            kind = int(rng.integers(len(SHAPE_CLASSES)))
            mask = _mask(kind, x0, y0, w, h, size)
            rows, cols = np.nonzero(mask)  # the tight box of the pixels drawn
            bx0, bx1, by0, by1 = cols.min(), cols.max() + 1, rows.min(), rows.max() + 1
            cx, cy = (bx0 + bx1) / 2 / size, (by0 + by1) / 2 / size
            if grid is not None:
                cell = (min(int(cy * grid), grid - 1), min(int(cx * grid), grid - 1))
                if cell in cells:
                    continue
                cells.add(cell)
            image[mask] = rng.uniform(0.5, 1.0)
            placed.append((x0, y0, w, h))
            boxes.append((cx, cy, (bx1 - bx0) / size, (by1 - by0) / size))
            labels.append(kind)
        images[k, 0] = np.clip(image, 0.0, 1.0)
        all_boxes.append(np.array(boxes, dtype=np.float64).reshape(-1, 4))
        all_labels.append(np.array(labels, dtype=np.int64))
    return Shapes(images, all_boxes, all_labels)
