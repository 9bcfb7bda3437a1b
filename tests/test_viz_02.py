"""Chapter 02's widget: BackwardStepper steps through a backward pass it is given (fast)."""

from __future__ import annotations

import pytest

from bp2yolo import widgets

PNG = b"\x89PNG\r\n\x1a\n"

# A toy graph, computed here as a lesson would: b = a + a, L = b * c, at a = 2, c = 3.
A, C = 2.0, 3.0
B = A + A
POSITIONS = {"a": (0, 0), "c": (1, 1), "b": (1, 0), "L": (2, 0)}
EDGES = [("a", "b"), ("b", "L"), ("c", "L")]
VALUES = {"a": A, "b": B, "c": C, "L": B * C}
STEPS = [
    ("L", 1.0, "the output"),
    ("c", B, "multiply swaps: ∂L/∂c = b"),
    ("b", C, "multiply swaps: ∂L/∂b = c"),
    ("a", C, "first use of a"),
    ("a", 2 * C, "second use of a: the gradients add"),
]


def make(**options) -> widgets.BackwardStepper:
    return widgets.BackwardStepper(POSITIONS, EDGES, VALUES, STEPS, title="toy", **options)


def grad_labels(w: widgets.BackwardStepper) -> set[str]:
    return {t.get_text() for t in w.ax.texts if t.get_text().startswith("∂L/∂")}


def framed(w: widgets.BackwardStepper) -> list[str]:
    """The node names whose box is framed in red."""
    return [
        t.get_text().split("\n")[0]
        for t in w.ax.texts
        if t.get_bbox_patch() is not None and t.get_bbox_patch().get_linewidth() > 2
    ]


def test_starts_after_the_forward_pass_with_values_and_no_gradients():
    w = make()
    assert bytes(w.image.value).startswith(PNG)
    texts = {t.get_text() for t in w.ax.texts}
    assert {"a\n2", "b\n4", "c\n3", "L\n12"} <= texts
    assert grad_labels(w) == set() and framed(w) == []
    assert w.back_button.disabled and not w.next_button.disabled
    assert "5 steps" in w.readout.value


def test_next_shows_each_gradient_as_it_is_computed_and_frames_its_node():
    w = make()
    w.next_button.click()
    assert grad_labels(w) == {"∂L/∂L = 1"} and framed(w) == ["L"]
    before = bytes(w.image.value)
    w.next_button.click()
    w.next_button.click()
    assert grad_labels(w) == {"∂L/∂L = 1", "∂L/∂c = 4", "∂L/∂b = 3"}
    assert framed(w) == ["b"]
    assert "step 3 of 5" in w.readout.value and "∂L/∂c = b" not in w.readout.value
    assert "multiply swaps: ∂L/∂b = c" in w.readout.value
    assert bytes(w.image.value) != before


def test_a_node_reached_twice_shows_its_latest_gradient():
    w = make()
    w.step(4)
    assert "∂L/∂a = 3" in grad_labels(w)
    w.step(1)
    assert "∂L/∂a = 6" in grad_labels(w) and "∂L/∂a = 3" not in grad_labels(w)
    assert w.grads() == {"L": 1.0, "c": B, "b": C, "a": 2 * C}
    assert w.next_button.disabled and "Backward pass done" in w.readout.value


def test_back_and_slider_undo_steps_within_bounds():
    w = make(start=2)
    assert w.slider.value == 2 and framed(w) == ["c"]
    w.back_button.click()
    w.step(-10)
    assert w.slider.value == 0 and grad_labels(w) == set()
    w.step(99)
    assert w.slider.value == len(STEPS)
    w.slider.value = 1
    assert grad_labels(w) == {"∂L/∂L = 1"}


def test_the_widget_draws_only_what_it_is_given():
    """The gradients come from the steps, not from the widget: a wrong one is drawn as it is."""
    w = widgets.BackwardStepper(POSITIONS, EDGES, VALUES, [("a", -7.5, "made up")], start=1)
    assert grad_labels(w) == {"∂L/∂a = -7.5"}
    assert "made up" in w.readout.value


def test_steps_must_name_nodes_of_the_graph():
    with pytest.raises(ValueError, match=r"not in the graph: \['q'\]"):
        widgets.BackwardStepper(POSITIONS, EDGES, VALUES, [("q", 1.0, "")])
    with pytest.raises(ValueError, match="steps is empty"):
        widgets.BackwardStepper(POSITIONS, EDGES, VALUES, [])


def test_notes_are_escaped():
    w = widgets.BackwardStepper(POSITIONS, EDGES, VALUES, [("L", 1.0, "<b>x</b> & y")], start=1)
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in w.readout.value


def test_gradients_are_labelled_with_the_output_name():
    w = widgets.BackwardStepper(
        POSITIONS, EDGES, VALUES, STEPS, output="price", start=2
    )
    assert grad_labels(w) == set()
    assert {"∂price/∂L = 1", "∂price/∂c = 4"} <= {t.get_text() for t in w.ax.texts}
    assert "∂price/∂c = 4" in w.readout.value


def test_draw_graph_labels_gradients_with_the_output_name():
    from bp2yolo import viz

    ax = viz.draw_graph({"x": (0, 0), "f": (2, 0)}, [("x", "f")], values={"x": 1.0},
                        grads={"x": 2.5, "f": 1.0}, output="f")
    assert {"∂f/∂x = 2.5", "∂f/∂f = 1"} <= {t.get_text() for t in ax.texts}
    ax = viz.draw_graph({"x": (0, 0)}, [], grads={"x": 2.5})
    assert "∂L/∂x = 2.5" in {t.get_text() for t in ax.texts}


def test_draw_graph_arrows_stop_at_the_edge_of_wide_boxes():
    from bp2yolo import viz

    ax = viz.draw_graph({"x": (0, 0), "apple_price": (3, 0), "y": (3, 2)},
                        [("x", "apple_price"), ("apple_price", "y")], values={"apple_price": 200})
    into_wide, out_of_wide = (t.arrow_patch for t in ax.texts if hasattr(t, "arrow_patch"))
    assert into_wide.shrinkA == 22.0  # a short label: the default
    assert into_wide.shrinkB > 40.0  # half the width of "apple_price", in points
    assert out_of_wide.shrinkA == 22.0  # straight up: the box is wide but not tall
