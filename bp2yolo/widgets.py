"""Interactive widgets used by the lessons.

A widget draws and animates what the lesson computes: the loss, its gradient and the update
rule are callables defined in the notebook and passed in, and a backward pass is stepped by
calling the `_backward` of the lesson's own Values, in the order the lesson's code gives.
Nothing here solves a graded exercise.

The figures are plain matplotlib Figures rendered to PNG into an ``ipywidgets.Image``: the
expensive part (a contour of the loss over a grid) is computed once, and a slider change only
moves a few artists (or redraws a small graph) and re-renders one image, so the widgets stay
responsive on one CPU and need no ipympl.
"""

from __future__ import annotations

import html
import io
import math
import time
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any, NamedTuple

import ipywidgets as W
import numpy as np
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch
from matplotlib.ticker import MaxNLocator

from bp2yolo import viz

LossFn = Callable[[float, float], float]
GradFn = Callable[[float, float], tuple[float, float]]
StepFn = Callable[[float, float, float, float, float], tuple[float, float]]

_FAR = 1e6  # stop drawing a diverging path beyond this


def render_png(fig: Figure, dpi: int = 90) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def loss_grid(
    loss_fn: LossFn,
    w_range: tuple[float, float],
    b_range: tuple[float, float],
    n: int = 101,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evaluate loss_fn(w, b) on an n x n grid; returns (ws, bs, losses), each of shape (n, n).

    loss_fn is first called with whole grids (fast if it is written with numpy operations that
    broadcast); if that fails or gives the wrong shape, it is called once per grid point.
    """
    ws, bs = np.meshgrid(np.linspace(*w_range, n), np.linspace(*b_range, n))
    try:
        losses = np.asarray(loss_fn(ws, bs), dtype=float)
    except (TypeError, ValueError):
        losses = None
    if losses is None or losses.shape != ws.shape:
        losses = np.vectorize(lambda w, b: float(loss_fn(w, b)))(ws, bs)
    return ws, bs, losses


def _slider(label: str, value: float, lo: float, hi: float) -> W.FloatSlider:
    return W.FloatSlider(
        value=value, min=lo, max=hi, step=(hi - lo) / 200, description=label,
        continuous_update=False, readout_format=".3f", layout=W.Layout(width="320px"),
    )


class LossSurfaceWidget(W.VBox):
    """Sliders for w, b, the learning rate and a number of steps, over the contour of L(w, b).

    The plot shows the current point, the gradient arrow (uphill), the first step and the path
    of the next steps; the text beside it gives L, the gradient and the loss after the steps.

    loss_fn(w, b) -> L; best if it also accepts numpy arrays (the contour is computed once on a
    grid x grid mesh). grad_fn(w, b) -> (dL/dw, dL/db). step_fn(w, b, dw, db, lr) -> (w, b)
    after one update. All three come from the lesson; the widget only calls them.
    minimum: a point (w, b) to mark with a star, e.g. the least-squares solution.
    """

    def __init__(
        self,
        loss_fn: LossFn,
        grad_fn: GradFn,
        step_fn: StepFn,
        *,
        w0: float,
        b0: float,
        lr0: float,
        w_range: tuple[float, float],
        b_range: tuple[float, float],
        lr_range: tuple[float, float] = (1e-3, 2.0),
        max_steps: int = 30,
        grid: int = 101,
        title: str | None = None,
        minimum: tuple[float, float] | None = None,
    ) -> None:
        self.loss_fn, self.grad_fn, self.step_fn = loss_fn, grad_fn, step_fn
        self.w_slider = _slider("w", w0, *w_range)
        self.b_slider = _slider("b", b0, *b_range)
        self.lr_slider = W.FloatLogSlider(
            value=lr0, base=10, min=np.log10(lr_range[0]), max=np.log10(lr_range[1]), step=0.01,
            description="learning rate", continuous_update=False, readout_format=".3g",
            style={"description_width": "initial"}, layout=W.Layout(width="320px"),
        )
        self.steps_slider = W.IntSlider(
            value=1, min=1, max=max_steps, description="steps", continuous_update=False,
            layout=W.Layout(width="320px"),
        )
        self.image = W.Image(format="png")
        self.readout = W.HTML()
        self._build_figure(w_range, b_range, grid, title, minimum)
        controls = W.VBox([self.w_slider, self.b_slider, self.lr_slider, self.steps_slider])
        super().__init__([W.HBox([self.image, W.VBox([controls, self.readout])])])
        for s in (self.w_slider, self.b_slider, self.lr_slider, self.steps_slider):
            s.observe(self._on_change, names="value")
        self.update()

    def _build_figure(
        self, w_range: tuple[float, float], b_range: tuple[float, float], grid: int,
        title: str | None, minimum: tuple[float, float] | None,
    ) -> None:
        self.fig = Figure(figsize=(5.2, 4.2), layout="constrained")
        FigureCanvasAgg(self.fig)
        self.ax = self.fig.add_subplot()
        filled = viz.plot_loss_contour(self.ax, *loss_grid(self.loss_fn, w_range, b_range, grid))
        self.fig.colorbar(filled, ax=self.ax, label="L(w, b)", ticks=MaxNLocator(6), shrink=0.85)
        self.ax.set(xlim=w_range, ylim=b_range, aspect="equal")
        if title:
            self.ax.set_title(title)
        (self.path,) = self.ax.plot([], [], "o-", color="white", ms=3, lw=1, mec="black", mew=0.5)
        # The arrows are drawn over the current point and outlined in black, so that they show
        # on the light valley: the first step starts at the point's centre, so a short one (at
        # lesson 01's defaults it is about as long as the dot is wide) is not hidden under the
        # dot; the gradient starts at the dot's edge (3.5 points), leaving the dot visible.
        outline = [patheffects.withStroke(linewidth=4, foreground="black")]
        self.grad_arrow = FancyArrowPatch(
            (0, 0), (0, 0), arrowstyle="-|>", mutation_scale=14, color=viz.RED, lw=2,
            label="gradient ∇L", zorder=5, shrinkA=3.5, shrinkB=0, path_effects=outline,
        )
        self.step_arrow = FancyArrowPatch(
            (0, 0), (0, 0), arrowstyle="-|>", mutation_scale=9, color="orange", lw=2,
            label="first step", zorder=6, shrinkA=0, shrinkB=0, path_effects=outline,
        )
        self.ax.add_patch(self.grad_arrow)
        self.ax.add_patch(self.step_arrow)
        handles = [self.grad_arrow, self.step_arrow]
        if minimum is not None:
            handles += self.ax.plot(*minimum, "*", color="white", mec="black", ms=13,
                                    label="minimum", zorder=3)
        (self.point,) = self.ax.plot([], [], "o", color="white", mec="black", ms=7, zorder=4)
        self.ax.legend(handles=handles, loc="upper right", fontsize=8)

    def _on_change(self, _change: dict) -> None:
        self.update()

    def trajectory(self) -> list[tuple[float, float]]:
        """The current point followed by steps_slider.value steps of step_fn (fewer if it
        diverges)."""
        w, b, lr = self.w_slider.value, self.b_slider.value, self.lr_slider.value
        points = [(w, b)]
        for _ in range(self.steps_slider.value):
            dw, db = self.grad_fn(w, b)
            w, b = self.step_fn(w, b, dw, db, lr)
            if not (np.isfinite(w) and np.isfinite(b)) or max(abs(w), abs(b)) > _FAR:
                break
            points.append((float(w), float(b)))
        return points

    def update(self) -> None:
        """Redraw the point, the arrows, the path and the readout for the slider values."""
        w, b = self.w_slider.value, self.b_slider.value
        dw, db = self.grad_fn(w, b)
        path = self.trajectory()
        self.point.set_data([w], [b])
        self.grad_arrow.set_positions((w, b), (w + dw, b + db))
        self.step_arrow.set_positions(path[0], path[1] if len(path) > 1 else path[0])
        self.path.set_data([p[0] for p in path], [p[1] for p in path])
        self.readout.value = self._readout(w, b, dw, db, path)
        self.image.value = render_png(self.fig)

    def _readout(
        self, w: float, b: float, dw: float, db: float, path: list[tuple[float, float]]
    ) -> str:
        rows = [
            f"L(w, b) = {self.loss_fn(w, b):.4g}",
            f"∇L = (∂L/∂w, ∂L/∂b) = ({dw:.4g}, {db:.4g})",
        ]
        if len(path) > 1:
            (w1, b1), (wn, bn) = path[1], path[-1]
            rows.append(f"after 1 step: w = {w1:.4g}, b = {b1:.4g}, L = {self.loss_fn(w1, b1):.4g}")
            if len(path) > 2:
                rows.append(f"after {len(path) - 1} steps: L = {self.loss_fn(wn, bn):.4g}")
        if len(path) - 1 < self.steps_slider.value:
            rows.append("<b style='color:#c0392b'>diverged: the steps grow without bound</b>")
        return "<br>".join(rows)


Node = Any  # a Value of the lesson: .data, .grad, ._parents, ._backward (._op if it has one)


def read_number(text: str | float) -> float:
    """A number as a learner types it: 0.25, -1/4, 1e-3 (a '−' counts as '-').

    Raises ValueError, with what to type instead, if `text` is not a number.
    """
    if isinstance(text, (int, float)):
        return float(text)
    cleaned = text.strip().replace("−", "-").replace(" ", "")
    if not cleaned:
        raise ValueError("nothing typed: write a number such as -0.25 or -1/4")
    try:
        return float(Fraction(cleaned))
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"cannot read {text!r} as a number: write e.g. -0.25 or -1/4") from None


class Verdict(NamedTuple):
    """What BackwardPass.check made of a guess.

    right: every guessed gradient within the tolerance. expected: node name -> its gradient
    after the step. wrong: the names whose guess was off. message: the verdict in words.
    """

    right: bool
    expected: dict[str, float]
    wrong: tuple[str, ...]
    message: str


class BackwardPass:
    """The backward pass of a graph of the lesson's Values, one node's `_backward` at a time.

    root: the graph's output. order: its nodes in the order their `_backward` runs, the output
        first, as the lesson's backward() walks them: the order comes from the lesson's code,
        and the gradients from the nodes' own `_backward` (this class has no rule of its own).
    names: name -> node, for the nodes to show by name; the others (such as the Value that
        wraps the 1.0 of `u + 1.0`) are named t1, t2, ... from the inputs on.
    rtol: how close a guess must be to the gradient, relatively (guess mode).

    It starts as backward() does: every node's grad 0, then root.grad = 1. Step k runs the
    `_backward` of steps[k], the k-th node of `order` that has parents (a leaf has nothing to
    pass on). The gradients after each step are kept, so that back() restores them; the nodes'
    `grad` always holds the gradients after the current step.
    """

    def __init__(
        self,
        root: Node,
        order: Sequence[Node],
        names: Mapping[str, Node] | None = None,
        *,
        rtol: float = 0.01,
        atol: float = 1e-9,
    ) -> None:
        self.root, self.order, self.rtol, self.atol = root, list(order), rtol, atol
        self._index = {id(node): i for i, node in enumerate(self.order)}
        if len(self._index) != len(self.order):
            raise ValueError("order holds a node twice: each node's _backward runs once")
        if id(root) not in self._index:
            raise ValueError("order does not hold root: give the nodes of root's own graph")
        self.names = self._name_nodes(names or {})
        for node in self.order:
            for parent in node._parents:
                if id(parent) not in self._index:
                    raise ValueError(
                        f"order misses a parent of {self.name(node)} (data {parent.data:g}): "
                        "give every node that root depends on"
                    )
        self.steps = [node for node in self.order if node._parents]
        self.output = self.name(root)
        self.reset()

    def _name_nodes(self, names: Mapping[str, Node]) -> list[str]:
        given = {id(node): name for name, node in names.items()}
        for name, node in names.items():
            if id(node) not in self._index:
                raise ValueError(f"names[{name!r}] is not a node of this graph (built again "
                                 "since?): name the nodes of the graph you pass")
        out = [given.get(id(node), "") for node in self.order]
        taken, count = set(out), 0
        for i in reversed(range(len(self.order))):  # from the inputs on
            while not out[i]:
                count += 1
                out[i] = "" if f"t{count}" in taken else f"t{count}"
        return out

    def name(self, node: Node) -> str:
        return self.names[self._index[id(node)]]

    # -- the state: how many steps have run, and the gradients after each ---------------------

    @property
    def k(self) -> int:
        """How many steps have run."""
        return len(self._history) - 1

    def reset(self) -> None:
        """Back to the start of the backward pass: every grad 0, then root.grad = 1."""
        for node in self.order:
            node.grad = 0.0
        self.root.grad = 1.0
        self._history = [self._read()]
        self.right = self.checked = 0  # guess mode's score

    def _read(self) -> tuple[float, ...]:
        return tuple(float(node.grad) for node in self.order)

    def _write(self, grads: Sequence[float]) -> None:
        for node, grad in zip(self.order, grads, strict=True):
            node.grad = grad

    def step(self) -> None:
        """Run the next node's `_backward` (nothing once every step has run)."""
        if self.k == len(self.steps):
            return
        self._write(self._history[-1])  # another stepper may have moved the same nodes
        self.steps[self.k]._backward()
        self._history.append(self._read())

    def back(self) -> None:
        """Undo the last step (nothing at the start)."""
        if self.k:
            self._history.pop()
        self._write(self._history[-1])

    def goto(self, k: int) -> None:
        """Run or undo steps until k have run (k within 0 and len(steps))."""
        k = min(len(self.steps), max(0, k))
        while self.k > k:
            self.back()
        while self.k < k:
            self.step()

    # -- what the picture shows --------------------------------------------------------------

    def values(self) -> dict[str, float]:
        """Every node's forward value, by name."""
        return {name: node.data for name, node in zip(self.names, self.order, strict=True)}

    def edges(self) -> list[tuple[str, str]]:
        """(parent, node) for every node and each of its distinct parents."""
        return [(self.name(p), self.name(node)) for node in self.order
                for p in self._distinct(node._parents)]

    def edge_labels(self) -> dict[tuple[str, str], str]:
        """'×2' on the edge of a parent that a node uses twice (b = a + a), and so on."""
        return {(self.name(p), self.name(node)): f"×{count}" for node in self.order
                for p in self._distinct(node._parents)
                if (count := sum(q is p for q in node._parents)) > 1}

    def grads(self, k: int | None = None) -> dict[str, float]:
        """The gradients known after k steps (default: the current step): the output's, and
        those of the parents of every node whose `_backward` has run."""
        k = self.k if k is None else k
        grads = self._history[k]
        reached = [self.root] + [p for node in self.steps[:k] for p in node._parents]
        return {self.name(n): grads[self._index[id(n)]] for n in reached}

    def positions(self, dx: float = 2.2, dy: float = 1.3) -> dict[str, tuple[float, float]]:
        """A layout from left to right: each node dx right of its furthest parent, a leaf just
        left of its first use, and the parents of a node dy apart in the order of its inputs."""
        n = len(self.order)
        parents = [[self._index[id(p)] for p in node._parents] for node in self.order]
        uses: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        for i, ps in enumerate(parents):
            for slot, j in enumerate(ps):
                uses[j].append((i, slot))
        level = [0] * n
        for _ in range(n):  # relax until every node is right of its parents
            moved = False
            for i, ps in enumerate(parents):
                for j in ps:
                    if level[i] <= level[j]:
                        level[i], moved = level[j] + 1, True
            if not moved:
                break
        for i in range(n):
            if not parents[i] and uses[i]:
                level[i] = min(level[c] for c, _ in uses[i]) - 1
        y: dict[int, float] = {}
        for lev in sorted(set(level), reverse=True):
            members = [i for i in range(n) if level[i] == lev]

            def want(i: int) -> float:
                placed = [y[c] + 0.75 * ((len(parents[c]) - 1) / 2 - slot)
                          for c, slot in uses[i] if c in y]
                return sum(placed) / len(placed) if placed else 0.0

            members.sort(key=lambda i: -want(i))
            wants = [want(i) for i in members]
            ys = list(wants)
            for m in range(1, len(ys)):
                ys[m] = min(ys[m], ys[m - 1] - dy)
            shift = (sum(wants) - sum(ys)) / len(ys)
            y.update({i: v + shift for i, v in zip(members, ys, strict=True)})
        low = min(level)
        return {self.names[i]: ((level[i] - low) * dx, y[i]) for i in range(n)}

    # -- the words ---------------------------------------------------------------------------

    @staticmethod
    def _distinct(nodes: Sequence[Node]) -> list[Node]:
        out: list[Node] = []
        for node in nodes:
            if not any(node is seen for seen in out):
                out.append(node)
        return out

    def _d(self, name: str) -> str:
        return f"∂{self.output}/∂{name}"

    def head(self, k: int) -> str:
        """What step k (0-based) does: whose `_backward` runs, with which upstream gradient."""
        node = self.steps[k]
        op = getattr(node, "_op", "")
        made = f" (made by {op})" if op else ""
        inputs = ", ".join(self.name(p) for p in node._parents)
        upstream = self._history[k][self._index[id(node)]]
        return (f"{self.name(node)}._backward(){made}, from {inputs}, with upstream "
                f"{self._d(self.name(node))} = {upstream:.4g}")

    def note(self, k: int) -> str:
        """What step k (1-based) did to each parent: before + upstream × local = after, the
        local derivative read off the change the node's own `_backward` made."""
        node = self.steps[k - 1]
        before, after = self._history[k - 1], self._history[k]
        upstream = before[self._index[id(node)]]
        parts = []
        for p in self._distinct(node._parents):
            i = self._index[id(p)]
            added = after[i] - before[i]
            if upstream:
                change = f"{upstream:.4g} × {added / upstream:.4g}"
            else:
                change = f"{added:.4g}"
            start = f"{before[i]:.4g} + " if before[i] else ""
            parts.append(f"{self._d(self.name(p))} = {start}{change} = {after[i]:.4g}")
        return "; ".join(parts)

    # -- guess mode --------------------------------------------------------------------------

    def asked(self) -> list[str]:
        """The names whose gradient the next step changes: the parents of the next node."""
        if self.k == len(self.steps):
            return []
        return [self.name(p) for p in self._distinct(self.steps[self.k]._parents)]

    def _run_next(self) -> dict[str, float]:
        """Run the next step; the gradients its node's parents hold after it ({} when every
        step has run)."""
        asked = self.asked()
        self.step()
        return {name: self._history[-1][self.names.index(name)] for name in asked}

    def expected(self) -> dict[str, float]:
        """The gradients of the next node's parents once its `_backward` has run (found by
        running it, and undoing it)."""
        if not self.asked():
            return {}
        got = self._run_next()
        self.back()
        return got

    def check(self, guesses: Mapping[str, str | float]) -> Verdict:
        """Compare the guessed gradients of the next node's parents with what its `_backward`
        gives, then run the step. Raises ValueError (and runs nothing) if a guess is missing
        or is not a number, or if every step has run."""
        asked = self.asked()
        if not asked:
            raise ValueError("the backward pass is done: there is nothing left to guess")
        read = {}
        for name in asked:
            if name not in guesses:
                raise ValueError(f"no guess for {self._d(name)}")
            read[name] = read_number(guesses[name])
        expected = self._run_next()
        wrong = tuple(name for name, want in expected.items()
                      if not math.isclose(read[name], want, rel_tol=self.rtol, abs_tol=self.atol))
        self.checked += 1
        self.right += not wrong
        if not wrong:
            message = "right: " + ", ".join(f"{self._d(n)} = {v:.4g}" for n, v in expected.items())
        else:
            message = "not quite: " + ", ".join(
                f"{self._d(n)} is {expected[n]:.4g}, not {read[n]:.4g}" for n in wrong)
        return Verdict(not wrong, expected, wrong, message)

    def reveal(self) -> dict[str, float]:
        """Run the next step without a guess; returns the gradients it gave (as expected())."""
        return self._run_next()


class BackwardStepper(W.VBox):
    """Step through the backward pass of a graph built with the lesson's Value, one node's
    `_backward` at a time (a thin layer over BackwardPass, which holds the logic).

    root, order, names, rtol: as for BackwardPass (order: the nodes in the order the lesson's
        backward() runs them, the output first).
    guess: False, to step with next / back / a slider; True, to type the gradients each step
        will give before it runs, and check them (or reveal them).
    positions: name -> (x, y), to place the nodes by hand (default: BackwardPass.positions()).

    The picture shows every forward value (green), the gradients known so far (red) and frames
    the node whose `_backward` ran last (guess mode: the one that runs next).
    """

    def __init__(
        self,
        root: Node,
        order: Sequence[Node],
        names: Mapping[str, Node] | None = None,
        *,
        guess: bool = False,
        title: str | None = None,
        rtol: float = 0.01,
        positions: Mapping[str, tuple[float, float]] | None = None,
    ) -> None:
        self.state = BackwardPass(root, order, names, rtol=rtol)
        if not self.state.steps:
            raise ValueError("root has no parents: build a graph with at least one operation")
        self.guess, self.title = guess, title
        self.positions = dict(positions or self.state.positions())
        self.edges, self.edge_labels = self.state.edges(), self.state.edge_labels()
        xs = [p[0] for p in self.positions.values()]
        ys = [p[1] for p in self.positions.values()]
        size = (min(12.0, max(xs) - min(xs) + 2.0), min(8.0, max(ys) - min(ys) + 2.0))
        self.fig = Figure(figsize=size, layout="constrained")
        FigureCanvasAgg(self.fig)
        self.ax = self.fig.add_subplot()
        self.image = W.Image(format="png")
        self.readout = W.HTML()
        n = len(self.state.steps)
        if guess:
            self.reveal_button = W.Button(description="reveal ▶", layout=W.Layout(width="100px"))
            self.restart_button = W.Button(description="start again",
                                           layout=W.Layout(width="110px"))
            self.check_button = W.Button(description="check", button_style="primary",
                                         layout=W.Layout(width="90px"))
            self.reveal_button.on_click(lambda _: self._reveal())
            self.restart_button.on_click(lambda _: self._restart())
            self.check_button.on_click(lambda _: self._check())
            self.boxes: dict[str, W.Text] = {}
            self.box_row = W.HBox()
            self.question, self.verdict = W.HTML(), W.HTML()
            controls = W.HBox([self.reveal_button, self.restart_button])
            self.answer = W.HBox([self.box_row, self.check_button])
            super().__init__([controls, self.image, self.question, self.answer, self.verdict,
                              self.readout])
        else:
            self.slider = W.IntSlider(
                value=0, min=0, max=n, description="steps run",
                style={"description_width": "initial"}, layout=W.Layout(width="360px"),
            )
            self.back_button = W.Button(description="◀ back", layout=W.Layout(width="90px"))
            self.next_button = W.Button(description="next ▶", layout=W.Layout(width="90px"))
            self.back_button.on_click(lambda _: self.step(-1))
            self.next_button.on_click(lambda _: self.step(+1))
            controls = W.HBox([self.back_button, self.next_button, self.slider])
            super().__init__([controls, self.image, self.readout])
            self.slider.observe(lambda _change: self.update(), names="value")
        self.update()

    def step(self, delta: int) -> None:
        """Run `delta` more steps (or undo them, if negative), within 0 and len(steps)."""
        if self.guess:
            self.state.goto(self.state.k + delta)
            self.update()
        else:
            self.slider.value = min(len(self.state.steps), max(0, self.slider.value + delta))

    def grads(self) -> dict[str, float]:
        """The gradients the picture shows: the output's and those reached so far."""
        return self.state.grads()

    def update(self) -> None:
        """Redraw the graph (and the question, in guess mode) for the current step."""
        state = self.state
        if not self.guess:
            state.goto(self.slider.value)
        k, n = state.k, len(state.steps)
        self.ax.clear()
        viz.draw_graph(self.positions, self.edges, values=state.values(), grads=state.grads(),
                       edge_labels=self.edge_labels, ax=self.ax, title=self.title,
                       output=state.output)
        framed = (state.steps[k] if k < n else None) if self.guess else (
            state.steps[k - 1] if k else None)
        if framed is not None:
            at = tuple(self.positions[state.name(framed)])
            for text in self.ax.texts:
                if text.get_position() == at and text.get_bbox_patch():
                    text.set_bbox({"boxstyle": "round,pad=0.4", "fc": "#fdebd0", "ec": viz.RED,
                                   "lw": 2.5})
        self.readout.value = self._readout(k)
        if self.guess:
            self._ask()
        else:
            self.back_button.disabled = k == 0
            self.next_button.disabled = k == n
        self.image.value = render_png(self.fig, dpi=100)

    def _readout(self, k: int) -> str:
        state, n = self.state, len(self.state.steps)
        leaves = ", ".join(state.name(node) for node in reversed(state.order)
                           if not node._parents)
        if k == 0:
            what = ("Type the gradients each step will give, then <b>check</b>"
                    if self.guess else "Press <b>next</b> to run them one by one")
            return html.escape(
                f"Forward pass done, every grad 0, then {state._d(state.output)} = 1. "
                f"{n} nodes have a _backward to run (the leaves {leaves} have none). "
            ) + what + "."
        done = "<br>" + html.escape(
            f"Backward pass done: every node has its gradient (the leaves {leaves} have no "
            "_backward to run).") if k == n else ""
        return (f"step {k} of {n}: <b>{html.escape(state.head(k - 1))}</b><br>"
                f"{html.escape(state.note(k))}{done}")

    def _ask(self) -> None:
        state = self.state
        asked = state.asked()
        if not asked:
            self.question.value = (f"<b>Done</b>: {state.right} of {state.checked} checked "
                                   f"steps right ({len(state.steps)} steps in all).")
        else:
            held = [name for name in asked if state.grads().get(name)]
            also = (f" A gradient adds to what the node already holds ({', '.join(held)}): "
                    "type the total." if held else "")
            self.question.value = html.escape(
                f"Next, {state.head(state.k)}. What are the gradients after it?{also}")
        self.boxes = {name: W.Text(
            description=html.escape(state._d(name)) + " =", placeholder="e.g. -1/4",
            style={"description_width": "initial"}, layout=W.Layout(width="190px"),
        ) for name in asked}
        self.box_row.children = tuple(self.boxes.values())
        self.check_button.disabled = self.reveal_button.disabled = not asked
        self.answer.layout.display = None if asked else "none"

    def _check(self) -> None:
        try:
            verdict = self.state.check({name: box.value for name, box in self.boxes.items()})
        except ValueError as err:
            self.verdict.value = f"<span style='color:#b9770e'>{html.escape(str(err))}</span>"
            return
        color = viz.GREEN if verdict.right else viz.RED
        self.verdict.value = f"<b style='color:{color}'>{html.escape(verdict.message)}</b>"
        self.update()

    def _reveal(self) -> None:
        if self.state.asked():
            shown = self.state.reveal()
            self.verdict.value = html.escape("revealed: " + ", ".join(
                f"{self.state._d(name)} = {grad:.4g}" for name, grad in shown.items()))
        self.update()

    def _restart(self) -> None:
        self.state.reset()
        self.verdict.value = ""
        self.update()


CurvesFn = Callable[..., Mapping[str, Sequence[float]]]


class CurvesWidget(W.VBox):
    """Sliders over a plot of curves that a callable computes from the slider values.

    compute(**values) -> {label: ys}: called with one keyword argument per slider (its name) each
    time a slider is released; each curve ys is drawn against 0, 1, 2, ... (a quantity over the
    steps of training, say). The labels must be the same on every call.
    sliders: name -> (initial value, min, max): an IntSlider if all three are ints, else a
    FloatSlider.
    readout(curves) -> str (HTML), optional: text shown under the sliders.
    ylim: fixed y limits; without it the y axis follows the curves.
    The widget only draws what compute returns: the lesson computes the curves.
    """

    def __init__(
        self,
        compute: CurvesFn,
        sliders: Mapping[str, tuple[float, float, float]],
        *,
        xlabel: str = "step",
        ylabel: str = "",
        title: str | None = None,
        ylim: tuple[float, float] | None = None,
        readout: Callable[[Mapping[str, Sequence[float]]], str] | None = None,
    ) -> None:
        self.compute, self.readout_fn, self.ylim = compute, readout, ylim
        self.sliders: dict[str, W.ValueWidget] = {}
        for name, (value, lo, hi) in sliders.items():
            if all(isinstance(v, int) for v in (value, lo, hi)):
                slider = W.IntSlider(value=value, min=lo, max=hi, description=name,
                                     continuous_update=False, layout=W.Layout(width="320px"))
            else:
                slider = _slider(name, value, lo, hi)
            slider.observe(self._on_change, names="value")
            self.sliders[name] = slider
        self.image = W.Image(format="png")
        self.readout = W.HTML()
        self.fig = Figure(figsize=(6.0, 3.6), layout="constrained")
        FigureCanvasAgg(self.fig)
        self.ax = self.fig.add_subplot()
        self.ax.set(xlabel=xlabel, ylabel=ylabel)
        if title:
            self.ax.set_title(title)
        self.ax.grid(alpha=0.3)
        self.lines: dict[str, object] = {}
        controls = W.VBox([*self.sliders.values(), self.readout])
        super().__init__([W.HBox([self.image, controls])])
        self.update()

    def _on_change(self, _change: dict) -> None:
        self.update()

    def values(self) -> dict[str, float]:
        """The sliders' current values, by name."""
        return {name: s.value for name, s in self.sliders.items()}

    def update(self) -> None:
        """Recompute the curves for the slider values and redraw them."""
        curves = self.compute(**self.values())
        for label, ys in curves.items():
            ys = np.asarray(ys, dtype=float)
            if label not in self.lines:
                (self.lines[label],) = self.ax.plot([], [], lw=1.8, label=label)
                self.ax.legend(fontsize=9)
            self.lines[label].set_data(np.arange(len(ys)), ys)
        self.ax.relim()
        self.ax.autoscale_view()
        if self.ylim is not None:
            self.ax.set_ylim(*self.ylim)
        self.readout.value = self.readout_fn(curves) if self.readout_fn else ""
        self.image.value = render_png(self.fig)


# ---------------------------------------------------------------------------------------------
# Chapter 07: intersection over union

Box = tuple[float, float, float, float]  # (cx, cy, w, h)
IoUFn = Callable[[Box, Box], float]


class IoUWidget(W.VBox):
    """Two boxes and their IoU: sliders move and resize box B (red) against box A (green).

    Boxes are (cx, cy, w, h) in a unit square, y pointing down as in an image. iou_fn(a, b)
    -> float comes from the lesson; the widget only calls it. The overlap is shaded by drawing
    box A filled and clipped to box B.
    """

    TAG_SIZE = 12.0  # points, for the A and B tags

    def __init__(self, iou_fn: IoUFn, box_a: Box = (0.45, 0.45, 0.4, 0.3),
                 box_b: Box = (0.6, 0.55, 0.3, 0.4)) -> None:
        self.iou_fn, self.box_a = iou_fn, tuple(float(v) for v in box_a)
        names = ("centre x", "centre y", "width", "height")
        self.sliders = [_slider(n, float(v), 0.0, 1.0) for n, v in zip(names, box_b, strict=True)]
        for s in self.sliders:
            s.style = {"description_width": "64px"}  # one width: the tracks line up
        self.fig = Figure(figsize=(3.6, 3.6), layout="constrained")
        FigureCanvasAgg(self.fig)
        self.ax = self.fig.add_subplot()
        viz.show_boxes(ax=self.ax)
        # A's tag at its top-left corner, B's at its top-right: apart even when the boxes coincide
        self.patch_a = viz.draw_boxes(self.ax, [self.box_a], color=viz.GREEN, texts=["A"],
                                      fontsize=self.TAG_SIZE)[0]
        self.patch_b = viz.draw_boxes(self.ax, [box_b], color=viz.RED)[0]
        self.label_b = viz.label_box(self.ax, box_b, "B", color=viz.RED, fontsize=self.TAG_SIZE,
                                     corner="right")
        # the overlap: box A filled, clipped to box B (drawn, not computed)
        self.overlap = viz.draw_boxes(self.ax, [self.box_a], color="orange", fill=True, lw=0)[0]
        self.overlap.set_clip_path(self.patch_b)
        self.image = W.Image(format="png")
        self.readout = W.HTML()
        super().__init__([W.HBox([self.image, W.VBox([*self.sliders, self.readout])])])
        for s in self.sliders:
            s.observe(self._on_change, names="value")
        self.update()

    @property
    def box_b(self) -> Box:
        cx, cy, w, h = (s.value for s in self.sliders)
        return (cx, cy, w, h)

    def _on_change(self, _change: dict) -> None:
        self.update()

    def update(self) -> None:
        """Move box B, recompute the IoU with iou_fn and redraw."""
        a, b = self.box_a, self.box_b
        self.patch_b.set_bounds(b[0] - b[2] / 2, b[1] - b[3] / 2, b[2], b[3])
        viz.place_label(self.label_b, b, corner="right")
        self.overlap.set_clip_path(self.patch_b)  # B's new outline
        iou = float(self.iou_fn(a, b))
        self.readout.value = (  # the sliders' precision, 3 decimals
            f"A = ({', '.join(f'{v:.3f}' for v in a)})<br>"
            f"B = ({', '.join(f'{v:.3f}' for v in b)})<br><b>IoU(A, B) = {iou:.3f}</b>"
        )
        self.image.value = render_png(self.fig)


# ---------------------------------------------------------------------------------------------
# Chapter 04: Jacobians and vector-Jacobian products

VectorFn = Callable[[np.ndarray], np.ndarray | float]
JacobianFn = Callable[[np.ndarray], np.ndarray]
VjpFn = Callable[[np.ndarray, np.ndarray | float], np.ndarray]


def _entry_slider(label: str, value: float, lo: float, hi: float) -> W.FloatSlider:
    """A slider in steps of 0.1, so that two entries can be set exactly equal (a tie)."""
    return W.FloatSlider(
        value=value, min=lo, max=hi, step=0.1, description=label, continuous_update=False,
        readout_format=".1f", layout=W.Layout(width="260px"),
    )


class JacobianWidget(W.VBox):
    """Pick a function of a small vector x and move x and the upstream gradient dout: see the
    Jacobian J = ∂y/∂x of y = f(x) as a picture, and the vector-Jacobian product dx = dout J.

    functions: name -> (forward, jacobian, backward), callables from the lesson:
        forward(x) -> y, of shape (M,) with M <= D, or a number (M = 1);
        jacobian(x) -> J, of shape (M, D) ((D,) for a number y);
        backward(x, dout) -> dx, of shape (D,), with dout of y's shape (a float for a number y).
    x0: the starting x, shape (D,), one slider per entry; dout0: the starting upstream gradient,
        shape (D,) (default all ones); only its first M entries are used (the others' sliders
        are greyed out).
    The picture lays out the product: x as a row above J (where J is taken), dout as a column
    left of J (row i of J is weighted by dout[i]), dx under J (column j of J summed). The
    readout compares backward's dx with dout @ J: the widget computes nothing else.
    """

    CELL = 0.55  # inches per matrix entry

    def __init__(
        self,
        functions: Mapping[str, tuple[VectorFn, JacobianFn, VjpFn]],
        x0: Sequence[float],
        dout0: Sequence[float] | None = None,
        *,
        x_range: tuple[float, float] = (-3.0, 3.0),
        dout_range: tuple[float, float] = (-2.0, 2.0),
    ) -> None:
        if not functions:
            raise ValueError("functions is empty: give at least one (forward, jacobian, backward)")
        x0 = [float(v) for v in x0]
        dout0 = [1.0] * len(x0) if dout0 is None else [float(v) for v in dout0]
        if len(dout0) != len(x0):
            raise ValueError(f"x0 has {len(x0)} entries but dout0 has {len(dout0)}")
        self.functions = dict(functions)
        self.picker = W.ToggleButtons(options=list(self.functions), description="f",
                                      style={"button_width": "72px"})
        self.x_sliders = [_entry_slider(f"x[{i}]", v, *x_range) for i, v in enumerate(x0)]
        self.dout_sliders = [_entry_slider(f"dout[{i}]", v, *dout_range)
                             for i, v in enumerate(dout0)]
        self.image = W.Image(format="png")
        self.readout = W.HTML()
        d, c = len(x0), self.CELL
        self.fig = Figure(figsize=(1.9 + (d + 1) * c, 2.4 + (d + 2) * c))  # room for M = D
        FigureCanvasAgg(self.fig)
        sliders = W.HBox([W.VBox(self.x_sliders), W.VBox(self.dout_sliders)])
        super().__init__([self.picker, W.HBox([self.image, W.VBox([sliders, self.readout])])])
        self.picker.observe(self._on_change, names="value")
        for s in (*self.x_sliders, *self.dout_sliders):
            s.observe(self._on_change, names="value")
        self.update()

    def _on_change(self, _change: dict) -> None:
        self.update()

    def x(self) -> np.ndarray:
        """The current x, shape (D,)."""
        return np.array([s.value for s in self.x_sliders], dtype=float)

    def compute(self) -> dict[str, np.ndarray]:
        """y, J (M, D), dout (M,) and dx (D,) for the picked function at the slider values."""
        forward, jacobian, backward = self.functions[self.picker.value]
        x = self.x()
        y_raw = forward(x)
        y = np.atleast_1d(np.asarray(y_raw, dtype=float))
        m, d = y.size, x.size
        if m > d:
            raise ValueError(f"{self.picker.value}: y has {m} entries, more than x's {d}")
        jac = np.asarray(jacobian(x), dtype=float).reshape(m, d)
        dout = np.array([s.value for s in self.dout_sliders[:m]], dtype=float)
        dx = np.asarray(backward(x, float(dout[0]) if np.ndim(y_raw) == 0 else dout), dtype=float)
        return {"x": x, "y": y, "J": jac, "dout": dout, "dx": dx.reshape(d)}

    def update(self) -> None:
        """Recompute y, J and dx for the picked function and the sliders, and redraw."""
        r = self.compute()
        m, d = r["J"].shape
        for i, s in enumerate(self.dout_sliders):
            s.disabled = i >= m
        self.fig.clear()
        left_j = 0.45 + self.CELL + 0.8  # inches from the left: dout, then J
        top_j = 1.0 + self.CELL  # inches from the top: x, then J
        panels = [  # (what, title, left, top, rows, columns), every cell CELL inches wide
            (r["x"].reshape(1, d), "x", left_j, 0.4, 1, d),
            (r["dout"].reshape(m, 1), "dout", 0.45, top_j, m, 1),
            (r["J"], f"J = ∂y/∂x, {m} × {d}", left_j, top_j, m, d),
            (r["dx"], "dx = dout J", left_j, top_j + 0.9 + m * self.CELL, 1, d),
        ]
        for what, title, left, top, rows, cols in panels:
            ax = self.fig.add_axes(self._box(left, top, rows, cols))
            viz.draw_matrix(what, ax=ax, title=title)
        self.fig.axes[2].set(xlabel="j (entry of x)", ylabel="i (entry of y)")
        self.readout.value = self._readout(r)
        self.image.value = render_png(self.fig)

    def _box(self, left: float, top: float, rows: int, cols: int) -> list[float]:
        """An Axes rectangle in figure fractions from inches measured from the top left."""
        w, h = self.fig.get_size_inches()
        c = self.CELL
        return [left / w, 1 - (top + rows * c) / h, cols * c / w, rows * c / h]

    def _readout(self, r: dict[str, np.ndarray]) -> str:
        from bp2yolo.checks.core import rel_error

        def vec(a: np.ndarray) -> str:
            return "[" + ", ".join(f"{v + 0.0:.3g}" for v in a) + "]"  # no -0

        m, d = r["J"].shape
        product = r["dout"] @ r["J"]
        err = rel_error(r["dx"], product)
        colour = "#2a7f3f" if err < 1e-9 else viz.RED
        nonzero = int(np.count_nonzero(r["J"]))
        return "<br>".join([
            f"x = {vec(r['x'])}",
            f"y = f(x) = {vec(r['y'])}",
            f"J: {m} × {d} = {m * d} entries, {nonzero} nonzero",
            f"dout = {vec(r['dout'])}" + (" (y is a number: one entry)" if m == 1 else ""),
            f"dout @ J = {vec(product)}",
            f"backward(x, dout) = {vec(r['dx'])}",
            f"<b style='color:{colour}'>relative error {err:.1e}</b>",
        ])


# ---------------------------------------------------------------------------------------------
# Chapter 06: hyperparameters of a training run

History = Mapping[str, Any]  # {"loss": per-step losses, "accuracy": {name: per-epoch}}
TrainFn = Callable[..., History]
Setting = tuple[int, float, float]  # (hidden, lr, reg)


class HyperparameterWidget(W.VBox):
    """Sliders for a network's hidden size, learning rate and regularization strength; each
    change trains a network (or finds the run in the cache) and draws its training loss and
    its accuracies per epoch.

    train_fn(hidden=H, lr=lr, reg=reg) -> history: the lesson's training run, from a fixed
        seed, with history["loss"] the per-step minibatch losses (steps,) and
        history["accuracy"] a mapping from a data set's name ("train", "validation") to its
        accuracy after each epoch (epochs,). The widget contains no network code: it only
        calls train_fn and draws what it returns.
    hidden, lr, reg: (initial value, min, max) of each slider; hidden_step: the hidden size
        slider's step. lr and reg are log sliders (a tenth of a decade per step).
    steps_per_epoch: for the loss curve's x axis (epochs) and its per-epoch means.
    cache: results already computed, {(H, lr, reg): history} (e.g. by a hyperparameter
        search); every new run is added to it, so going back to a setting is instant.
    Values are rounded to 3 significant digits (the sliders' readout) before train_fn sees
    them, so that a setting in the cache is found again.
    """

    def __init__(
        self,
        train_fn: TrainFn,
        *,
        hidden: tuple[int, int, int] = (100, 10, 200),
        lr: tuple[float, float, float] = (0.5, 0.01, 1.0),
        reg: tuple[float, float, float] = (1e-4, 1e-5, 1e-1),
        hidden_step: int = 10,
        steps_per_epoch: int | None = None,
        cache: Mapping[Setting, History] | None = None,
        title: str | None = None,
    ) -> None:
        self.train_fn, self.steps_per_epoch, self.title = train_fn, steps_per_epoch, title
        self.cache: dict[Setting, History] = {}
        for key, history in (cache or {}).items():
            self.cache[self.key(*key)] = history
        self.last_seconds: float | None = None  # the time of the last run, None if cached
        wide = {"description_width": "120px"}
        self.hidden_slider = W.IntSlider(
            value=hidden[0], min=hidden[1], max=hidden[2], step=hidden_step,
            description="hidden size H", continuous_update=False, style=wide,
            layout=W.Layout(width="380px"),
        )
        self.lr_slider, self.reg_slider = (
            W.FloatLogSlider(
                value=v0, base=10, min=np.log10(lo), max=np.log10(hi), step=0.1,
                description=label, continuous_update=False, readout_format=".3g", style=wide,
                layout=W.Layout(width="380px"),
            )
            for label, (v0, lo, hi) in (("learning rate", lr), ("regularization", reg))
        )
        self.image = W.Image(format="png")
        self.readout = W.HTML()
        self.fig = Figure(figsize=(8.4, 3.4))  # a fixed layout renders twice as fast
        FigureCanvasAgg(self.fig)
        self.loss_ax, self.acc_ax = self.fig.subplots(1, 2)
        self.fig.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.82, wspace=0.25)
        controls = W.VBox([self.hidden_slider, self.lr_slider, self.reg_slider, self.readout])
        super().__init__([controls, self.image])
        for s in (self.hidden_slider, self.lr_slider, self.reg_slider):
            s.observe(self._on_change, names="value")
        self.update()

    @staticmethod
    def key(hidden: float, lr: float, reg: float) -> Setting:
        """The cache key of a setting: H as an int, lr and reg to 3 significant digits."""
        return int(round(hidden)), float(f"{lr:.3g}"), float(f"{reg:.3g}")

    def setting(self) -> Setting:
        """The sliders' current (H, lr, reg), rounded as the cache keys are."""
        return self.key(self.hidden_slider.value, self.lr_slider.value, self.reg_slider.value)

    def _on_change(self, _change: dict) -> None:
        self.update()

    def history(self) -> History:
        """The run for the current setting: from the cache, or trained now (and cached)."""
        key = self.setting()
        if key in self.cache:
            self.last_seconds = None
            return self.cache[key]
        start = time.perf_counter()
        hidden, lr, reg = key
        result = self.train_fn(hidden=hidden, lr=lr, reg=reg)
        self.last_seconds = time.perf_counter() - start
        self.cache[key] = result
        return result

    def update(self) -> None:
        """Find or train the run for the sliders' setting and redraw both plots."""
        history = self.history()
        hidden, lr, reg = self.setting()
        accuracy = dict(history.get("accuracy", {}))
        for ax in (self.loss_ax, self.acc_ax):
            ax.clear()
        viz.plot_loss_curve(history["loss"], steps_per_epoch=self.steps_per_epoch,
                            ax=self.loss_ax, title="training loss")
        viz.plot_accuracy_curves(accuracy, ax=self.acc_ax, title="accuracy per epoch")
        setting = f"H = {hidden}, learning rate = {lr:.3g}, regularization = {reg:.3g}"
        self.fig.suptitle(f"{self.title}: {setting}" if self.title else setting, fontsize=10)
        self.readout.value = self._readout(history, accuracy)
        self.image.value = render_png(self.fig)

    def _readout(self, history: History, accuracy: Mapping[str, Sequence[float]]) -> str:
        losses = np.asarray(history["loss"], dtype=float)
        rows = []
        if self.last_seconds is None:
            rows.append("from the cache (this setting was trained before)")
        else:
            rows.append(f"trained now in {self.last_seconds:.2f} s")
        if losses.size and not np.all(np.isfinite(losses)):
            rows.append("<b style='color:#c0392b'>the loss is not finite: training diverged</b>")
        elif losses.size:
            rows.append(f"last training loss: {losses[-1]:.3g}")
        for name, accs in accuracy.items():
            if len(accs):
                rows.append(f"{html.escape(name)} accuracy after the last epoch: "
                            f"<b>{accs[-1]:.3f}</b>")
        return "<br>".join(rows)
