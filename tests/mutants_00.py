"""Mutants for assignment 00 (start here): proof that its tests can fail.

Each mutant is a solution cell of solutions/00_start_here/00_exercises.ipynb with a classic
mistake edited in (mutants.edit: the changed line must be there exactly once, so a change to
the notebook cannot silently turn a mutant into the solution). The visible tests must reject it
with a message that names the mistake (this warm-up exists to show learners those hints), and
the hidden tests must reject it on their own. A mutant that hard-codes the visible answers
passes the visible tests: only the hidden tests catch it (hint=None).
"""

from __future__ import annotations

from mutants import Mutant, edit

NB = "solutions/00_start_here/00_exercises.ipynb"


def _derivative(expr: str) -> str:
    return edit(NB, "derivative", ("return x - 3.0", f"return {expr}"))


BATCH_LOSS = "return float(np.mean(0.5 * (y - y_gt) ** 2))"


def _batch_loss(expr: str) -> str:
    return edit(NB, "batch_loss", (BATCH_LOSS, f"return {expr}"))


MUTANTS = [
    # f(x) = 1/2 (x - 3)^2, f'(x) = x - 3
    Mutant("no_half", "derivative", _derivative("2 * (x - 3)"),
           "test_derivative", "factor of 2", "factor of 2"),
    Mutant("sign_flipped", "derivative", _derivative("3 - x"),
           "test_derivative", "sign is flipped", "sign is flipped"),
    Mutant("returns_f", "derivative", _derivative("0.5 * (x - 3) ** 2"),
           "test_derivative", "this is f(x) itself"),
    Mutant("dropped_constant", "derivative", _derivative("x"),
           "test_derivative", "missing the -3 term"),
    # float32 holds 0, 1, 3, 5.5 and 4 exactly: only the matrix's 0.1, 2.7, -1.3 tell
    Mutant("float32", "derivative", _derivative("np.asarray(x, dtype=np.float32) - 3.0"),
           "test_derivative", "float32", "float32"),
    # right for a vector; a matrix comes back flattened
    Mutant("flattened", "derivative", _derivative("np.ravel(x) - 3.0 if np.ndim(x) else x - 3.0"),
           "test_derivative", "has the wrong shape", "has the wrong shape"),
    Mutant("hardcoded", "derivative", _derivative(
        "np.array([-3.0, -2.0, 0.0, 2.5]) if np.ndim(x) == 1 else "
        "np.array([[-2.9, -0.3], [-4.3, 0.0]]) if np.ndim(x) else 1.0"
    ), "test_derivative", None, "wrong shape"),
    # L = 1/N sum 1/2 (y - y_gt)^2
    Mutant("sum_not_mean", "batch_loss", _batch_loss("float(np.sum(0.5 * (y - y_gt) ** 2))"),
           "test_batch_loss", "batch size", "batch size"),
    Mutant("no_half", "batch_loss", _batch_loss("float(np.mean((y - y_gt) ** 2))"),
           "test_batch_loss", "factor of 2", "factor of 2"),
    Mutant("per_example", "batch_loss", _batch_loss("0.5 * (y - y_gt) ** 2"),
           "test_batch_loss", "wrong shape", "wrong shape"),
    Mutant("mean_of_errors", "batch_loss", _batch_loss("float(np.mean(0.5 * (y - y_gt)))"),
           "test_batch_loss", "not squared"),
    # the size of the first visible batch, typed in
    Mutant("fixed_batch_size", "batch_loss",
           _batch_loss("float(np.sum(0.5 * (y - y_gt) ** 2) / 4)"),
           "test_batch_loss", "divides by 4, the size of the first batch"),
    # torch's mse_loss on float32 tensors (torch's default dtype)
    Mutant("float32_via_torch", "batch_loss", edit(NB, "batch_loss", (BATCH_LOSS, """\
import torch

    mse = torch.nn.functional.mse_loss(torch.tensor(y, dtype=torch.float32),
                                       torch.tensor(y_gt, dtype=torch.float32))
    return 0.5 * mse.item()""")), "test_batch_loss", "float32", "float32"),
    Mutant("hardcoded", "batch_loss", _batch_loss("0.65625 if len(y) == 4 else 0.475"),
           "test_batch_loss", None),
]
