"""bp2yolo.checks.ch07: the visible checks of assignment 07 pass on the solution, fail with a
hint that names the check on a wrong answer, and their fixed numbers agree with the solution.

The solution's functions come from solutions/07_yolo_loss/07_exercises.ipynb (its test cells
are not run): bp2yolo itself holds no solution.
"""

from __future__ import annotations

import harness
import pytest
import torch

from bp2yolo.checks import HintError, ch07

NB = "solutions/07_yolo_loss/07_exercises.ipynb"


@pytest.fixture(scope="module")
def ns() -> dict:
    return harness.defined(NB)


def test_every_check_passes_on_the_solution(ns, capsys):
    ch07.check_box_iou(ns["box_iou"])
    ch07.check_encode_target(ns["encode_target"])
    ch07.check_assign_responsible(ns["assign_responsible"])
    ch07.check_yolo_loss(ns["yolo_loss"])
    ch07.check_yolo_loss_grad(ns["yolo_loss_grad"])
    ch07.check_loss_and_grad_on(ns["loss_and_grad_on"], ns["assign_responsible"],
                                ns["yolo_loss"])
    out = capsys.readouterr().out
    for name in ("box_iou", "encode_target", "assign_responsible", "yolo_loss",
                 "yolo_loss_grad", "loss_and_grad_on"):
        assert f"{name}: visible tests passed" in out, name


def test_a_wrong_answer_gets_a_hint_that_names_the_check(ns):
    def half_iou(boxes1, boxes2):
        return ns["box_iou"](boxes1, boxes2) / 2

    with pytest.raises(HintError) as info:
        ch07.check_box_iou(half_iou)
    assert info.value.check == "check_box_iou"
    assert "box_iou(a, others)" in str(info.value)
    assert "a = [[0.1, 0.1, 0.7, 0.7]] (shape (1, 4)) and others = [[0.1, 0.1, 0.7, 0.7], " in (
        str(info.value))


def test_a_wrong_shape_gets_a_hint_that_names_the_shapes(ns):
    def elementwise_iou(boxes1, boxes2):  # box p against box p, not every pair
        return ns["box_iou"](boxes1, boxes2).diagonal(dim1=-2, dim2=-1)

    with pytest.raises(HintError) as info:
        ch07.check_box_iou(elementwise_iou)
    assert "has shape (1,) but should have shape (1, 6)" in str(info.value)
    assert "every box of boxes1 with every box of boxes2" in str(info.value)


def test_an_error_in_the_learners_code_names_the_call_and_the_fixture(ns):
    def yolo_loss_grad(pred, target, resp, iou):
        return pred[5, 0]  # IndexError: the batch holds one image

    with pytest.raises(IndexError) as info:
        ch07.check_yolo_loss_grad(yolo_loss_grad)
    assert info.value._bp2yolo_call.startswith(
        "yolo_loss_grad(pred, target, resp, iou) with pred, target = hand_fixture()")
    lines = info.value._render_traceback_()
    assert "Your code raised IndexError in yolo_loss_grad(pred, target, resp, iou)" in lines[0]


def test_an_unwritten_exercise_raises_not_implemented():
    def stub(*args, **kwargs):
        raise NotImplementedError()

    for check in (ch07.check_box_iou, ch07.check_encode_target, ch07.check_assign_responsible,
                  ch07.check_yolo_loss, ch07.check_yolo_loss_grad):
        with pytest.raises(NotImplementedError):
            check(stub)
    with pytest.raises(NotImplementedError):
        ch07.check_loss_and_grad_on(stub, stub, stub)


def test_the_fixed_numbers_agree_with_the_solution(ns):
    """How the typed-in numbers were derived: printed once from these computations."""
    pred, target = ch07.random_batch(1, S=3, C=3, seed=8, empty_images=1)
    noobj = 0.5 * (pred[..., 4] ** 2 + pred[..., 9] ** 2).sum()
    assert float(noobj) == pytest.approx(ch07.EMPTY_IMAGE_LOSS, rel=1e-15)
    nothing = torch.zeros(1, 3, 3, 2, dtype=torch.float64)
    total, _ = ns["yolo_loss"](pred, target, nothing, nothing)
    assert float(total) == pytest.approx(ch07.EMPTY_IMAGE_LOSS, rel=1e-15)
    for fixture, assignment in ((ch07.hand_fixture, ch07._hand_assignment),
                                (ch07.offset_fixture, ch07._offset_assignment)):
        pred, target = fixture()
        resp, iou = ns["assign_responsible"](pred, target)
        want_resp, want_iou = assignment()
        torch.testing.assert_close(resp, want_resp, rtol=1e-12, atol=1e-15)
        torch.testing.assert_close(iou, want_iou, rtol=1e-12, atol=1e-15)
    for fixture, gradient in ((ch07.hand_fixture, ch07._hand_gradient),
                              (ch07.offset_fixture, ch07._offset_gradient)):
        pred, target = fixture()
        torch.testing.assert_close(
            ns["yolo_loss_grad"](pred, target, *ns["assign_responsible"](pred, target)),
            gradient(), rtol=1e-12, atol=1e-15)


