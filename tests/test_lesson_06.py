"""Lesson 06 (a two-layer softmax network): stability, gradient checks, the digits' test
accuracy, the spiral and the widget, all computed by its code.

The fast tests run the lesson's network code alone: the cells tagged "two-layer-net", which a
benchmark executes the same way, in a namespace that holds only numpy (`network_code`). The
slow ones read what the executed lesson printed.
"""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pytest
import torch
from lessons import NUMBER, numbers_in_prose, printed
from notebooks import ROOT, execute

from bp2yolo.data import load_digits

LESSON = ROOT / "course" / "06_softmax_network.ipynb"
TAG = "two-layer-net"
NETWORK_NAMES = ["affine_forward", "affine_backward", "relu_forward", "relu_backward",
                 "softmax_loss", "init_params", "network_loss", "train", "predict"]
# In the printed table of the hyperparameter search: H, lr, reg, train acc, val acc, val loss.
TABLE_ROW = re.compile(
    rf"^ *(\d+) +({NUMBER}) +({NUMBER}) +({NUMBER}) +({NUMBER}) +({NUMBER}) +{NUMBER}$", re.M
)


def tagged_cells() -> list[str]:
    nb = nbformat.read(str(LESSON), as_version=4)
    return [c.source for c in nb.cells
            if c.cell_type == "code" and TAG in c.metadata.get("tags", [])]


