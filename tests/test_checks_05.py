"""bp2yolo.checks.ch05, the visible checks of assignment 05: each is called by the notebook and
passes on the solution, saying so; its fixed numbers are what torch.autograd gives; a wrong
shape gets a hint naming both shapes (and whether one is the transpose), both for an answer and
for the inputs the solution cells check before the learner's code runs; learners' code only
ever gets copies of the inputs. (tests/mutants_05.py proves the hints for each mistake.)

The solution's functions come from solutions/05_matrix_backprop/05_exercises.ipynb (its test
cells are not run): bp2yolo itself holds no solution.
"""

from __future__ import annotations

import harness
import numpy as np
import pytest
import torch

from bp2yolo.checks import HintError, ch05

NB = "solutions/05_matrix_backprop/05_exercises.ipynb"
LAYERS = ("affine_forward", "affine_backward", "relu_forward", "relu_backward")
CHECKS = {  # check: the names it receives from the notebook
    "check_matmul_backward": ("matmul_backward",),
    "check_affine": ("affine_forward", "affine_backward"),
    "check_relu": ("relu_forward", "relu_backward"),
    "check_two_layer": ("two_layer_forward", "two_layer_backward", *LAYERS),
}
SAYS = {"check_matmul_backward": "matmul_backward", "check_affine": "affine",
        "check_relu": "relu", "check_two_layer": "two_layer"}


@pytest.fixture(scope="module")
def ns() -> dict:
    """The names the solution notebook defines (no test cell runs)."""
    return harness.defined(NB)


def _leaves(*arrays: np.ndarray) -> list[torch.Tensor]:
    return [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]


def test_every_check_is_called_by_the_notebook():
    source = " ".join(harness.test_cells_source(NB).split())  # one line per call
    harness.assert_checks_called(source, ch05,
                                 {check: ", ".join(names) for check, names in CHECKS.items()})


@pytest.mark.parametrize("name", CHECKS)
def test_check_passes_on_the_solution_and_says_so(name, ns, capsys):
    getattr(ch05, name)(*(ns[n] for n in CHECKS[name]))
    assert capsys.readouterr().out == f"{SAYS[name]}: visible tests passed\n"


def test_the_matmul_numbers_are_autograds():
    x, w, dout = ch05.matmul_inputs()
    xt, wt = _leaves(x, w)
    (xt @ wt).backward(torch.tensor(dout))
    np.testing.assert_array_equal(ch05.MATMUL_DX, xt.grad.numpy())
    np.testing.assert_array_equal(ch05.MATMUL_DW, wt.grad.numpy())
    np.testing.assert_array_equal(ch05.SUMS_FIRST, x.sum(axis=1).T @ dout.sum(axis=1))
    np.testing.assert_array_equal(ch05.FIRST_EXAMPLE, x[0].T @ dout[0])
    assert all(part in ch05.MATMUL for part in ("np.arange(12.0).reshape(3, 2, 2) - 5",
                                                "[[1.0, 0.0, -1.0], [2.0, 0.5, 1.0]]",
                                                "np.arange(18.0).reshape(3, 2, 3) % 5 - 2"))


@pytest.mark.parametrize("case", ["affine", "flat"])
def test_the_affine_numbers_are_autograds(case):
    inputs = ch05.affine_inputs() if case == "affine" else ch05.flat_inputs()
    prefix = "AFFINE" if case == "affine" else "FLAT"
    x, params, dout = inputs
    xt, Wt, bt = _leaves(x, params["W"], params["b"])
    out = xt.reshape(x.shape[0], -1) @ Wt + bt
    out.backward(torch.tensor(dout))
    for suffix, value in [("OUT", out), ("DX", xt.grad), ("DW", Wt.grad), ("DB", bt.grad)]:
        np.testing.assert_allclose(getattr(ch05, f"{prefix}_{suffix}"),
                                   value.detach().numpy(), rtol=1e-15, atol=0)
    if case == "affine":
        np.testing.assert_allclose(ch05.AFFINE_OUT_NO_BIAS, x.reshape(3, -1) @ params["W"])
        np.testing.assert_array_equal(ch05.AFFINE_DB_ROWS, dout.sum(axis=1))