def test_the_new_fixed_numbers_agree_with_the_solution(ns):
    """The numbers of the corner-format, B = 1, darknet-rule and empty-batch checks."""
    f64 = torch.float64
    centre = torch.tensor([[0.4, 0.4, 0.6, 0.6]], dtype=f64)
    assert ns["box_iou"](torch.cat([centre[:, :2] - 0.3, centre[:, :2] + 0.3], dim=1),
                         torch.tensor([[0.2, 0.1, 0.8, 0.7]], dtype=f64)).item() == (
        pytest.approx(5 / 7, rel=1e-12))
    pred, target = ch07.hand_fixture()
    resp, iou = ch07._hand_assignment()
    total, terms = ns["yolo_loss"](pred[..., [0, 1, 2, 3, 4, 10, 11]], target, resp[..., :1],
                                   iou[..., :1])
    assert float(total) == pytest.approx(0.185, rel=1e-12)
    assert [float(terms[k]) for k in ch07.TERMS] == pytest.approx([0, 0, 0.04, 0.015, 0.13])
    miss = torch.tensor([[[[0.1, 0.5, 0.2, 0.2, 0.0, 0.8, 0.5, 0.1, 0.1, 0.0, 0.0]]]], dtype=f64)
    miss_target = torch.tensor([[[[0.5, 0.5, 0.04, 0.04, 1.0, 1.0]]]], dtype=f64)
    assert ns["assign_responsible"](miss, miss_target)[0].flatten().tolist() == [1.0, 0.0]
    assert ns["assign_responsible"](miss, miss_target, rule="iou_rmse")[0].flatten().tolist() == [
        0.0, 1.0]
    hit = torch.tensor([[[[0.5, 0.5, 0.5**0.5, 0.5**0.5, 0.0, 0.7, 0.5, 0.5, 0.5, 0.0, 0.0]]]],
                       dtype=f64)
    hit_target = torch.tensor([[[[0.5, 0.5, 0.25, 0.25, 1.0, 1.0]]]], dtype=f64)
    resp, iou = ns["assign_responsible"](hit, hit_target, rule="iou_rmse")
    assert resp.flatten().tolist() == [1.0, 0.0]
    torch.testing.assert_close(iou.flatten(), torch.tensor([0.25, 1 / 9], dtype=f64))
    empty = torch.tensor([[[[0.1, 0.2, 0.3, 0.4, 0.3, 0.5, 0.6, 0.7, 0.8, -0.2, 0.9]]]],
                         dtype=f64).requires_grad_(True)
    nothing = torch.zeros(1, 1, 1, 2, dtype=f64)
    total, _ = ns["yolo_loss"](empty, torch.zeros(1, 1, 1, 6, dtype=f64), nothing, nothing)
    (grad,) = torch.autograd.grad(total, empty)
    assert grad.flatten().tolist() == pytest.approx([0, 0, 0, 0, 0.3, 0, 0, 0, 0, -0.2, 0])


def test_the_encoder_is_deterministic_and_exact(ns):
    """Two boxes in a cell: the first wins, bit for bit, in either order and on the meta device."""
    boxes = torch.tensor([[0.51, 0.52, 0.2, 0.2], [0.1, 0.9, 0.3, 0.3], [0.55, 0.56, 0.1, 0.1]],
                         dtype=torch.float64)
    labels = torch.tensor([0, 1, 2])
    grid = ns["encode_target"](boxes, labels, S=7, C=3)
    assert grid[3, 3].tolist() == [0.51 * 7 - 3, 0.52 * 7 - 3, 0.2, 0.2, 1.0, 1.0, 0.0, 0.0]
    flipped = ns["encode_target"](boxes.flip(0), labels.flip(0), S=7, C=3)
    assert flipped[3, 3].tolist() == [0.55 * 7 - 3, 0.56 * 7 - 3, 0.1, 0.1, 1.0, 0.0, 0.0, 1.0]
    assert grid[6, 0].tolist() == flipped[6, 0].tolist()
    meta = ns["encode_target"](boxes.to("meta"), labels.to("meta"), S=7, C=3)
    assert meta.device.type == "meta" and meta.dtype == torch.float64 and meta.shape == (7, 7, 8)


def test_random_batch_is_deterministic_and_has_its_awkward_cases():
    pred, target = ch07.random_batch(3, seed=5, empty_images=1, ties=1, misses=1, zero_size=2)
    again, _ = ch07.random_batch(3, seed=5, empty_images=1, ties=1, misses=1, zero_size=2)
    assert torch.equal(pred, again) and pred.dtype == target.dtype == torch.float64
    assert pred.shape == (3, 7, 7, 30) and target.shape == (3, 7, 7, 25)
    assert target[0].abs().sum() == 0  # the empty image
    assert (target[1:, ..., 4].sum(dim=(1, 2)) == 3).all()  # 3 objects in each other image
    boxes = pred[..., :10].unflatten(-1, (2, 5))[..., :4]
    tied = (boxes[..., 0, :] == boxes[..., 1, :]).all(-1) & (target[..., 4] == 1)
    assert (tied.sum(dim=(1, 2))[1:] >= 1).all()
    zero = (boxes[..., 2:] == 0).all(-1).all(-1)
    assert (zero.sum(dim=(1, 2))[1:] >= 2).all()
