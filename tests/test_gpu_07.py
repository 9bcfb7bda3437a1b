"""Chapter 07 on a GPU: the assignment's loss runs forward and backward on CUDA without any
host-device synchronisation, and agrees with the CPU.

The GPU test runs the solution's own functions (solutions/07_yolo_loss/07_exercises.ipynb)
under bp2yolo.device.sync_debug("error") (torch.cuda.set_sync_debug_mode), which turns every
synchronising call (.item(), boolean-mask indexing, a copy to the host, ...) into an error.
Inputs are copied to the GPU before that mode is switched on: a copy from pageable host memory
synchronises too.

The same runs on the GPU for B = 1 and 3 with darknet's rule and the hand-derived gradient, and
for the vectorized target encoder (bit for bit the CPU's grid, the same on every run).

The GPU tests are skipped without CUDA. The helpers they use are tested here on the CPU and on
the meta device, so the logic that does not need a GPU is checked on every machine;
sync_debug itself, and that it catches a boolean mask on a GPU, in tests/test_device.py.
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
    total, terms, grad = forward_backward(ns, pred, target)
    assert total.device.type == "meta" and grad.shape == pred.shape
    assert all(value.shape == (4,) for value in terms.values())


def test_the_encoder_and_the_hand_gradient_on_meta(ns):
    """What the GPU test runs besides the loss, on the meta device: dtype, device and shape."""
    boxes = torch.empty(9, 4, dtype=torch.float64, device="meta")
    labels = torch.empty(9, dtype=torch.int64, device="meta")
    target = ns["encode_target"](boxes, labels, S=13, C=20)
    assert target.device.type == "meta" and target.dtype == torch.float64
    assert target.shape == (13, 13, 25)
    pred = torch.empty(2, 13, 13, 35, dtype=torch.float32, device="meta")
    target = torch.empty(2, 13, 13, 25, dtype=torch.float32, device="meta")
    resp, iou = ns["assign_responsible"](pred, target, B=3, rule="iou_rmse")
    dpred = ns["yolo_loss_grad"](pred, target, resp, iou)
    assert dpred.device.type == "meta" and dpred.dtype == torch.float32
    assert dpred.shape == pred.shape


def test_encode_batch_on_the_cpu_gives_the_grid(ns):
    """encode_batch (below) on the CPU: each image's grid, and no box lost to padding."""
    boxes, labels = _boxes(0)
    grids = encode_batch(ns, boxes, labels)
    assert grids.shape == (len(boxes), 7, 7, 25)
    assert [int(g[..., 4].sum()) for g in grids] == [len({(min(int(b[1] * 7), 6),
                                                           min(int(b[0] * 7), 6)) for b in bx})
                                                     for bx in boxes]


def _boxes(seed: int) -> tuple[list, list]:
    """Box lists of 4 images (one without boxes, one with two centres in one cell)."""
    gen = torch.Generator().manual_seed(seed)
    boxes, labels = [], []
    for k in (3, 0, 5, 2):
        b = torch.rand(k, 4, generator=gen, dtype=torch.float64)
        b[:, 2:] = 0.05 + 0.5 * b[:, 2:]
        boxes.append(b)
        labels.append(torch.randint(20, (k,), generator=gen))
    boxes[2][1, :2] = boxes[2][0, :2] + 0.01  # two centres in one cell
    boxes[3][0, :2] = 1.0  # on the corner
    return boxes, labels


def encode_batch(ns: dict, boxes: list, labels: list) -> torch.Tensor:
    """The solution's encoder, image by image, on the boxes' device: (N, 7, 7, 25)."""
    return torch.stack([ns["encode_target"](b, c, S=7, C=20)
                        for b, c in zip(boxes, labels, strict=True)])


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


@pytest.mark.gpu
@needs_cuda
@pytest.mark.parametrize("B", [1, 3])
def test_other_B_and_the_hand_gradient_on_cuda_without_host_sync(ns, B):
    pred, target = ns["random_batch"](8, S=13, B=B, seed=B, empty_images=1, ties=1, misses=1)
    leaf = pred.clone().requires_grad_(True)
    resp, iou = ns["assign_responsible"](leaf, target, B=B, rule="iou_rmse")
    want_total, _ = ns["yolo_loss"](leaf, target, resp, iou)
    (want_grad,) = torch.autograd.grad(want_total, leaf)
    gpu_pred, gpu_target = pred.cuda(), target.cuda()
    with sync_debug("error"):
        gpu_resp, gpu_iou = ns["assign_responsible"](gpu_pred, gpu_target, B=B, rule="iou_rmse")
        total, terms = ns["yolo_loss"](gpu_pred, gpu_target, gpu_resp, gpu_iou)
        dpred = ns["yolo_loss_grad"](gpu_pred, gpu_target, gpu_resp, gpu_iou)
    assert dpred.device.type == "cuda" and dpred.dtype == torch.float64
    torch.testing.assert_close(gpu_resp.cpu(), resp, rtol=0, atol=0)
    torch.testing.assert_close(total.cpu(), want_total.detach(), rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(dpred.cpu(), want_grad, rtol=1e-10, atol=1e-12)
    assert terms["obj"].shape == (8,)


@pytest.mark.gpu
@needs_cuda
def test_encoder_on_cuda_without_host_sync_and_deterministic(ns):
    """The vectorized encoder on the GPU: no synchronisation, the CPU's grid bit for bit, and
    the same grid every run (two centres in one cell: the first box wins, decided by amin)."""
    boxes, labels = _boxes(1)
    want = encode_batch(ns, boxes, labels)
    gpu_boxes = [b.cuda() for b in boxes]
    gpu_labels = [c.cuda() for c in labels]
    torch.cuda.synchronize()
    with sync_debug("error"):
        runs = [encode_batch(ns, gpu_boxes, gpu_labels) for _ in range(5)]
    assert runs[0].device.type == "cuda" and runs[0].dtype == torch.float64
    for grid in runs:
        assert torch.equal(grid.cpu(), want)
