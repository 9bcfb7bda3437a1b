"""Chapter 02's graph drawing: viz.draw_graph's labels and arrows (fast). The backward-pass
stepper of lesson 02 is tested in tests/test_viz_widgets.py."""

from __future__ import annotations


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


def test_panels_of_a_wide_figure_are_shown_with_readable_gradients():
    """Lesson 02's four gates: four panels in a 13-inch figure, which JupyterLab shrinks to its
    8.5-inch output area. Each panel's text grows in proportion: the gradients are shown at
    12.5 pixels (9 points at 100%) or more, under their node's box; a lone graph keeps 9 points."""
    import matplotlib.pyplot as plt

    from bp2yolo import viz

    fig, axes = plt.subplots(1, 4, figsize=(13, 3.2), layout="constrained")
    two_inputs = {"x": (0, 1), "y": (0, -1), "out": (2, 0)}
    for ax in axes:
        viz.draw_graph(two_inputs, [("x", "out"), ("y", "out")],
                       values={"x": 10.0, "y": 5.0, "out": 15.0},
                       grads={"x": 1.3, "y": 1.3, "out": 1.3}, ax=ax, title="add distributes")
        ax.set(xlim=(-0.9, 2.9), ylim=(-1.9, 1.6))
    shown = min(1.0, 8.5 / fig.get_figwidth())  # the fraction of its pixels JupyterLab shows
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    for ax in axes:
        boxes = {t.get_text().split("\n")[0]: t.get_bbox_patch().get_window_extent(renderer)
                 for t in ax.texts if t.get_bbox_patch()}
        grads = [t for t in ax.texts if t.get_text().startswith("∂L/∂")]
        assert len(grads) == 3
        for label in grads:
            assert label.get_fontsize() * 100 / 72 * shown >= 12.4, label.get_fontsize()
            node = label.get_text()[len("∂L/∂"):].split(" ")[0]
            top = label.get_window_extent(renderer).y1
            assert top <= boxes[node].y0, f"the gradient of {node} overlaps its box"
        assert ax.title.get_fontsize() * 100 / 72 * shown >= 16.0

    ax = viz.draw_graph(two_inputs, [("x", "out")], values={"x": 10.0}, grads={"x": 1.3})
    assert [t.get_fontsize() for t in ax.texts if t.get_text().startswith("∂L/∂")] == [9.0]