def test_the_relu_numbers_are_autograds():
    for x, dout, out, dx in [(ch05.RELU_X, ch05.RELU_DOUT, ch05.RELU_OUT, ch05.RELU_DX),
                             (ch05.SMALL_X, ch05.SMALL_DOUT, None, ch05.SMALL_DX)]:
        (xt,) = _leaves(np.array(x))
        y = torch.relu(xt)
        y.backward(torch.tensor(dout, dtype=torch.float64))
        np.testing.assert_array_equal(dx, xt.grad.numpy())
        if out is not None:
            np.testing.assert_array_equal(out, y.detach().numpy())
    x, dout = np.array(ch05.RELU_X), np.array(ch05.RELU_DOUT)
    wrong = list(ch05.RELU_VARIANTS.values())
    for value, mask in zip(wrong, [x >= 0, np.ones_like(x), x <= 0, x < 0, np.maximum(x, 0)],
                           strict=True):
        np.testing.assert_array_equal(value, dout * mask)


def test_the_two_layer_numbers_are_autograds():
    x, params, dout = ch05.two_layer_inputs()
    keys = ("W1", "b1", "W2", "b2")
    for relu, out_want, grads_want in [(True, ch05.TWO_LAYER_OUT, ch05.TWO_LAYER_GRADS),
                                       (False, ch05.LINEAR_OUT, ch05.UNMASKED)]:
        xt, W1, b1, W2, b2 = leaves = _leaves(x, *(params[k] for k in keys))
        h = xt @ W1 + b1
        assert bool((h.abs() > 0.5).all()), "every pre-activation is away from the kink"
        out = (torch.relu(h) if relu else h) @ W2 + b2
        out.backward(torch.tensor(dout))
        np.testing.assert_allclose(out_want, out.detach().numpy(), rtol=1e-14)
        for key, leaf in zip(("x", *keys), leaves, strict=True):
            if key in grads_want and (relu or key in ("x", "W1", "b1")):
                np.testing.assert_allclose(grads_want[key], leaf.grad.numpy(), rtol=1e-14)


def test_the_wrong_cache_numbers_mask_with_the_gradient():
    x, params, dout = ch05.two_layer_inputs()
    g = dout @ params["W2"].T  # the gradient that reaches the ReLU
    dh = g * (g > 0)
    for key, value in [("x", dh @ params["W1"].T), ("W1", x.T @ dh), ("b1", dh.sum(axis=0))]:
        np.testing.assert_allclose(ch05.GRADIENT_MASK[key], value, rtol=1e-15)


def test_a_transposed_answer_names_both_shapes(ns):
    def affine_backward(dout, cache):
        grads = ns["affine_backward"](dout, cache)
        return {**grads, "W": grads["W"].T}

    with pytest.raises(HintError) as info:
        ch05.check_affine(ns["affine_forward"], affine_backward)
    message = str(info.value)
    assert message.startswith("grads['W'] of affine_backward(dout, cache) with x, params, dout "
                              "= affine_inputs()")
    assert "looks transposed: it has shape (2, 4) but should have shape (4, 2)" in message
    assert info.value.check == "check_affine"


def test_a_wrong_shape_that_is_not_a_transpose_names_both_shapes(ns):
    def matmul_backward(dout, x, w):
        dx, dw = ns["matmul_backward"](dout, x, w)
        return dx, dw[:, :2]

    with pytest.raises(HintError, match=r"has shape \(2, 2\) but should have shape \(2, 3\)"):
        ch05.check_matmul_backward(matmul_backward)


