"""Chapter 07 on a GPU: the assignment's loss runs forward and backward on CUDA without any
host-device synchronisation, and agrees with the CPU.

The GPU test runs the solution's own functions (solutions/07_yolo_loss/07_exercises.ipynb)
under bp2yolo.device.sync_debug("error") (torch.cuda.set_sync_debug_mode), which turns every
synchronising call (.item(), boolean-mask indexing, a copy to the host, ...) into an error.
Inputs are copied to the GPU before that mode is switched on: a copy from pageable host memory
synchronises too.

It is skipped without CUDA. The helpers it uses are tested here on the CPU and on the meta
device, so the logic that does not need a GPU is checked on every machine; sync_debug itself,
and that it catches a boolean mask on a GPU, in tests/test_device.py.
"""

from __future__ import annotations

import harness
import pytest
import torch

from bp2yolo.device import sync_debug

NB = "solutions/07_yolo_loss/07_exercises.ipynb"
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


def solution_namespace(path: str = NB) -> dict:
    """Run the notebook's setup, helper and solution cells (its test cells run empty); return
    the names they define."""
    return harness.defined(path)


def forward_backward(ns: dict, pred: torch.Tensor, target: torch.Tensor):
    """The solution's assignment, loss and backward pass on pred's device.
    Returns (total, terms, dL/dpred)."""
    leaf = pred.detach().requires_grad_(True)
    resp, iou = ns["assign_responsible"](leaf, target)
    total, terms = ns["yolo_loss"](leaf, target, resp, iou)
    total.backward()
    return total, terms, leaf.grad


@pytest.fixture(scope="module")
def ns() -> dict:
    return solution_namespace()


# ---------------------------------------------------------------------------------------------
# The helpers, on every machine


def test_solution_namespace_holds_the_solution(ns):
    for name in ("box_iou", "assign_responsible", "yolo_loss", "yolo_loss_grad",
                 "loss_and_grad_on", "random_batch", "hand_fixture"):
        assert callable(ns[name]), name


def test_forward_backward_on_the_cpu_gives_the_hand_example(ns):
    pred, target = ns["hand_fixture"]()
    total, terms, grad = forward_backward(ns, pred, target)
    assert abs(float(total.detach()) - 0.28) < 1e-12
    assert set(terms) == {"centre", "size", "obj", "noobj", "class"}
    resp, iou = ns["assign_responsible"](pred, target)
    torch.testing.assert_close(grad, ns["yolo_loss_grad"](pred, target, resp, iou))


def test_forward_backward_on_meta(ns):
    """The meta device has no values: what runs there reads none on the host."""
    pred = torch.empty(4, 13, 13, 30, device="meta")
    target = torch.empty(4, 13, 13, 25, device="meta")
    total, _, grad = forward_backward(ns, pred, target)
    assert total.device.type == "meta" and grad.shape == pred.shape


# ---------------------------------------------------------------------------------------------
# On the GPU


@pytest.mark.gpu
@needs_cuda
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_loss_runs_on_cuda_without_host_sync(ns, dtype):
    pred, target = ns["random_batch"](16, seed=0, empty_images=1, ties=1, misses=1, zero_size=2)
    pred, target = pred.to(dtype), target.to(dtype)
    want_total, want_terms, want_grad = forward_backward(ns, pred, target)
    gpu_pred, gpu_target = pred.cuda(), target.cuda()  # copied before the sync check starts
    with sync_debug("error"):
        total, terms, grad = forward_backward(ns, gpu_pred, gpu_target)
        total2, grad2 = ns["loss_and_grad_on"](gpu_pred, gpu_target, gpu_pred.device)
    assert total.device.type == grad.device.type == total2.device.type == "cuda"
    tol = {"rtol": 1e-10, "atol": 1e-12} if dtype == torch.float64 else {"rtol": 1e-4, "atol": 1e-5}
    torch.testing.assert_close(total.cpu(), want_total, **tol)
    torch.testing.assert_close(grad.cpu(), want_grad, **tol)
    torch.testing.assert_close(total2.cpu(), want_total, **tol)
    torch.testing.assert_close(grad2.cpu(), want_grad, **tol)
    for name, value in terms.items():
        torch.testing.assert_close(value.cpu(), want_terms[name], **tol)
