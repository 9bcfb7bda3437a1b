"""Plots used by the lessons.

Every function here draws numbers it is given: losses, gradients, difference quotients and
optimisation steps are computed in the lesson that calls it (or by callables the lesson passes
in). Nothing here solves a graded exercise.

Functions that draw on an existing Axes take ``ax``; with ``ax=None`` they open a new pyplot
figure, which a notebook with ``%matplotlib inline`` shows at the end of the cell. They return the
Axes, so assign the result (``ax = viz.plot_...``) to avoid printing its repr.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.contour import QuadContourSet
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import ScaledTranslation

GREEN = "#2a7f3f"  # forward values
RED = "#c0392b"  # gradients
_LABEL_BOX = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8}


class Line(NamedTuple):
    """A straight line through the point (x, f(x)) with the given slope."""

    label: str
    x: float
    slope: float


def new_axes(figsize: tuple[float, float] = (6.0, 4.0)) -> Axes:
    """A new pyplot figure with one Axes."""
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _evaluate(f: Callable[[float], float], xs: np.ndarray) -> np.ndarray:
    """f at every x, whether or not f accepts arrays."""
    return np.array([f(float(x)) for x in xs], dtype=float)


def plot_slopes(
    f: Callable[[float], float],
    lines: Sequence[Line],
    *,
    xlim: tuple[float, float],
    points: Sequence[float] = (),
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Draw f on xlim and straight lines (tangents, secants) through points of its graph.

    lines: each Line passes through (line.x, f(line.x)) with slope line.slope; the slope is
    computed by the caller. points: x positions to mark on the graph of f.
    """
    ax = ax if ax is not None else new_axes()
    xs = np.linspace(*xlim, 200)
    ys = _evaluate(f, xs)
    ax.plot(xs, ys, color="black", lw=2, label="f(x)")
    for line in lines:
        y0 = f(line.x)
        label = f"{line.label} (slope {line.slope:.4g})"
        ax.plot(xs, y0 + line.slope * (xs - line.x), lw=1.5, label=label)
    for x in points:
        ax.plot([x], [f(x)], "o", color="black", ms=5)
    pad = 0.15 * (ys.max() - ys.min())
    ax.set(xlim=xlim, ylim=(ys.min() - pad, ys.max() + pad), xlabel="x", ylabel="f(x)")
    if title:
        ax.set_title(title)
    ax.legend(loc="upper left", fontsize=9)
    ax.grid(alpha=0.3)
    return ax


