"""Chapter 07 on a GPU: the assignment's loss runs forward and backward on CUDA without any
host-device synchronisation, and agrees with the CPU.

The GPU test runs the solution's own functions (solutions/07_yolo_loss/07_exercises.ipynb)
under torch.cuda.set_sync_debug_mode("error"), which turns every synchronising call (.item(),
boolean-mask indexing, a copy to the host, ...) into an error. Inputs are copied to the GPU
before that mode is switched on: a copy from pageable host memory synchronises too.

It is skipped without CUDA. The helpers it uses are tested here on the CPU and on the meta
device, so the logic that does not need a GPU is checked on every machine.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import harness
import pytest
import torch

NB = "solutions/07_yolo_loss/07_exercises.ipynb"
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


def solution_namespace(path: str = NB) -> dict:
    """Run the notebook's setup, helper and solution cells (its test cells run empty); return
    the names they define."""
    namespace: dict = {"__name__": "__main__"}
    outcomes = harness.run(path, tests="none", namespace=namespace)
    assert not harness.failures(outcomes), harness.failures(outcomes)
    return namespace


@contextlib.contextmanager
def no_host_sync() -> Iterator[None]:
    """Inside, any CUDA call that synchronises the host with the device raises RuntimeError."""
    torch.cuda.synchronize()  # nothing queued before counts
    torch.cuda.set_sync_debug_mode("error")
    try:
        yield
    finally:
        torch.cuda.set_sync_debug_mode(0)


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


def test_no_host_sync_switches_the_mode_on_and_always_off(monkeypatch):
    calls = []
    monkeypatch.setattr(torch.cuda, "synchronize", lambda *a: calls.append("synchronize"))
    monkeypatch.setattr(torch.cuda, "set_sync_debug_mode", lambda mode: calls.append(mode))
    with no_host_sync():
        calls.append("body")
    assert calls == ["synchronize", "error", "body", 0]
    calls.clear()
    with pytest.raises(ValueError), no_host_sync():
        raise ValueError("a failing body")
    assert calls == ["synchronize", "error", 0]


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
    with no_host_sync():
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


@pytest.mark.gpu
@needs_cuda
def test_sync_debug_mode_catches_a_boolean_mask():
    """The check can fail: boolean-mask indexing synchronises, and the mode reports it."""
    x = torch.randn(1000, device="cuda")
    with pytest.raises(RuntimeError), no_host_sync():
        x[x > 0].sum()