def test_bad_inputs_name_both_shapes_and_a_transpose(ns):
    x, w, dout = ch05.matmul_inputs()
    with pytest.raises(ValueError, match=r"w has shape \(3, 2\) but should have shape "
                                         r"\(2, any\): it looks transposed"):
        ns["matmul_backward"](dout, x, w.T)
    with pytest.raises(ValueError, match=r"dout has shape \(3, 2, 2\) but should have shape "
                                         r"\(3, 2, 3\)$"):
        ns["matmul_backward"](dout[..., :2], x, w)
    with pytest.raises(ValueError, match=r"x has shape \(6, 2\) but should have shape "
                                         r"\(any, any, any\)"):
        ns["matmul_backward"](dout, x.reshape(6, 2), w)
    x, params, _ = ch05.affine_inputs()
    with pytest.raises(ValueError, match=r"params\['W'\] has shape \(2, 4\) but should have "
                                         r"shape \(4, any\): it looks transposed"):
        ns["affine_forward"](x, {**params, "W": params["W"].T})
    with pytest.raises(ValueError, match=r"params\['b'\] has shape \(3,\) but should have "
                                         r"shape \(2,\)"):
        ns["affine_forward"](x, {**params, "b": np.zeros(3)})


def test_code_that_changes_its_inputs_is_named_and_cannot_spoil_the_inputs(ns):
    def matmul_backward(dout, x, w):
        result = ns["matmul_backward"](dout, x, w)
        w *= 2
        return result

    with pytest.raises(HintError, match="changed its input w in place"):
        ch05.check_matmul_backward(matmul_backward)
    x, w, _ = ch05.matmul_inputs()
    np.testing.assert_array_equal(w, [[1.0, 0.0, -1.0], [2.0, 0.5, 1.0]])

    def two_layer_forward(x, params):
        params["W1"][0, 0] = 99.0
        return ns["two_layer_forward"](x, params)

    with pytest.raises(HintError, match=r"changed its input params\['W1'\] in place"):
        ch05.check_two_layer(two_layer_forward, *(ns[n] for n in CHECKS["check_two_layer"][1:]))
    assert ch05.two_layer_inputs()[1]["W1"][0, 0] == 1.0


def test_an_unwritten_exercise_raises_not_implemented(ns):
    def stub(*args, **kwargs):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        ch05.check_matmul_backward(stub)
    for check in (ch05.check_affine, ch05.check_relu):
        with pytest.raises(NotImplementedError):
            check(stub, stub)
    with pytest.raises(NotImplementedError):
        ch05.check_two_layer(stub, stub, *(ns[n] for n in LAYERS))
    # the network written, a layer not: the layer's stub is what the learner is told about
    layers = {**{n: ns[n] for n in LAYERS}, "relu_backward": stub}
    with pytest.raises(NotImplementedError):
        ch05.check_two_layer(ns["two_layer_forward"], ns["two_layer_backward"],
                             *(layers[n] for n in LAYERS))


def test_an_error_in_the_learners_code_names_the_call(ns):
    def two_layer_backward(dout, cache):
        return dout[5]  # IndexError: three rows

    with pytest.raises(IndexError) as info:
        ch05.check_two_layer(ns["two_layer_forward"], two_layer_backward,
                             *(ns[n] for n in LAYERS))
    assert info.value._bp2yolo_call.startswith(
        "two_layer_backward(dout, cache) with x, params, dout = two_layer_inputs()")
    lines = info.value._render_traceback_()
    assert "Your code raised IndexError in two_layer_backward(dout, cache)" in lines[0]


def test_a_backward_that_returns_no_dict_is_told_the_keys(ns):
    def relu_backward(dout, cache):
        return dout * (cache > 0)  # the gradient itself, not {"x": dx}

    with pytest.raises(HintError, match=r"should return a dict of gradients with the keys 'x', "
                                        "got a ndarray"):
        ch05.check_relu(ns["relu_forward"], relu_backward)


def test_the_inputs_are_fresh_float64_arrays():
    for make in (ch05.matmul_inputs, ch05.affine_inputs, ch05.flat_inputs,
                 ch05.two_layer_inputs):
        first, second = make(), make()
        arrays = [a for part in first for a in (part.values() if isinstance(part, dict)
                                                else [part])]
        assert all(a.dtype == np.float64 for a in arrays)
        assert first[0] is not second[0]