def network_code() -> dict:
    """The namespace left by the tagged cells, run in order with only `np` defined."""
    namespace: dict = {"np": np}
    for i, source in enumerate(tagged_cells()):
        exec(compile(source, f"<{LESSON.name} {TAG} cell {i}>", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def net() -> dict:
    return network_code()


def found() -> dict[str, float]:
    run = execute(LESSON)
    assert run.error is None, run.error
    return dict(printed(run.text()))


def text() -> str:
    run = execute(LESSON)
    assert run.error is None, run.error
    return run.text()


def centred_digits():
    d = load_digits()
    mean = d.x_train.mean(axis=0)
    return d.x_train - mean, d.y_train, d.x_test - mean, d.y_test


# ---------------------------------------------------------------------------------------------
# The network code on its own (fast)


def test_network_cells_define_the_benchmarks_names_with_numpy_only(net):
    sources = tagged_cells()
    assert sources, f"no cells tagged {TAG!r}"
    for source in sources:
        assert not re.search(r"^\s*(import|from)\s", source, re.M), "a tagged cell imports"
        for outside in ("torch", "plt", "viz", "widgets", "load_digits", "print("):
            assert outside not in source, f"a tagged cell uses {outside}"
    for name in NETWORK_NAMES:
        assert callable(net[name]), name


def test_network_layers_follow_the_layer_interface(net):
    rng = np.random.default_rng(0)
    x, params = rng.normal(size=(4, 3)), {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    out, cache = net["affine_forward"](x, params)
    np.testing.assert_allclose(out, x @ params["W"] + params["b"], rtol=1e-14)
    grads = net["affine_backward"](np.ones((4, 2)), cache)
    assert sorted(grads) == ["W", "b", "x"]
    assert [grads[k].shape for k in ("x", "W", "b")] == [(4, 3), (3, 2), (2,)]
    np.testing.assert_allclose(grads["b"], [4.0, 4.0])  # summed over the batch
    relu_out, relu_cache = net["relu_forward"](np.array([[-1.0, 2.0]]), {})
    assert relu_out.tolist() == [[0.0, 2.0]]
    assert net["relu_backward"](np.array([[5.0, 7.0]]), relu_cache)["x"].tolist() == [[0.0, 7.0]]


def test_softmax_loss_is_stable_and_its_gradient_is_p_minus_y_over_n(net):
    scores = np.array([[1000.0, 999.0, 998.0], [0.0, 1000.0, -5.0]])
    y = np.array([0, 0])
    loss, dscores = net["softmax_loss"](scores, y)
    s = torch.tensor(scores, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(s, torch.from_numpy(y))
    expected.backward()
    assert np.isfinite(loss) and loss == pytest.approx(expected.item(), rel=1e-12)
    np.testing.assert_allclose(dscores, s.grad.numpy(), rtol=1e-12, atol=1e-15)
    P = torch.softmax(torch.tensor(scores), dim=1).numpy()
    np.testing.assert_allclose(dscores, (P - np.eye(3)[y]) / 2, rtol=1e-12, atol=1e-15)


def test_network_gradients_match_torch_autograd(net):
    rng = np.random.default_rng(3)
    params = net["init_params"](7, 9, 4, seed=5)
    params["b1"], params["b2"] = rng.normal(size=9), rng.normal(size=4)
    x, y, reg = rng.normal(size=(11, 7)), rng.integers(0, 4, size=11), 0.3
    loss, grads = net["network_loss"](params, x, y, reg)
    assert sorted(grads) == sorted(params)
    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    scores = torch.relu(torch.from_numpy(x) @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"]
    total = torch.nn.functional.cross_entropy(scores, torch.from_numpy(y)) + 0.5 * reg * (
        (t["W1"] ** 2).sum() + (t["W2"] ** 2).sum())  # the lesson's 0.5 convention
    total.backward()
    assert loss == pytest.approx(total.item(), rel=1e-12)
    for name in params:
        np.testing.assert_allclose(grads[name], t[name].grad.numpy(), rtol=1e-10, atol=1e-14,
                                   err_msg=name)


def test_network_code_keeps_float32(net):
    rng = np.random.default_rng(0)
    params = net["init_params"](6, 5, 3, seed=0, dtype=np.float32)
    assert all(v.dtype == np.float32 for v in params.values())
    x = rng.normal(size=(8, 6)).astype(np.float32)
    y = rng.integers(0, 3, size=8)
    loss, grads = net["network_loss"](params, x, y, 1e-3)
    assert np.asarray(loss).dtype == np.float32
    assert {k: g.dtype for k, g in grads.items()} == {k: np.float32 for k in params}
    scores, dscores = net["softmax_loss"](x[:, :3], y)
    assert np.asarray(scores).dtype == dscores.dtype == np.float32
    history = net["train"](params, x, y, lr=0.1, reg=1e-3, batch_size=3, epochs=2, seed=0)
    assert all(v.dtype == np.float32 for v in params.values())
    assert len(history["loss"]) == 2 * 3  # ceil(8 / 3) steps per epoch
    # the same seed gives the same starting weights in either dtype
    params64 = net["init_params"](6, 5, 3, seed=0)
    np.testing.assert_allclose(net["init_params"](6, 5, 3, seed=0, dtype=np.float32)["W1"],
                               params64["W1"], rtol=1e-6)


def test_train_updates_in_place_records_accuracies_and_is_deterministic(net):
    x, y, _, _ = centred_digits()
    x, y = x[:300], y[:300]

    def run():
        params = net["init_params"](64, 20, 10, seed=1)
        history = net["train"](params, x, y, lr=0.5, reg=1e-3, batch_size=50, epochs=3, seed=2,
                               monitor={"train": (x, y)})
        return params, history

    (p1, h1), (p2, h2) = run(), run()
    assert len(h1["loss"]) == 3 * 6 and len(h1["accuracy"]["train"]) == 3
    assert h1["loss"][-1] < h1["loss"][0]
    assert h1 == h2 and all(np.array_equal(p1[k], p2[k]) for k in p1)
    assert h1["accuracy"]["train"][-1] == np.mean(net["predict"](p1, x) == y)


# ---------------------------------------------------------------------------------------------
# What the lesson printed (slow)


def test_every_printed_result_stays_out_of_the_prose():
    """The numbers the lesson computes appear in outputs only (checked on a fixed list here;
    test_no_printed_number_is_typed_into_the_prose checks every printed value)."""
    assert not numbers_in_prose(LESSON, ["0.9833", "0.9806", "0.983", "2.3026", "2.303", "709.78",
                                         "0.3267", "0.9867", "0.333", "1.798"])


@pytest.mark.slow
def test_no_printed_number_is_typed_into_the_prose():
    nb = nbformat.read(str(LESSON), as_version=4)
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    in_prose = set(re.findall(NUMBER, prose))
    values = {v for _, v in re.findall(r"^[ \t]*(\S+) = (" + NUMBER + r")[ \t]*$", text(), re.M)}
    computed = {v for v in values if len(v.replace(".", "").lstrip("0")) >= 3 and "." in v}
    assert not computed & in_prose, sorted(computed & in_prose)


@pytest.mark.slow
def test_naive_softmax_overflows_and_the_stable_one_does_not():
    out, values = text(), found()
    assert "np.exp(big) = [[inf inf inf]]" in out
    assert "naive softmax of [1000, 999, 998]: [[nan nan nan]]" in out
    assert values["naive_nonfinite_entries"] == 3
    assert values["stable_nonfinite_entries"] == 0
    overflow = np.log(np.finfo(np.float64).max)
    assert values["exp_overflows_above"] == pytest.approx(overflow, abs=0.01)
    assert values["max_difference_vs_naive_of_2_1_0"] <= 1e-15  # the same function
    assert values["max_difference_naive_vs_stable"] <= 1e-15
    assert "loss from the probabilities, -log P: inf" in out
    assert values["loss_log_sum_exp"] == 1000


@pytest.mark.slow
def test_p_minus_y_over_n_is_checked_numerically_and_against_autograd():
    values = found()
    assert values["rel_error_dscores_numerical"] <= 1e-7
    for name in ["loss_autograd", "dscores_autograd", "loss_autograd_near_1000",
                 "dscores_autograd_near_1000"]:
        assert values[f"rel_error_{name}"] <= 1e-12, name


@pytest.mark.slow
def test_the_two_regularization_conventions():
    values = found()
    assert values["rel_error_half_convention"] <= 1e-7
    assert values["rel_error_no_half_convention"] <= 1e-7
    assert values["penalty_ratio"] == 2
    assert values["rel_error_mixed_conventions"] == pytest.approx(1 / 3, abs=1e-3)


@pytest.mark.slow
def test_the_network_gradient_checks():
    values = found()
    for name in ["W1", "b1", "W2", "b2"]:
        assert values[f"rel_error_d{name}_numerical"] <= 1e-7, name
        assert values[f"rel_error_d{name}_autograd"] <= 1e-13, name  # round-off, about 1e-15
    assert values["max_rel_error_numerical"] <= 1e-7
    assert values["max_rel_error_autograd"] <= 1e-13
    assert values["rel_error_loss_torch"] <= 1e-13
    assert "float32 network: loss float32 | grads {'W1': 'float32', 'b1': 'float32', " in text()


@pytest.mark.slow
def test_the_first_loss_is_about_log_c():
    values = found()
    assert values["log_C"] == pytest.approx(np.log(10), abs=1e-4)
    assert abs(values["initial_loss"] - values["log_C"]) < 0.05


@pytest.mark.slow
def test_he_initialization_keeps_the_relu_outputs_mean_square():
    """Var(w) = 2/D doubles the mean square at the hidden units' inputs; the ReLU halves it."""
    values = found()
    assert values["ratio_h_to_x"] == pytest.approx(2, rel=0.1)
    assert values["ratio_relu_h_to_x"] == pytest.approx(1, rel=0.1)
    for name in ["h", "relu_h"]:
        ratio = values[f"mean_square_{name}"] / values["mean_square_x"]
        assert ratio == pytest.approx(values[f"ratio_{name}_to_x"], abs=0.01), name


@pytest.mark.slow
def test_the_first_run_starts_at_log_c_plus_the_penalty():
    """The curve starts above log C because the training loss includes the penalty."""
    values = found()
    assert values["initial_penalty"] > 0.1
    assert values["first_step_loss"] == pytest.approx(values["log_C"] + values["initial_penalty"],
                                                      abs=0.05)


@pytest.mark.slow
def test_the_strong_penalty_table_rows_are_explained_by_printed_swings():
    """The prose says that at reg = 0.1 the larger learning rate's training accuracy swings
    more over the last epochs: the lesson prints both ranges."""
    swing = re.compile(rf"lr ({NUMBER}), reg 0.1, the last 10 epochs' training accuracy: "
                       rf"from ({NUMBER}) to ({NUMBER})")
    ranges = {float(lr): float(hi) - float(lo) for lr, lo, hi in swing.findall(text())}
    assert sorted(ranges) == [0.05, 0.5]
    assert ranges[0.5] > 2 * ranges[0.05]


@pytest.mark.slow
def test_hyperparameters_are_chosen_on_the_validation_set():
    """The chosen setting is the table's best validation accuracy (ties: lowest validation
    loss), and the test accuracy is printed once, after the choice."""
    out, values = text(), found()
    rows = [tuple(float(v) for v in row) for row in TABLE_ROW.findall(out)]
    assert len(rows) >= 12, rows
    best = max(rows, key=lambda r: (r[4], -r[5]))
    chosen = (values["chosen_hidden"], values["chosen_lr"], values["chosen_reg"])
    assert chosen == pytest.approx(best[:3]), (chosen, best)
    assert values["chosen_val_accuracy"] == pytest.approx(best[4], abs=1e-4)
    assert len({r[4] for r in rows}) > 3  # the settings differ on the validation set
    assert out.count("test_accuracy = ") == 1
    assert out.index("chosen_hidden = ") < out.index("test_accuracy = ")


@pytest.mark.slow
def test_the_digits_test_accuracy_is_at_least_97_percent():
    values = found()
    assert values["test_accuracy"] >= 0.97
    n = values["test_images"]
    assert values["test_mistakes"] == round((1 - values["test_accuracy"]) * n)
    assert values["correct_predictions"] == n - values["test_mistakes"]


@pytest.mark.slow
def test_the_printed_test_accuracy_is_reproduced_and_robust_to_the_seed(net):
    """Retraining the chosen setting with the lesson's code gives the printed test accuracy
    again (deterministic); other seeds for the weights and the shuffles also reach 97%."""
    values = found()
    hidden, lr, reg = int(values["chosen_hidden"]), values["chosen_lr"], values["chosen_reg"]
    x_train, y_train, x_test, y_test = centred_digits()
    accuracies = {}
    for seed in range(4):
        params = net["init_params"](64, hidden, 10, seed=seed)
        net["train"](params, x_train, y_train, lr=lr, reg=reg,
                     batch_size=int(values["batch_size"]), epochs=int(values["epochs"]),
                     seed=seed)
        accuracies[seed] = float(np.mean(net["predict"](params, x_test) == y_test))
    assert f"{accuracies[0]:.4f}" == f"{values['test_accuracy']:.4f}"
    assert min(accuracies.values()) >= 0.97, accuracies


@pytest.mark.slow
def test_a_linear_classifier_cannot_follow_the_spiral():
    values = found()
    assert values["two_layer_train_accuracy"] >= 0.95
    assert values["linear_train_accuracy"] <= 0.6
    assert values["two_layer_train_accuracy"] - values["linear_train_accuracy"] >= 0.3


@pytest.mark.slow
def test_the_lesson_makes_the_hyperparameter_widget_and_times_a_retraining():
    nb = nbformat.read(str(LESSON), as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert len(re.findall(r"\bwidgets\.HyperparameterWidget\(", code)) == 1
    assert "widget probe: 1 widgets, 3 controls" in text()
    assert found()["retrain_seconds"] > 0  # printed, measured; not asserted against a budget


@pytest.mark.slow
def test_the_benchmark_times_the_setting_the_lesson_chose():
    """bench/two_layer_net.py cannot run the lesson's search, so it names the chosen setting:
    it must be the one the lesson prints."""
    from test_bench_06 import load_bench

    values = found()
    chosen = load_bench().CHOSEN
    assert (chosen["hidden"], chosen["lr"], chosen["reg"]) == pytest.approx(
        (values["chosen_hidden"], values["chosen_lr"], values["chosen_reg"]))