def plot_step_size_errors(
    hs: np.ndarray,
    errors: Mapping[str, np.ndarray],
    *,
    slopes: Mapping[str, float] | None = None,
    roundoff_slope: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """Log-log plot of the error of derivative estimates against the step size h.

    errors: label -> absolute error at each h (computed by the caller).
    slopes: label -> p, draw a dashed guide of slope p (error proportional to h**p) beside that
    curve at large h, where truncation error dominates.
    roundoff_slope: draw a grey guide of slope -1 beside the first curve at small h, where
    round-off error dominates.
    Each curve's smallest error is marked with a star and its h written beside it.
    """
    ax = ax if ax is not None else new_axes((7.0, 4.5))
    hs = np.asarray(hs, dtype=float)
    for i, (label, err) in enumerate(errors.items()):
        err = np.where(np.asarray(err, dtype=float) > 0, err, np.nan)
        (curve,) = ax.loglog(hs, err, ".-", lw=1, ms=4, label=label)
        best = int(np.nanargmin(err))
        ax.plot(hs[best], err[best], "*", ms=14, color=curve.get_color(), mec="black")
        ax.annotate(
            f"best h ≈ {hs[best]:.0e}", (hs[best], err[best]), textcoords="offset points",
            xytext=(9, -13), ha="left", fontsize=9, color=curve.get_color(), bbox=_LABEL_BOX,
        )
        if slopes and label in slopes:
            _guide(ax, hs, err, slopes[label], at=-1, color=curve.get_color())
        if roundoff_slope and i == 0:
            _guide(ax, hs, err, -1.0, at=0, color="grey")
    ax.set(xlabel="step size h", ylabel="|estimate − exact derivative|")
    ax.legend(loc="lower left", fontsize=9)
    ax.grid(alpha=0.3, which="both", lw=0.5)
    return ax


def _guide(ax: Axes, hs: np.ndarray, err: np.ndarray, p: float, *, at: int, color: str) -> None:
    """A dashed line of slope p over the third of the h range at the large end (at=-1) or the
    small end (at=0), drawn a factor 5 above the curve there (C = 5 * median of err / h**p)."""
    third = max(2, len(hs) // 3)
    part = slice(len(hs) - third, None) if at == -1 else slice(0, third)
    span, e = hs[part], err[part]
    c = 5.0 * float(np.nanmedian(e / span**p))
    ax.loglog(span, c * span**p, "--", color=color, lw=1.2, alpha=0.9)
    mid = span[len(span) // 2]
    ax.annotate(
        f"slope {p:g}", (mid, c * mid**p), textcoords="offset points",
        xytext=(-8, 8) if p > 0 else (4, -16), ha="right" if p > 0 else "left", fontsize=9,
        color=color, bbox=_LABEL_BOX,
    )


def plot_loss_contour(
    ax: Axes,
    ws: np.ndarray,
    bs: np.ndarray,
    losses: np.ndarray,
    *,
    levels: int = 20,
) -> QuadContourSet:
    """Filled contours of a precomputed loss surface losses[i, j] = L(ws[i, j], bs[i, j]).

    The levels are spaced quadratically, so a quadratic bowl gets evenly spaced contour lines.
    """
    top = float(np.nanmax(losses))
    lv = np.linspace(0.0, np.sqrt(top), levels) ** 2 if top > 0 else levels
    filled = ax.contourf(ws, bs, losses, levels=lv, cmap="viridis_r", alpha=0.85)
    ax.contour(ws, bs, losses, levels=lv, colors="white", linewidths=0.4, alpha=0.6)
    ax.set(xlabel="w", ylabel="b")
    return filled


# JupyterLab shows a figure no wider than its output area, about 850 px in a 1280 px window
# (8.5 inches at matplotlib's 100 dpi); a wider figure is shrunk to fit, and its text with it.
_SHOWN_WIDTH_IN = 8.5


def _text_scale(fig: Figure) -> float:
    """How much larger to write the text of one panel of fig so that it is shown at its nominal
    size: fig width / 8.5 inches for a figure of several panels (Axes) wider than that, which
    JupyterLab shrinks (lesson 02's four gates, 13 inches wide, are shown at 65%); else 1. A
    figure of one graph is sized to its layout, which has room for its labels as they are."""
    if len(fig.axes) < 2:
        return 1.0
    return max(1.0, float(fig.get_figwidth()) / _SHOWN_WIDTH_IN)


def _fmt(value: float | str) -> str:
    return value if isinstance(value, str) else f"{value:.4g}"


def _node_label(name: str, values: Mapping[str, float | str]) -> str:
    return name if name not in values else f"{name}\n{_fmt(values[name])}"


def _half_box(label: str, fontsize: float) -> tuple[float, float]:
    """Half the width and height (points) of a node box holding `label`, estimated from the
    label: about 0.6 em per character, 1.2 em per line, plus the 0.4 em padding."""
    lines = label.split("\n")
    return (0.3 * fontsize * max(len(line) for line in lines) + 0.4 * fontsize,
            0.6 * fontsize * len(lines) + 0.4 * fontsize)


def _shrink(label: str, dx: float, dy: float, fontsize: float = 11.0) -> float:
    """How far (points) an arrow along (dx, dy) must stop from the centre of a node box holding
    `label`, so that its head is not hidden under the box: at least 22, more for wide labels.
    Layout units are taken as equally long along x and y.
    """
    half_w, half_h = _half_box(label, fontsize)
    if dx == 0 and dy == 0:
        return 22.0
    scale = min(half_w / abs(dx) if dx else np.inf, half_h / abs(dy) if dy else np.inf)
    return max(22.0, scale * float(np.hypot(dx, dy)) + 3.0)


def draw_graph(
    positions: Mapping[str, tuple[float, float]],
    edges: Sequence[tuple[str, str]],
    *,
    values: Mapping[str, float | str] | None = None,
    grads: Mapping[str, float | str] | None = None,
    edge_labels: Mapping[tuple[str, str], str] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    output: str = "L",
) -> Axes:
    """Draw a small computational graph with fixed node positions.

    Each node shows its name and, if given, its forward value (green, inside the box) and the
    gradient of the graph's output with respect to it (red, under the box, labelled
    ∂{output}/∂{name}); a value or gradient given as a str is written as it is (a formula), a
    number with 4 significant digits. edge_labels annotate edges, for example with the local
    derivative.

    Node labels are 11 points, gradients 9, edge labels 8.5; in a panel of a figure wider than
    JupyterLab shows it (8.5 inches) every text is enlarged in proportion, so that it is shown at
    that size.
    """
    values, grads, edge_labels = values or {}, grads or {}, edge_labels or {}
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    if ax is None:  # about one inch per unit of layout, plus room for the labels
        ax = new_axes((min(12.0, max(xs) - min(xs) + 2.0), min(8.0, max(ys) - min(ys) + 1.8)))
    scale = _text_scale(ax.figure)
    node_size = 11.0 * scale
    for src, dst in edges:
        (x0, y0), (x1, y1) = positions[src], positions[dst]
        ax.annotate(
            "", (x1, y1), (x0, y0),
            arrowprops={
                "arrowstyle": "-|>", "color": "0.35", "lw": 1.3,
                "shrinkA": _shrink(_node_label(src, values), x1 - x0, y1 - y0, node_size),
                "shrinkB": _shrink(_node_label(dst, values), x1 - x0, y1 - y0, node_size),
            },
        )
        if (src, dst) in edge_labels:
            ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.12, edge_labels[src, dst], ha="center",
                    va="bottom", fontsize=8.5 * scale, color="0.25")
    for name, (x, y) in positions.items():
        label = _node_label(name, values)
        ax.text(x, y, label, ha="center", va="center", fontsize=node_size,
                color=GREEN if name in values else "black",
                bbox={"boxstyle": "round,pad=0.4", "fc": "white", "ec": "0.3"})
        if name in grads:
            where = ax.transData
            if scale > 1:  # lower by what the enlarged box grew at the bottom
                grown = _half_box(label, node_size)[1] - _half_box(label, 11.0)[1]
                where = where + ScaledTranslation(0, -grown / 72, ax.figure.dpi_scale_trans)
            ax.text(x, y - 0.42, f"∂{output}/∂{name} = {_fmt(grads[name])}", ha="center", va="top",
                    fontsize=9 * scale, color=RED, transform=where)
    ax.set(xlim=(min(xs) - 0.8, max(xs) + 0.8), ylim=(min(ys) - 0.9, max(ys) + 0.5))
    ax.set_axis_off()
    if title:
        ax.set_title(title, **({"fontsize": 12.0 * scale} if scale > 1 else {}))
    return ax


def network_positions(
    layers: Sequence[Sequence[str]], *, dx: float = 4.0, dy: float = 2.2
) -> dict[str, tuple[float, float]]:
    """Positions of the neurons of a layered network: layer l at x = l * dx, its neurons dy
    apart from top to bottom, every layer centred on y = 0."""
    positions = {}
    for k, names in enumerate(layers):
        top = (len(names) - 1) * dy / 2
        for j, name in enumerate(names):
            positions[name] = (k * dx, top - j * dy)
    return positions


_NEURON_RADIUS = 0.45


def draw_network(
    layers: Sequence[Sequence[str]],
    *,
    values: Mapping[str, float | str] | None = None,
    grads: Mapping[str, float | str] | None = None,
    edge_labels: Mapping[tuple[str, str], str] | None = None,
    edge_grads: Mapping[tuple[str, str], float | str] | None = None,
    notes: Sequence[str] | None = None,
    grad_name: str = "δ",
    label_at: float = 0.3,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Draw a small fully connected feed-forward network, layers from left to right.

    layers: the neuron names of each layer, input layer first, top to bottom; every neuron of a
        layer is joined to every neuron of the next (positions from network_positions).
    values: neuron -> its forward value (green, inside the circle).
    grads: neuron -> a gradient (red, under the circle), written f"{grad_name} = {value}",
        e.g. the neuron's delta dE/dnet.
    edge_labels: (src, dst) -> text on that edge (the weight's name and value), placed a
        fraction label_at of the way along the edge's visible part, from src, so that crossing
        edges keep their labels apart; edge_grads: (src, dst) -> the gradient of the loss with
        respect to that weight (red, just under the edge's label).
    notes: one line under each layer (its bias, say); '' for none. It sits just under the
        lowest neuron, or under the lowest gradient if there are any.
    A value or gradient given as a str is written as it is, a number with 4 significant digits.
    """
    from matplotlib.patches import Circle

    if notes is not None and len(notes) != len(layers):
        raise ValueError(f"notes has {len(notes)} entries but there are {len(layers)} layers")
    values, grads = values or {}, grads or {}
    edge_labels, edge_grads = edge_labels or {}, edge_grads or {}
    positions = network_positions(layers)
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    r = _NEURON_RADIUS
    # under the lowest circles: a gradient (its top 0.1 below the circle, about 0.2 tall), then
    # the notes (about 0.2 tall); the plot ends a little below the lowest of them
    note_top = min(ys) - r - (0.38 if grads else 0.15)
    bottom = (note_top - 0.3) if any(notes or []) else min(ys) - r - (0.45 if grads else 0.2)
    top = max(ys) + 0.8
    width, height = max(xs) - min(xs) + 1.8, top - bottom + 0.4
    if ax is None:  # about an inch per unit of layout, no larger than 12 x 8 inches
        scale = min(1.0, 12.0 / width, 8.0 / height)
        ax = new_axes((width * scale, height * scale))
    for left, right in zip(layers[:-1], layers[1:], strict=True):
        for src in left:
            for dst in right:
                (x0, y0), (x1, y1) = positions[src], positions[dst]
                length = float(np.hypot(x1 - x0, y1 - y0))
                ux, uy = (x1 - x0) / length, (y1 - y0) / length
                ax.annotate(
                    "", (x1 - r * ux, y1 - r * uy), (x0 + r * ux, y0 + r * uy),
                    arrowprops={"arrowstyle": "-|>", "color": "0.6", "lw": 1.1,
                                "shrinkA": 0, "shrinkB": 1},
                )
                along = r + label_at * (length - 2 * r)
                at = (x0 + along * ux, y0 + along * uy)
                if (src, dst) in edge_labels:
                    ax.annotate(edge_labels[src, dst], at, xytext=(0, 1), ha="center",
                                va="bottom", textcoords="offset points", fontsize=8.5,
                                color="0.15", bbox=_LABEL_BOX, zorder=4)
                if (src, dst) in edge_grads:
                    ax.annotate(_fmt(edge_grads[src, dst]), at, xytext=(0, -1), ha="center",
                                va="top", textcoords="offset points", fontsize=8.5, color=RED,
                                bbox=_LABEL_BOX, zorder=4)
    for name, (x, y) in positions.items():
        ax.add_patch(Circle((x, y), r, fc="white", ec="0.3", lw=1.2, zorder=5))
        ax.text(x, y, _node_label(name, values), ha="center", va="center", fontsize=9.5, zorder=6,
                color=GREEN if name in values else "black")
        if name in grads:
            ax.text(x, y - r - 0.1, f"{grad_name} = {_fmt(grads[name])}", ha="center",
                    va="top", fontsize=9, color=RED, bbox=_LABEL_BOX, zorder=6)
    for note, names in zip(notes or [""] * len(layers), layers, strict=True):
        if note:
            ax.text(positions[names[0]][0], note_top, note, ha="center", va="top",
                    fontsize=9, color="0.25")
    ax.set(xlim=(min(xs) - 0.9, max(xs) + 0.9), ylim=(bottom, top))
    ax.set_aspect("equal")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


# ---------------------------------------------------------------------------------------------
# Chapter 07: boxes on images


def draw_boxes(
    ax: Axes,
    boxes: Sequence[Sequence[float]] | np.ndarray,
    *,
    texts: Sequence[str | None] | None = None,
    color: str = RED,
    linestyle: str = "-",
    lw: float = 2.0,
    fill: bool = False,
    fontsize: float = 7.0,
    corner: str = "left",
) -> list:
    """Draw boxes given as rows (cx, cy, w, h) in image fractions on an Axes whose image spans
    [0, 1] x [0, 1] with y pointing down (as show_boxes sets it up).

    texts: one label per box (None or "" for none), written by label_box at the box's top-left
    (corner="left") or top-right (corner="right") corner, in `fontsize` points.
    Returns the Rectangle patches, in order.
    """
    from matplotlib.patches import Rectangle

    patches = []
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    texts = list(texts) if texts is not None else [None] * len(boxes)
    if len(texts) != len(boxes):
        raise ValueError(f"{len(boxes)} boxes but {len(texts)} texts")
    for (cx, cy, w, h), text in zip(boxes, texts, strict=True):
        rect = Rectangle(
            (cx - w / 2, cy - h / 2), w, h, fill=fill, ec=color, fc=color if fill else "none",
            alpha=0.35 if fill else 1.0, lw=lw, ls=linestyle,
        )
        ax.add_patch(rect)
        patches.append(rect)
        if text:
            label_box(ax, (cx, cy, w, h), text, color=color, fontsize=fontsize, corner=corner)
    return patches


def label_box(
    ax: Axes,
    box: Sequence[float],
    text: str,
    *,
    color: str = RED,
    fontsize: float = 7.0,
    corner: str = "left",
) -> Text:
    """Write `text` in white on `color` at a top corner of box (cx, cy, w, h) (see draw_boxes).

    The label sits just above the box, or just inside it when there is no room above (a box
    at the top of the image): a label above it would stick out of the Axes onto the title.
    Returns the Text, which place_label moves when the box moves.
    """
    # the background's padding is 0.7 points (about a pixel) whatever the font size: a label
    # inside a box at the image's edge then sticks out of the Axes by less than a pixel
    label = ax.text(0.0, 0.0, text, color="white", fontsize=fontsize,
                    bbox={"boxstyle": f"square,pad={0.7 / fontsize:.4f}", "fc": color,
                          "ec": "none"})
    place_label(label, box, corner=corner)
    return label


def place_label(label: Text, box: Sequence[float], *, corner: str = "left") -> None:
    """Move a label made by label_box to a top corner ("left" or "right") of box (cx, cy, w, h):
    above the box, or inside it when the room above is less than the label's height."""
    if corner not in ("left", "right"):
        raise ValueError(f"corner should be 'left' or 'right', got {corner!r}")
    cx, cy, w, h = (float(v) for v in box)
    top = cy - h / 2
    ax = label.axes
    # the label's height in data units (the image spans 1 in y), from the Axes' current size:
    # the line height plus the padding of its background box
    height = label.get_fontsize() * 1.5 * ax.figure.dpi / 72 / max(ax.bbox.height, 1.0)
    label.set_position((cx - w / 2 if corner == "left" else cx + w / 2, top))
    label.set_horizontalalignment(corner)
    label.set_verticalalignment("bottom" if top >= height else "top")


def show_boxes(
    image: np.ndarray | None = None,
    *,
    grid: int | None = None,
    truth: Sequence[Sequence[float]] | np.ndarray = (),
    predicted: Sequence[Sequence[float]] | np.ndarray = (),
    truth_texts: Sequence[str | None] | None = None,
    predicted_texts: Sequence[str | None] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    fontsize: float = 9.0,
    corner: str = "left",
) -> Axes:
    """An image (2-D grayscale array, values in [0, 1]; None for a blank one) with an S x S grid,
    ground-truth boxes (green, dashed) and predicted boxes (red), each given as rows
    (cx, cy, w, h) in image fractions. The image spans [0, 1] in x and y, y pointing down.

    fontsize: the labels' size in points (9 points is 12.5 pixels at the inline backend's
    100 dpi); corner: the top corner of each predicted box that its label sits at ("left" or
    "right", see draw_boxes; truth labels always sit at the left).
    """
    ax = ax if ax is not None else new_axes((4.0, 4.0))
    if image is not None:
        ax.imshow(np.asarray(image), cmap="gray", vmin=0.0, vmax=1.0, extent=(0, 1, 1, 0),
                  interpolation="nearest")
    if grid:
        for k in range(1, grid):
            ax.axhline(k / grid, color="0.6", lw=0.7)
            ax.axvline(k / grid, color="0.6", lw=0.7)
    draw_boxes(ax, truth, texts=truth_texts, color=GREEN, linestyle="--", fontsize=fontsize)
    draw_boxes(ax, predicted, texts=predicted_texts, color=RED, fontsize=fontsize, corner=corner)
    ax.set(xlim=(0, 1), ylim=(1, 0), aspect="equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)
    return ax


# ---------------------------------------------------------------------------------------------
# Chapter 04: Jacobians


def draw_matrix(
    matrix: np.ndarray | Sequence[float] | Sequence[Sequence[float]],
    *,
    ax: Axes | None = None,
    annotate: bool | None = None,
    vmax: float | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
) -> Axes:
    """Draw a matrix as an image, one cell per entry, row 0 at the top: positive entries red,
    negative blue, exact zeros white, so that its structure (diagonal, one-hot row, dense) shows.

    matrix: 2-D, shape (rows, columns); a 1-D array or a number is drawn as one row.
    annotate: write each entry's value (3 significant digits) in its cell; by default only when
        the matrix has at most 12 rows and 12 columns.
    vmax: the absolute value drawn at full colour; by default the largest |entry| (1 if all are 0).
    The matrix is computed by the caller (a Jacobian, an upstream gradient); this only draws it.
    """
    import matplotlib as mpl
    from numpy import ma

    a = np.asarray(matrix, dtype=float)
    a = a.reshape(1, -1) if a.ndim < 2 else a
    if a.ndim != 2:
        raise ValueError(f"draw_matrix wants a 1-D or 2-D array, got shape {a.shape}")
    rows, cols = a.shape
    if ax is None:
        ax = new_axes((min(8.0, 1.0 + 0.45 * cols), min(8.0, 0.9 + 0.45 * rows)))
    top = float(np.max(np.abs(a))) if a.size else 0.0
    vmax = vmax if vmax is not None else (top if top > 0 else 1.0)
    cmap = mpl.colormaps["RdBu_r"].with_extremes(bad="white")
    ax.imshow(ma.masked_equal(a, 0.0), cmap=cmap, vmin=-vmax, vmax=vmax,
              interpolation="nearest", aspect="equal")
    if annotate is None:
        annotate = rows <= 12 and cols <= 12
    if annotate:
        for (i, j), value in np.ndenumerate(a):
            strong = abs(value) > 0.6 * vmax
            ax.text(j, i, "0" if value == 0 else f"{value:.3g}", ha="center", va="center",
                    fontsize=8, color="white" if strong else ("0.6" if value == 0 else "black"))
    if rows <= 12 and cols <= 12:  # thin lines between the cells, index ticks
        ax.set_xticks(range(cols))
        ax.set_yticks(range(rows))
        ax.set_xticks(np.arange(-0.5, cols), minor=True)
        ax.set_yticks(np.arange(-0.5, rows), minor=True)
        ax.grid(which="minor", color="0.8", lw=0.6)
        ax.tick_params(which="both", length=0, labelsize=8)
    ax.set(xlabel=xlabel or "", ylabel=ylabel or "")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


# ---------------------------------------------------------------------------------------------
# Chapter 06: training a classifier


def plot_loss_curve(
    losses: Sequence[float] | np.ndarray,
    *,
    steps_per_epoch: int | None = None,
    log: bool = True,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """The training loss of every step (thin, light), against the epoch when steps_per_epoch
    is given (else against the step), and the mean of each epoch (thick).

    losses: shape (steps,), one minibatch loss per step, computed by the caller.
    steps_per_epoch: the number of steps in one epoch; the last, partial epoch's mean is drawn
        too. log: a logarithmic y axis (a loss that falls by factors looks straight).
    Non-finite losses (a run that diverged) are left out of the curve.
    """
    ax = ax if ax is not None else new_axes((6.0, 3.6))
    ys = np.asarray(losses, dtype=float).reshape(-1)
    ys = np.where(np.isfinite(ys), ys, np.nan)
    per = steps_per_epoch or 1
    xs = np.arange(1, ys.size + 1) / per
    ax.plot(xs, ys, lw=0.8, alpha=0.35, color="C0", label="one minibatch")
    if steps_per_epoch:
        n_epochs = -(-ys.size // per)  # ceil
        padded = np.full(n_epochs * per, np.nan)
        padded[: ys.size] = ys
        with warnings.catch_warnings():  # an epoch whose losses are all nan: its mean is nan
            warnings.simplefilter("ignore", RuntimeWarning)
            means = np.nanmean(padded.reshape(n_epochs, per), axis=1)
        ax.plot(np.arange(1, n_epochs + 1), means, "-", lw=2, color="C0", label="epoch mean")
    if log and np.any(ys > 0):
        ax.set_yscale("log")
    ax.set(xlabel="epoch" if steps_per_epoch else "step", ylabel="training loss")
    ax.legend(fontsize=9)
    ax.grid(alpha=0.3, which="both", lw=0.5)
    if title:
        ax.set_title(title)
    return ax


def plot_accuracy_curves(
    curves: Mapping[str, Sequence[float] | np.ndarray],
    *,
    ax: Axes | None = None,
    title: str | None = None,
    bottom: float | None = None,
) -> Axes:
    """Accuracy per epoch, one line per data set: curves maps a label ("train", "validation")
    to the accuracies after epochs 1, 2, ... (each of shape (epochs,), values in [0, 1]),
    computed by the caller. The y axis runs from `bottom` (by default a little under the
    lowest accuracy, at most 0.9) to 1."""
    ax = ax if ax is not None else new_axes((6.0, 3.6))
    lowest = 1.0
    for i, (label, accs) in enumerate(curves.items()):
        ys = np.asarray(accs, dtype=float).reshape(-1)
        ax.plot(np.arange(1, ys.size + 1), ys, "o-" if ys.size <= 30 else "-", ms=3, lw=1.6,
                color=f"C{i + 1}", label=f"{label} (last {ys[-1]:.3f})" if ys.size else label)
        if ys.size and np.isfinite(ys).any():
            lowest = min(lowest, float(np.nanmin(ys)))
    if bottom is None:
        bottom = max(0.0, min(0.9, np.floor((lowest - 0.01) * 50) / 50))
    ax.set(xlabel="epoch", ylabel="accuracy", ylim=(bottom, 1.0 + 0.005))
    ax.legend(fontsize=9, loc="lower right")
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title)
    return ax


def _image_grid(
    n: int, ncols: int, size: float, title: str | None, foot: float = 0.0,
    min_width: float = 0.0,
) -> tuple[Figure, list[Axes]]:
    """A new pyplot figure with a grid of n small image Axes (the spare ones hidden), `foot`
    inches of free space below the grid, and at least `min_width` inches wide."""
    import matplotlib.pyplot as plt

    ncols = max(1, min(ncols, n))
    nrows = max(1, -(-n // ncols))
    head = 0.45 if title else 0.2  # inches above the grid, for the titles
    height = size * nrows + head + foot
    fig, axes = plt.subplots(nrows, ncols, figsize=(max(size * ncols, min_width), height),
                             squeeze=False)
    # a fixed layout: much faster than a constrained one with this many Axes
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02 + foot / height,
                        top=1 - head / height, wspace=0.15, hspace=0.35)
    for ax in axes.flat:
        ax.set_axis_off()
    if title:
        fig.suptitle(title, y=1 - 0.08 / height, va="top")
    return fig, list(axes.flat)[:n]


WEIGHT_SCALE_LABEL = ("weight, each unit on its own scale: red raises the unit's input where "
                      "the pixel's value is positive, blue lowers it")


def show_weight_images(
    W: np.ndarray,
    *,
    shape: tuple[int, int] = (8, 8),
    max_images: int = 40,
    ncols: int = 10,
    title: str | None = None,
    scale_label: str = WEIGHT_SCALE_LABEL,
) -> Figure:
    """The first layer's weights as images: column j of W, of shape (D,) with D = rows *
    columns of `shape`, is what hidden unit j multiplies each pixel by, drawn as a
    shape[0] x shape[1] picture (row-major, as the inputs were flattened).

    W: shape (D, H). Draws the first max_images columns, ncols per row, each with its own
    symmetric colour scale, from blue (its most negative weight, -max |w|) through white (0)
    to red (+max |w|). A colour bar under the grid shows that scale, with `scale_label` under
    it, to say what red and blue mean. Returns the matplotlib Figure.
    """
    import textwrap

    import matplotlib as mpl

    W = np.asarray(W, dtype=float)
    if W.ndim != 2 or W.shape[0] != shape[0] * shape[1]:
        raise ValueError(f"W should have shape ({shape[0] * shape[1]}, H), got {W.shape}")
    n = min(max_images, W.shape[1])
    size = 0.9  # inches per image
    width_in = max(size * max(1, min(ncols, n)), 2.7)  # the figure's width, in inches
    label = textwrap.fill(scale_label, width=max(24, int(15 * width_in)))
    foot = 0.55 + 0.15 * (label.count("\n") + 1)  # inches for the colour bar and its label
    fig, axes = _image_grid(n, ncols, size, title, foot=foot, min_width=width_in)
    for j, ax in enumerate(axes):
        image = W[:, j].reshape(shape)
        top = float(np.abs(image).max()) or 1.0
        ax.imshow(image, cmap="RdBu_r", vmin=-top, vmax=top, interpolation="nearest")
        ax.set_title(f"unit {j}", fontsize=7)
    height = fig.get_figheight()
    width = min(0.6, 4.0 / width_in)  # at most 4 inches wide, centred
    cax = fig.add_axes((0.5 - width / 2, (foot - 0.2) / height, width, 0.12 / height),
                       label="colour scale")
    scale = mpl.cm.ScalarMappable(norm=mpl.colors.Normalize(-1.0, 1.0), cmap="RdBu_r")
    bar = fig.colorbar(scale, cax=cax, orientation="horizontal")
    bar.set_ticks([-1.0, 0.0, 1.0], labels=["\N{MINUS SIGN}max |w|", "0", "+max |w|"])
    bar.ax.tick_params(labelsize=7)
    bar.set_label(label, fontsize=8)
    return fig


def confusion_counts(
    y_true: Sequence[int] | np.ndarray, y_pred: Sequence[int] | np.ndarray,
    n_classes: int | None = None,
) -> np.ndarray:
    """The confusion matrix: counts[i, j] = how many examples of class i were predicted as j.

    y_true, y_pred: int labels, shape (N,). n_classes: C (default: 1 + the largest label).
    Returns int64 (C, C); row i sums to the number of examples of class i, and the diagonal
    holds the correct predictions.
    """
    t = np.asarray(y_true, dtype=np.int64).reshape(-1)
    p = np.asarray(y_pred, dtype=np.int64).reshape(-1)
    if t.shape != p.shape:
        raise ValueError(f"y_true has {t.size} labels but y_pred has {p.size}")
    c = n_classes if n_classes is not None else int(max(t.max(initial=-1), p.max(initial=-1))) + 1
    if t.size and (min(t.min(), p.min()) < 0 or max(t.max(), p.max()) >= c):
        raise ValueError(f"labels should be in 0..{c - 1}")
    return np.bincount(t * c + p, minlength=c * c).reshape(c, c)


def plot_confusion_matrix(
    counts: np.ndarray,
    *,
    labels: Sequence[str] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Draw a confusion matrix counts (C, C) (rows: true class, columns: predicted class, as
    confusion_counts makes it): the diagonal in green, the mistakes in red, every nonzero count
    written in its cell, zeros left blank."""
    import matplotlib as mpl

    counts = np.asarray(counts)
    c = counts.shape[0]
    if counts.shape != (c, c):
        raise ValueError(f"counts should be square, got shape {counts.shape}")
    labels = list(labels) if labels is not None else [str(k) for k in range(c)]
    ax = ax if ax is not None else new_axes((5.0, 4.4))
    colours = np.ones((c, c, 3))
    top = max(1, int(counts.max(initial=0)))
    diag, off = mpl.colors.to_rgb(GREEN), mpl.colors.to_rgb(RED)
    for (i, j), n in np.ndenumerate(counts):
        if n:
            strength = 0.25 + 0.75 * n / top if i == j else min(1.0, 0.35 + 0.2 * n)
            colours[i, j] = 1 - strength * (1 - np.array(diag if i == j else off))
            ax.text(j, i, str(int(n)), ha="center", va="center", fontsize=8,
                    color="white" if strength > 0.6 else "black")
    ax.imshow(colours, interpolation="nearest")
    ax.set_xticks(range(c), labels)
    ax.set_yticks(range(c), labels)
    ax.set_xticks(np.arange(-0.5, c), minor=True)
    ax.set_yticks(np.arange(-0.5, c), minor=True)
    ax.grid(which="minor", color="0.85", lw=0.6)
    ax.tick_params(which="both", length=0, labelsize=8)
    ax.set(xlabel="predicted class", ylabel="true class")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def show_digit_gallery(
    images: np.ndarray,
    labels: Sequence[int] | np.ndarray,
    predicted: Sequence[int] | np.ndarray | None = None,
    *,
    shape: tuple[int, int] = (8, 8),
    max_images: int = 30,
    ncols: int = 10,
    title: str | None = None,
) -> Figure:
    """Small grayscale images with their labels: images (n, rows * columns) or (n, rows,
    columns), values in [0, 1] (ink light on dark); labels (n,). With predicted (n,), each
    title reads "true 3 / pred 8", in red where they differ (a gallery of mistakes). Draws the
    first max_images, ncols per row. Returns the matplotlib Figure."""
    images = np.asarray(images, dtype=float)
    labels = np.asarray(labels).reshape(-1)
    n = min(max_images, len(labels))
    if len(images) != len(labels) or (predicted is not None and len(predicted) != len(labels)):
        raise ValueError("images, labels (and predicted) should have one entry per image")
    fig, axes = _image_grid(max(n, 1), ncols, 0.95, title)
    for k, ax in enumerate(axes[:n]):
        ax.imshow(images[k].reshape(shape), cmap="gray", vmin=0.0, vmax=1.0,
                  interpolation="nearest")
        if predicted is None:
            ax.set_title(str(labels[k]), fontsize=8)
        else:
            wrong = predicted[k] != labels[k]
            ax.set_title(f"true {labels[k]} / pred {predicted[k]}", fontsize=7,
                         color=RED if wrong else "black")
    return fig


def plot_decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    *,
    grid: int = 200,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """The regions of the plane that predict assigns to each class, with the points on top.

    predict: the caller's classifier, points (M, 2) -> int labels (M,); called once on a
    grid x grid mesh covering x with a margin. x: (N, 2) points; y: (N,) int labels (their
    colours match the regions').
    """
    from matplotlib.colors import ListedColormap

    x = np.asarray(x, dtype=float)
    y = np.asarray(y).reshape(-1)
    ax = ax if ax is not None else new_axes((4.5, 4.5))
    lo, hi = x.min(axis=0), x.max(axis=0)
    pad = 0.1 * (hi - lo)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], grid)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], grid)
    gx, gy = np.meshgrid(xs, ys)
    regions = np.asarray(predict(np.stack([gx.ravel(), gy.ravel()], axis=1))).reshape(gx.shape)
    k = int(max(regions.max(), y.max())) + 1
    colours = [f"C{i}" for i in range(k)]
    ax.contourf(gx, gy, regions, levels=np.arange(-0.5, k), cmap=ListedColormap(colours),
                alpha=0.3)
    ax.scatter(x[:, 0], x[:, 1], c=[colours[int(c)] for c in y], s=14, edgecolors="black",
               linewidths=0.4)
    ax.set(xlim=(xs[0], xs[-1]), ylim=(ys[0], ys[-1]), aspect="equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
    return ax
