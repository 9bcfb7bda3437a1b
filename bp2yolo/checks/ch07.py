"""The visible checks of assignment 07 (a GPU-enabled YOLO loss), and its test data.

    hand_fixture()                    the lesson's hand-checked example (S = 2, B = 2, C = 2)
    offset_fixture()                  a second small example whose box terms are not zero
    random_batch(N, ...)              random (pred, target) with empty images, ties, misses
    check_box_iou(box_iou)                                  exercise 1 (corner format, pairwise)
    check_encode_target(encode_target)                      exercise 2 (vectorized)
    check_assign_responsible(assign_responsible)            exercise 3 (with darknet's rule)
    check_yolo_loss(yolo_loss)                              exercise 4 (terms per image)
    check_yolo_loss_grad(yolo_loss_grad)                    exercise 5
    check_loss_and_grad_on(loss_and_grad_on, assign_responsible, yolo_loss)   exercise 6

The conventions (shapes, layout, the loss) are those of the assignment's introduction; the
confidence, written C-hat in the YOLOv1 paper and the loss spec, is o (objectness) here, since C
is the number of classes.

Nothing here solves a graded exercise: no IoU, no assignment, no loss is computed here. Every
expected value is a fixed number worked out by hand for a small fixed input (the comments say
how), or, for random inputs, a property that needs no reference (finite, the right shape, the
right device). The hidden tests, with their independent loop version of the loss, live only in
the instructor's source notebook.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch

from bp2yolo.checks.core import assert_close
from bp2yolo.checks.report import HintError, call, calling, check, run, show, unpack
from bp2yolo.device import pick_device

TERMS = ("centre", "size", "obj", "noobj", "class")
F64 = torch.float64

# ---------------------------------------------------------------------------------------------
# Test data (they build tensors; they do not compute any part of the loss)


def hand_fixture() -> tuple[torch.Tensor, torch.Tensor]:
    """The lesson's hand-checked example (S = 2, B = 2, C = 2, N = 1), in float64.

    One object, in the cell at row 0, column 1: (x, y, w, h) = (0.5, 0.5, 0.5, 0.5), class 1.
    Its predictor 0 is (0.5, 0.5, sqrt(0.5), sqrt(0.5), 0.8): the same box, IoU 1.
    Its predictor 1 is (0.5, 0.5, 0.3, 0.3, 0.4); its class scores are (0.2, 0.7).
    In the other three cells both confidences are 0.1 and every class score is 0.3.
    Returns (pred, target) of shapes (1, 2, 2, 12) and (1, 2, 2, 7).
    """
    pred = torch.zeros(1, 2, 2, 12, dtype=F64)
    pred[..., 4] = pred[..., 9] = 0.1
    pred[..., 10:] = 0.3
    pred[0, 0, 1] = torch.tensor([0.5, 0.5, 0.5**0.5, 0.5**0.5, 0.8,
                                  0.5, 0.5, 0.3, 0.3, 0.4,
                                  0.2, 0.7], dtype=F64)
    target = torch.zeros(1, 2, 2, 7, dtype=F64)
    target[0, 0, 1] = torch.tensor([0.5, 0.5, 0.5, 0.5, 1.0, 0.0, 1.0], dtype=F64)
    return pred, target


def offset_fixture() -> tuple[torch.Tensor, torch.Tensor]:
    """A second example (S = 2, B = 2, C = 2, N = 1) whose box terms are not zero, in float64.

    One object, in the cell at row 1, column 0: (x, y, w, h) = (0.25, 0.75, 0.36, 0.16), class 0.
    Its predictor 0 is (0.5, 0.5, 0.6, 0.4, 0.7): the right size, centre a quarter cell off.
    Its predictor 1 is (0.35, 0.65, 0.5, 0.5, 0.2): a 0.25 x 0.25 box, centre 0.1 cell off.
    Its class scores are (0.9, 0.2). Every other number is 0.
    Returns (pred, target) of shapes (1, 2, 2, 12) and (1, 2, 2, 7).
    """
    pred = torch.zeros(1, 2, 2, 12, dtype=F64)
    pred[0, 1, 0] = torch.tensor([0.5, 0.5, 0.6, 0.4, 0.7,
                                  0.35, 0.65, 0.5, 0.5, 0.2,
                                  0.9, 0.2], dtype=F64)
    target = torch.zeros(1, 2, 2, 7, dtype=F64)
    target[0, 1, 0] = torch.tensor([0.25, 0.75, 0.36, 0.16, 1.0, 1.0, 0.0], dtype=F64)
    return pred, target


def random_batch(
    N: int,
    S: int = 7,
    B: int = 2,
    C: int = 20,
    *,
    seed: int = 0,
    objects: int = 3,
    empty_images: int = 0,
    ties: int = 0,
    misses: int = 0,
    zero_size: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """A random (pred, target) pair in float64, for testing, of shapes (N, S, S, 5B + C) and
    (N, S, S, 5 + C).

    Every image but the first `empty_images` has `objects` objects, in distinct random cells.
    The predicted boxes are noisy copies of the cell's object (so IoUs vary), confidences and
    class scores are Gaussian noise. Then, in each image with objects: in `ties` object cells
    every predictor gets the same box (an exact IoU tie); in `misses` object cells every
    predicted box lies a few cells away (every IoU is 0); and `zero_size` empty cells get
    predicted boxes of zero width and height.
    """
    gen = torch.Generator().manual_seed(seed)

    def normal(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=gen, dtype=F64)

    def uniform(lo: float, hi: float, *shape: int) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(*shape, generator=gen, dtype=F64)

    pred = normal(N, S, S, 5 * B + C)
    target = torch.zeros(N, S, S, 5 + C, dtype=F64)
    for n in range(empty_images, N):
        cells = torch.randperm(S * S, generator=gen).tolist()
        chosen, rest = cells[:objects], cells[objects:]
        for k, cell in enumerate(chosen):
            i, j = divmod(cell, S)
            box = torch.cat([uniform(0.0, 1.0, 2), uniform(0.05, 0.9, 2)])
            target[n, i, j, :4] = box
            target[n, i, j, 4] = 1.0
            target[n, i, j, 5 + int(torch.randint(C, (1,), generator=gen))] = 1.0
            guesses = box.repeat(B, 1) + 0.15 * normal(B, 4)
            guesses[:, 2:] = guesses[:, 2:].abs().sqrt()  # the network predicts sqrt(w), sqrt(h)
            if k < ties:
                guesses[:] = guesses[0]
            elif k < ties + misses:
                guesses[:, :2] += 3.0  # three cells away: no overlap
            for b in range(B):
                pred[n, i, j, 5 * b : 5 * b + 4] = guesses[b]
        for cell in rest[:zero_size]:
            i, j = divmod(cell, S)
            for b in range(B):
                pred[n, i, j, 5 * b + 2 : 5 * b + 4] = 0.0
    return pred, target


def _hand_assignment() -> tuple[torch.Tensor, torch.Tensor]:
    """(resp, iou) of the hand fixture, as the assignment step gives them: predictor 0 has IoU 1
    and is responsible; predictor 1 (0.3^2 = 0.09 wide and high, inside the 0.5 x 0.5 object)
    has IoU 0.09 * 0.09 / 0.25 = 0.0324."""
    resp = torch.zeros(1, 2, 2, 2, dtype=F64)
    resp[0, 0, 1, 0] = 1.0
    iou = torch.zeros(1, 2, 2, 2, dtype=F64)
    iou[0, 0, 1] = torch.tensor([1.0, 0.0324], dtype=F64)
    return resp, iou


def _offset_assignment() -> tuple[torch.Tensor, torch.Tensor]:
    """(resp, iou) of the offset fixture: predictor 1 is responsible. The IoUs, in image units
    (x / S, y / S, s_w^2, s_h^2) against (x / S, y / S, w, h), are the areas of the overlaps over
    the unions, 0.0768871231596168 and 0.4763368162261833 (printed once from the solution's
    box_iou)."""
    resp = torch.zeros(1, 2, 2, 2, dtype=F64)
    resp[0, 1, 0, 1] = 1.0
    iou = torch.zeros(1, 2, 2, 2, dtype=F64)
    iou[0, 1, 0] = torch.tensor([0.0768871231596168, 0.4763368162261833], dtype=F64)
    return resp, iou


OFFSET_IOU = 0.4763368162261833  # the responsible predictor's IoU in the offset fixture

# How the hints name the inputs (the fixtures are imported in the notebook)
HAND = ("pred, target = hand_fixture() and resp, iou its assignment (predictor 0 of cell (0, 1) "
        "responsible, iou[0, 0, 1] = [1.0, 0.0324], every other entry 0)")
OFFSET = ("pred, target = offset_fixture() and resp, iou its assignment (predictor 1 of cell "
          "(1, 0) responsible, iou[0, 1, 0] = [0.07689, 0.4763], every other entry 0)")


def _hand_gradient() -> torch.Tensor:
    """dL/dpred for the hand fixture, by hand: every box coordinate is exact, so only
    confidences and classes move."""
    expected = torch.zeros(1, 2, 2, 12, dtype=F64)
    expected[..., 4] = expected[..., 9] = 2 * 0.5 * 0.1  # no-object: 2 lambda_noobj o
    expected[0, 0, 1, 4] = 2 * (0.8 - 1.0)  # responsible: 2 (o - IoU)
    expected[0, 0, 1, 9] = 2 * 0.5 * 0.4  # the other predictor of the object cell: no-object
    # classes of the object cell: 2 (p - onehot)
    expected[0, 0, 1, 10:] = torch.tensor([2 * 0.2, 2 * (0.7 - 1.0)], dtype=F64)
    return expected


def _offset_gradient() -> torch.Tensor:
    """dL/dpred for the offset fixture, by hand: the responsible predictor 1 is off by 0.1 in
    each coordinate."""
    expected = torch.zeros(1, 2, 2, 12, dtype=F64)
    expected[0, 1, 0] = torch.tensor([
        0.0, 0.0, 0.0, 0.0, 2 * 0.5 * 0.7,  # predictor 0: not responsible, no-object gradient only
        # predictor 1, responsible: 2 lambda_coord (u - t) for x, y, s_w, s_h
        2 * 5 * 0.1, 2 * 5 * -0.1, 2 * 5 * (0.5 - 0.6), 2 * 5 * (0.5 - 0.4),
        2 * (0.2 - OFFSET_IOU),  # 2 (o - IoU)
        2 * (0.9 - 1.0), 2 * 0.2,  # classes
    ], dtype=F64)
    return expected


META_ADVICE = (
    "The same code must run on any device without host-device synchronisation: "
    "code that needs a tensor's values on the host (.item(), float(t), `if` on a "
    "tensor, boolean-mask indexing x[mask], torch.nonzero, one-argument torch.where(mask)) "
    "makes the CPU wait for the GPU, and new tensors must be created on the input's device "
    "(device=pred.device): use float masks, argmax and the three-argument "
    "torch.where(cond, a, b) instead"
)


def _device_error(what: str, fn: Callable[..., Any], *args: Any) -> tuple[Any, Exception | None]:
    """(fn(*args), None), or (None, the error) when a device or tensor operation failed inside
    it. A stub's bare NotImplementedError and any other exception propagate unchanged."""
    try:
        with calling(what):
            return fn(*args), None
    except NotImplementedError as exc:
        if not str(exc):
            raise
        return None, exc
    except (RuntimeError, TypeError, ValueError, IndexError) as exc:
        return None, exc


def _on_meta(what: str, fn: Callable[..., Any], *args: Any) -> Any:
    """fn(*args) on 'meta' tensors (shapes, no values); a failure names the likely cause."""
    result, error = _device_error(f"{what} on the 'meta' device", fn, *args)
    if error is None:
        return result
    raise HintError(
        f"{what} failed on the 'meta' device (tensors with shapes but no values) with "
        f"{type(error).__name__}: {str(error).splitlines()[0][:160]}. {META_ADVICE}"
    )


# ---------------------------------------------------------------------------------------------
# Exercise 1: box IoU


@check
def check_box_iou(box_iou: Callable) -> None:
    """box_iou on one box against six worked out by hand, two empty boxes, and a batch of sets."""
    a = torch.tensor([[0.1, 0.1, 0.7, 0.7]], dtype=F64)  # one box, 0.6 x 0.6
    others = torch.tensor([
        [0.1, 0.1, 0.7, 0.7],  # the same box: IoU 1
        [0.2, 0.1, 0.8, 0.7],  # shifted by 0.1: 0.5 x 0.6 / (0.36 + 0.36 - 0.3) = 5/7
        [0.2, 0.2, 0.4, 0.4],  # inside a: 0.04 / 0.36 = 1/9
        [0.3, 0.3, 0.9, 0.9],  # 0.4 x 0.4 / (0.72 - 0.16) = 2/7
        [0.7, 0.1, 1.3, 0.7],  # touches a's right edge: 0
        [0.85, 0.85, 0.95, 0.95],  # far away: 0
    ], dtype=F64)
    made = (f"box_iou(a, others) with a = {show(a)} (shape (1, 4)) and others = "
            f"{others.tolist()} (shape (6, 4)), (x1, y1, x2, y2) boxes in float64 tensors")
    got = run(box_iou, a, others)
    shape = tuple(getattr(got, "shape", ()))
    if shape != (1, 6):
        also = ": it looks transposed, rows are boxes1 and columns boxes2" if shape == (6, 1) else (
            ": box_iou compares every box of boxes1 with every box of boxes2, not box p with box "
            "p; insert axes, boxes1[..., :, None, :] against boxes2[..., None, :, :]")
        raise HintError(f"box_iou(a, others) has shape {shape} but should have shape (1, 6), one "
                        f"row per box of a and one column per box of others{also} (in {made})")
    assert_close(
        got,
        torch.tensor([[1.0, 5 / 7, 1 / 9, 2 / 7, 0.0, 0.0]], dtype=F64),
        made,
        variants={
            "you treated the corners (x1, y1, x2, y2) as a centre and a size (cx, cy, w, h); "
            "in corner format the intersection is [max(x1, x1'), min(x2, x2')] across and "
            "likewise down, and a box's area (x2 - x1)(y2 - y1)":
                # the centre-format formula applied to these numbers (printed once)
                torch.tensor([[1.0, 0.764705882352941, 0.3265306122448981, 0.38297872340425526,
                               0.25, 0.004055881027489856]], dtype=F64),
            "disjoint boxes get a positive IoU: clamp each overlap width and height at 0 before "
            "multiplying them (two negative overlaps multiply to a positive area)":
                torch.tensor([[1.0, 5 / 7, 1 / 9, 2 / 7, 0.0, 0.0647482014388]], dtype=F64),
            "you divided by the sum of the two areas: the union is area1 + area2 - intersection":
                torch.tensor([[0.5, 0.416666666667, 0.1, 0.222222222222, 0.0, 0.0]], dtype=F64),
        },
    )
    empty = torch.tensor([[0.5, 0.5, 0.5, 0.5]], dtype=F64)
    made = f"box_iou(a, a) with a = {show(empty)}, a box of zero size"
    iou_empty = run(box_iou, empty, empty)
    if torch.isnan(iou_empty).any():
        raise HintError(
            f"box_iou of two boxes of zero size ({made}) is NaN (0 / 0): clamp the union, "
            "inter / union.clamp(min=1e-12), so that it is 0"
        )
    assert_close(iou_empty, torch.zeros(1, 1, dtype=F64),
                 f"box_iou of two boxes of zero size, {made}")
    # a batch of two images: two detections each against three objects each, in grid units
    detections = torch.tensor([[[0, 0, 2, 2], [1, 1, 3, 3]],
                               [[0, 0, 1, 2], [0, 0, 2, 1]]], dtype=F64)  # (2, 2, 4)
    objects = torch.tensor([[[0, 0, 2, 2], [0, 0, 1, 1], [2, 2, 3, 3]],
                            [[0, 0, 2, 2], [0, 0, 1, 2], [1, 0, 2, 1]]], dtype=F64)  # (2, 3, 4)
    made = (f"box_iou(detections, objects) with detections = {detections.tolist()} (shape "
            f"(2, 2, 4)) and objects = {objects.tolist()} (shape (2, 3, 4))")
    got = run(box_iou, detections, objects)
    shape = tuple(getattr(got, "shape", ()))
    if shape != (2, 2, 3):
        raise HintError(f"box_iou(detections, objects) has shape {shape} but should have shape "
                        "(2, 2, 3): the leading axis (the image) is kept, and each image's 2 "
                        f"detections meet its 3 objects (in {made})")
    assert_close(  # areas 4 and 4 overlapping in 1: 1/7; 2 and 2 overlapping in 1: 1/3
        got,
        torch.tensor([[[1.0, 0.25, 0.0], [1 / 7, 0.0, 0.25]],
                      [[0.5, 1.0, 0.0], [0.5, 1 / 3, 0.5]]], dtype=F64),
        made,
    )
    print("box_iou: visible tests passed")


# ---------------------------------------------------------------------------------------------
# Exercise 2: the target encoder


def _encoding(boxes: list, labels: list, S: int, C: int) -> str:
    """How the hints name the call _encode makes."""
    if not boxes:
        return (f"encode_target(torch.zeros(0, 4, dtype=torch.float64), "
                f"torch.zeros(0, dtype=torch.int64), S={S}, C={C})")
    return (f"encode_target(torch.tensor({boxes}, dtype=torch.float64), "
            f"torch.tensor({labels}), S={S}, C={C})")


def _encode(encode_target: Callable, boxes: list, labels: list, S: int, C: int) -> Any:
    """encode_target on lists, with a hint if it indexes past the grid."""
    made = _encoding(boxes, labels, S, C)
    try:
        with calling(made):
            return encode_target(torch.tensor(boxes, dtype=F64).reshape(-1, 4),
                                 torch.tensor(labels, dtype=torch.int64), S=S, C=C)
    except (IndexError, RuntimeError) as exc:
        if isinstance(exc, RuntimeError) and "out of bounds" not in str(exc):
            raise
        raise HintError(
            f"encode_target raised {type(exc).__name__} ({str(exc).splitlines()[0][:100]}) in "
            f"{made}: a centre on the right or bottom edge "
            "(cx = 1.0 or cy = 1.0) gives floor(1.0 * S) = S, one past the last cell; clamp the "
            "row and the column to S - 1"
        ) from None


@check
def check_encode_target(encode_target: Callable) -> None:
    """encode_target for one box, boxes on the edges, two boxes in a cell, no boxes, and boxes
    on the meta device (the target's dtype, device and shape; no value read)."""
    # one box, centre (0.5, 0.3): row floor(0.3 * 7) = 2, column floor(0.5 * 7) = 3
    target = _encode(encode_target, [[0.5, 0.3, 0.2, 0.4]], [4], S=7, C=6)
    if target.dtype != F64:  # a more specific hint than assert_close's float32 one
        raise HintError(
            f"encode_target returned a {target.dtype} target for float64 boxes (in "
            f"{_encoding([[0.5, 0.3, 0.2, 0.4]], [4], 7, 6)}): the target has "
            "the dtype and device of boxes, torch.zeros(..., dtype=boxes.dtype, "
            "device=boxes.device) (torch.zeros(...) on its own gives float32 on the CPU)"
        )
    expected = torch.zeros(7, 7, 11, dtype=F64)
    expected[2, 3] = torch.tensor([0.5, 0.3 * 7 - 2, 0.2, 0.4, 1, 0, 0, 0, 0, 1, 0], dtype=F64)
    swapped = torch.zeros(7, 7, 11, dtype=F64)
    swapped[3, 2] = expected[2, 3]
    image_units = expected.clone()
    image_units[2, 3, :2] = torch.tensor([0.5, 0.3], dtype=F64)
    square_roots = expected.clone()
    square_roots[2, 3, 2:4] = torch.tensor([0.2, 0.4], dtype=F64).sqrt()
    assert_close(target, expected, _encoding([[0.5, 0.3, 0.2, 0.4]], [4], 7, 6),
                 variants={
        "row and column are swapped: the row is floor(cy * S) (down the image), the column "
        "floor(cx * S) (across)": swapped,
        "x and y should be the centre's offset inside its cell, cx * S - column and "
        "cy * S - row, not its position in the image": image_units,
        "store w and h as they are: the loss takes their square roots": square_roots,
    })
    # boxes on the edges: cx = cy = 1.0 belongs to the last cell, cx = cy = 0.0 to the first
    target = _encode(encode_target, [[1.0, 1.0, 0.3, 0.2], [0.0, 0.0, 0.1, 0.1]], [0, 2],
                     S=4, C=3)
    expected = torch.zeros(4, 4, 8, dtype=F64)
    expected[3, 3] = torch.tensor([1.0, 1.0, 0.3, 0.2, 1, 1, 0, 0], dtype=F64)
    expected[0, 0] = torch.tensor([0.0, 0.0, 0.1, 0.1, 1, 0, 0, 1], dtype=F64)
    offset_unclamped = expected.clone()
    offset_unclamped[3, 3, :2] = 0.0
    assert_close(target, expected,
                 "encode_target for centres on the edges (cx = 1.0 and 0.0), "
                 + _encoding([[1.0, 1.0, 0.3, 0.2], [0.0, 0.0, 0.1, 0.1]], [0, 2], 4, 3),
                 variants={"on the edge the offset is cx * S - column with the clamped column "
                           "(4 * 1.0 - 3 = 1.0), not 0": offset_unclamped})
    # two centres in the same cell (row 3, column 3 for S = 7): the first box wins
    target = _encode(encode_target, [[0.51, 0.52, 0.2, 0.2], [0.55, 0.56, 0.1, 0.1]], [0, 1],
                     S=7, C=2)
    first = torch.zeros(7, 7, 7, dtype=F64)
    first[3, 3] = torch.tensor([0.51 * 7 - 3, 0.52 * 7 - 3, 0.2, 0.2, 1, 1, 0], dtype=F64)
    last = torch.zeros(7, 7, 7, dtype=F64)
    last[3, 3] = torch.tensor([0.55 * 7 - 3, 0.56 * 7 - 3, 0.1, 0.1, 1, 0, 1], dtype=F64)
    assert_close(target, first, "encode_target for two boxes in one cell, " + _encoding(
        [[0.51, 0.52, 0.2, 0.2], [0.55, 0.56, 0.1, 0.1]], [0, 1], 7, 2), variants={
        "the second box overwrote the first: a cell holds one object, and the first box wins "
        "(skip a box whose cell already has obj = 1)": last,
    })
    # no boxes at all
    assert_close(_encode(encode_target, [], [], S=7, C=20), torch.zeros(7, 7, 25, dtype=F64),
                 f"encode_target for an image without boxes, {_encoding([], [], 7, 20)}")
    # three boxes on the meta device: the target's dtype, device and shape, and no value read
    for dtype in (F64, torch.float32):
        made = (f"encode_target(boxes, labels, S=7, C=4) with boxes = torch.empty(3, 4, "
                f"dtype={dtype}, device='meta') and labels = torch.empty(3, dtype=torch.int64, "
                "device='meta')")
        target, error = _device_error(
            made, functools.partial(encode_target, S=7, C=4),
            torch.empty(3, 4, dtype=dtype, device="meta"),
            torch.empty(3, dtype=torch.int64, device="meta"))
        if error is not None:
            raise HintError(
                f"{made} failed with {type(error).__name__}: {str(error).splitlines()[0][:160]}. "
                "A meta tensor has a shape and no values: a loop over the boxes that reads them "
                "(.tolist(), int(cy * S), `if` on a tensor) fails there, and on a GPU it would "
                "wait for the device once per box; and every tensor you create needs "
                "device=boxes.device. Compute the cells of all boxes at once"
            )
        if torch.device(target.device).type != "meta":
            raise HintError(f"{made} returned a target on {target.device}: create it on the "
                            "device of boxes, torch.zeros(..., device=boxes.device)")
        if target.dtype != dtype or tuple(target.shape) != (7, 7, 9):
            raise HintError(f"{made} returned a {target.dtype} target of shape "
                            f"{tuple(target.shape)}; it should be {dtype}, of shape (7, 7, 9)")
    print("encode_target: visible tests passed")


# ---------------------------------------------------------------------------------------------
# Exercise 3: the assignment step


def _check_rmse_rule(assign_responsible: Callable) -> None:
    """darknet's rule on two cells of S = 1, worked out by hand.

    Both boxes miss the object (0.5, 0.5, 0.04, 0.04): box 0 at (0.1, 0.5), 0.04 x 0.04, is
    0.4 away (RMSE 0.4); box 1 at (0.8, 0.5), 0.01 x 0.01, has RMSE sqrt(0.09 + 2 * 0.03^2)
    ~ 0.303. Every IoU is 0: the IoU rule takes box 0, the RMSE rule box 1.
    Then an object (0.5, 0.5, 0.25, 0.25) with box 0 centred, 0.5 x 0.5 (IoU 0.25, RMSE 0.354)
    and box 1 of the right size 0.2 to the right (IoU 0.0125 / 0.1125 = 1/9, RMSE 0.2): an IoU
    is positive, so both rules take box 0.
    """
    miss = torch.tensor([[[[0.1, 0.5, 0.2, 0.2, 0.0, 0.8, 0.5, 0.1, 0.1, 0.0, 0.0]]]], dtype=F64)
    miss_target = torch.tensor([[[[0.5, 0.5, 0.04, 0.04, 1.0, 1.0]]]], dtype=F64)
    for rule, want in (("iou", [1.0, 0.0]), ("iou_rmse", [0.0, 1.0])):
        made = (f"{call('assign_responsible', miss, miss_target)[:-1]}, rule={rule!r}) "
                "(float64 tensors; both boxes miss the object)")
        resp, iou = _two(run(assign_responsible, miss, miss_target, rule=rule), made, "(resp, iou)")
        assert_close(iou, torch.zeros(1, 1, 1, 2, dtype=F64), f"iou when both boxes miss, {made}")
        assert_close(resp, torch.tensor([[[want]]], dtype=F64), f"resp, {made}", variants={
            "with rule='iou_rmse' and every IoU of the cell 0, the responsible predictor is the "
            "one whose box is nearest the object: the smallest RMSE of (x/S, y/S, w, h), here "
            "predictor 1": torch.tensor([[[[1.0, 0.0]]]], dtype=F64),
            "the RMSE decides only when every IoU of the cell is 0: with rule='iou' (and "
            "wherever an IoU is positive) the largest IoU wins, here predictor 0":
                torch.tensor([[[[0.0, 1.0]]]], dtype=F64),
        } if rule == "iou_rmse" else {
            "the RMSE decides only when every IoU of the cell is 0 and rule='iou_rmse': with "
            "rule='iou' the first largest IoU wins, here predictor 0":
                torch.tensor([[[[0.0, 1.0]]]], dtype=F64),
        })
    hit = torch.tensor([[[[0.5, 0.5, 0.5**0.5, 0.5**0.5, 0.0, 0.7, 0.5, 0.5, 0.5, 0.0, 0.0]]]],
                       dtype=F64)
    hit_target = torch.tensor([[[[0.5, 0.5, 0.25, 0.25, 1.0, 1.0]]]], dtype=F64)
    made = (f"{call('assign_responsible', hit, hit_target)[:-1]}, rule='iou_rmse') (float64 "
            "tensors; IoUs 0.25 and 1/9, RMSEs 0.354 and 0.2)")
    resp, iou = _two(run(assign_responsible, hit, hit_target, rule="iou_rmse"), made,
                     "(resp, iou)")
    assert_close(iou, torch.tensor([[[[0.25, 1 / 9]]]], dtype=F64), f"iou, {made}")
    assert_close(resp, torch.tensor([[[[1.0, 0.0]]]], dtype=F64), f"resp, {made}", variants={
        "the RMSE decides only when every IoU of the cell is 0: here an IoU is positive, so "
        "the largest IoU wins (predictor 0)": torch.tensor([[[[0.0, 1.0]]]], dtype=F64),
    })


@check
def check_assign_responsible(assign_responsible: Callable) -> None:
    """assign_responsible on the hand fixture, an exact tie, a case where units matter,
    darknet's rule (rule="iou_rmse"), and the meta device."""
    pred, target = hand_fixture()
    pred.requires_grad_(True)
    pred_before, target_before = pred.detach().clone(), target.clone()
    made = ("assign_responsible(pred, target) with pred, target = hand_fixture() and "
            "pred.requires_grad_(True)")
    resp, iou = _two(run(assign_responsible, pred, target), made, "(resp, iou)")
    for name, now, before in (("pred", pred.detach(), pred_before),
                              ("target", target, target_before)):
        if not torch.equal(now, before):
            raise HintError(
                f"assign_responsible changed {name} in place (e.g. `boxes[..., 2:4] **= 2`, "
                f"where boxes is a slice or unflatten of {name}: a view shares its memory): "
                "compute new tensors instead (boxes[..., 2:4] ** 2). The loss needs the original "
                f"values, and the caller's tensors must not change (in {made})"
            )
    expected_resp, expected_iou = _hand_assignment()
    assert_close(iou, expected_iou, f"iou for the hand fixture, {made}", variants={
        "the predictions are square roots of w and h: square them (s_w ** 2) before the IoU":
            torch.tensor([[[[0.0, 0.0], [0.5, 0.36]], [[0.0, 0.0], [0.0, 0.0]]]], dtype=F64),
        "box_iou takes corners (x1, y1, x2, y2), and the boxes here are (cx, cy, w, h): "
        "convert both to (cx - w/2, cy - h/2, cx + w/2, cy + h/2) before calling it":
            torch.tensor([[[[0.0, 0.0], [1.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]]]], dtype=F64),
    })
    assert_close(resp, expected_resp, f"resp for the hand fixture, {made}")
    if iou.requires_grad or resp.requires_grad:
        raise HintError(
            "iou (or resp) is attached to the autograd graph: the IoU target is a constant for "
            "the loss; compute the assignment under torch.no_grad() or return iou.detach(), or "
            f"gradient flows into the predicted box through the confidence target (in {made})"
        )
    # an exact tie: both predictors of the single cell (S = 1) predict the same box
    tie_pred = torch.tensor([[[[0.4, 0.6, 0.5, 0.5, 0.3, 0.4, 0.6, 0.5, 0.5, 0.9, 0.0]]]],
                            dtype=F64)
    tie_target = torch.tensor([[[[0.5, 0.5, 0.3, 0.3, 1.0, 1.0]]]], dtype=F64)
    made = f"{call('assign_responsible', tie_pred, tie_target)} (float64 tensors)"
    resp, iou = _two(run(assign_responsible, tie_pred, tie_target), made, "(resp, iou)")
    assert_close(resp, torch.tensor([[[[1.0, 0.0]]]], dtype=F64),
                 f"resp for a tie (both predictors have the same IoU), {made}", variants={
        "on a tie the first predictor is responsible (torch.argmax returns the first index), "
        "not the last": torch.tensor([[[[0.0, 1.0]]]], dtype=F64),
        "on a tie exactly one predictor is responsible, the first (argmax), not every "
        "predictor that reaches the maximum": torch.tensor([[[[1.0, 1.0]]]], dtype=F64),
    })
    # units: S = 2, object (0.5, 0.5, 0.2, 0.2) in cell (0, 0). Predictor 0 has the right size,
    # its centre 0.25 cell = 0.125 image to the right: IoU 0.075 x 0.2 / (0.08 - 0.015) = 3/13.
    # Predictor 1 is centred, 0.5 x 0.5: IoU 0.04 / 0.25 = 0.16. Predictor 0 is responsible.
    units_pred = torch.zeros(1, 2, 2, 11, dtype=F64)
    units_pred[0, 0, 0, :10] = torch.tensor([0.75, 0.5, 0.2**0.5, 0.2**0.5, 0.0,
                                             0.5, 0.5, 0.5**0.5, 0.5**0.5, 0.0], dtype=F64)
    units_target = torch.zeros(1, 2, 2, 6, dtype=F64)
    units_target[0, 0, 0] = torch.tensor([0.5, 0.5, 0.2, 0.2, 1.0, 1.0], dtype=F64)
    made = ("assign_responsible(pred, target) with S = 2, B = 2, C = 1 and every entry 0 but "
            "those of cell (0, 0): pred[0, 0, 0, :10] = [0.75, 0.5, sqrt(0.2), sqrt(0.2), 0.0, "
            "0.5, 0.5, sqrt(0.5), sqrt(0.5), 0.0], target[0, 0, 0] = "
            f"{units_target[0, 0, 0].tolist()} (float64 tensors)")
    resp, iou = _two(run(assign_responsible, units_pred, units_target), made, "(resp, iou)")
    mixed = torch.zeros(1, 2, 2, 2, dtype=F64)
    mixed[0, 0, 0] = torch.tensor([0.0, 0.16], dtype=F64)
    expected_iou = torch.zeros(1, 2, 2, 2, dtype=F64)
    expected_iou[0, 0, 0] = torch.tensor([3 / 13, 0.16], dtype=F64)
    assert_close(iou, expected_iou, f"iou when the centres differ (S = 2), {made}", variants={
        "the IoU mixes cell units and image units: x and y are offsets in cell units, w and h "
        "fractions of the image; divide x and y by S (for both boxes) before the IoU": mixed,
    })
    assert_close(resp[0, 0, 0], torch.tensor([1.0, 0.0], dtype=F64),
                 f"resp when the centres differ (S = 2), {made}")
    _check_rmse_rule(assign_responsible)
    meta_resp, meta_iou = _on_meta("assign_responsible(pred, target, rule='iou_rmse'), with pred "
                                   "and target of shapes (2, 7, 7, 30) and (2, 7, 7, 25),",
                                   lambda p, t: assign_responsible(p, t, rule="iou_rmse"),
                                   torch.empty(2, 7, 7, 30, device="meta"),
                                   torch.empty(2, 7, 7, 25, device="meta"))
    assert meta_resp.shape == meta_iou.shape == (2, 7, 7, 2), (
        f"on the meta device resp and iou have shapes {tuple(meta_resp.shape)} and "
        f"{tuple(meta_iou.shape)}; both should be (2, 7, 7, 2)"
    )
    print("assign_responsible: visible tests passed")


# ---------------------------------------------------------------------------------------------
# Exercise 4: the loss

# The loss of the empty image random_batch(1, S=3, C=3, seed=8, empty_images=1): only the
# no-object term counts, 0.5 * the sum of the squared confidences pred[..., 4] and pred[..., 9].
# Printed once from that sum (and from the solution's yolo_loss, which agrees).
EMPTY_IMAGE_LOSS = 10.728326256632595


def _two(result: Any, made: str, what: str) -> tuple:
    """The two values the call `made` returned, or HintError."""
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise HintError(f"{made} should return two values {what}, got {type(result).__name__}")
    return tuple(result)


def _run_loss(yolo_loss: Callable, pred: Any, target: Any, resp: Any, iou: Any,
              made: str) -> tuple:
    """yolo_loss(...), the call described `made`, with its result's structure checked."""
    with calling(made):
        result = yolo_loss(pred, target, resp, iou)
    assert isinstance(result, tuple) and len(result) == 2, (
        f"yolo_loss should return a tuple (total, terms), got {type(result).__name__} (in "
        f"{made})"
    )
    total, terms = result
    assert isinstance(terms, dict) and set(terms) == set(TERMS), (
        f"terms should be a dict with the keys {TERMS}, got {terms!r:.120} (in {made})"
    )
    N = pred.shape[0]
    for name in TERMS:
        shape = tuple(getattr(terms[name], "shape", ()))
        if shape != (N,):
            raise HintError(
                f"terms[{name!r}] has shape {shape} but should have shape ({N},), one value per "
                "image: sum over the cells, predictors and classes of each image, not over the "
                f"images (in {made})"
            )
    shape = tuple(getattr(total, "shape", (None,)))
    if shape != ():
        raise HintError(f"total has shape {shape} but should be a 0-dim tensor, the loss of the "
                        f"whole batch (in {made})")
    return total, terms


def _check_value(value: Any, expected: float, name: str, variants: dict | None = None,
                 batch_size: int | None = None) -> None:
    """assert_close, and a hint for a mean where the loss wants a sum divided by N. A term of
    one image, shape (1,), is compared as a number (_run_loss has checked its shape)."""
    variants = dict(variants or {})
    if isinstance(value, torch.Tensor) and value.shape == (1,):
        value = value.reshape(())
    v = float(value)
    known = any(abs(v - float(w)) <= 1e-7 * (abs(v) + abs(float(w))) + 1e-12
                for w in variants.values())
    if not known and expected > 0 and 0 < v < expected / 3:
        raise HintError(
            f"{name} is {v:.6g}, much smaller than the expected {expected:.6g}: the loss is a "
            "sum over cells, predictors and classes divided by N (the number of images), not a "
            "mean over all elements (.mean())"
        )
    assert_close(value, expected, name, variants=variants, batch_size=batch_size)


def _fixed_assignment(target: torch.Tensor, B: int = 2) -> tuple[torch.Tensor, torch.Tensor]:
    """A valid (resp, iou) without assign_responsible: predictor 0 responsible, IoU 0.5."""
    resp = torch.zeros(*target.shape[:3], B, dtype=target.dtype, device=target.device)
    resp[..., 0] = target[..., 4]
    return resp, torch.full_like(resp, 0.5)


def _check_loss_on_random_and_empty(yolo_loss: Callable) -> None:
    """Finite on random predictions; only the no-object term in an image without objects."""
    # random predictions, some of them negative sqrt-widths: the loss must stay finite
    pred, target = random_batch(2, S=3, C=3, seed=7)
    made = ("yolo_loss(pred, target, resp, iou) with pred, target = random_batch(2, S=3, C=3, "
            "seed=7), resp = target[..., 4] for predictor 0 and 0 for predictor 1, iou = 0.5")
    total, terms = _run_loss(yolo_loss, pred, target, *_fixed_assignment(target), made)
    if not torch.isfinite(total):
        raise HintError(
            "yolo_loss is NaN or inf on random predictions, where some predicted sqrt-widths "
            "are negative: do not take the square root of a prediction (the network outputs "
            f"sqrt(w) itself); only the target's w and h get a square root (in {made})"
        )
    # an image without objects: only the no-object term counts
    pred, target = random_batch(1, S=3, C=3, seed=8, empty_images=1)
    nothing = torch.zeros(1, 3, 3, 2, dtype=F64)
    made = ("yolo_loss(pred, target, resp, iou) with pred, target = random_batch(1, S=3, C=3, "
            "seed=8, empty_images=1) and resp = iou = torch.zeros(1, 3, 3, 2)")
    total, terms = _run_loss(yolo_loss, pred, target, nothing, nothing, made)
    if abs(float(terms["class"])) > 1e-12:
        raise HintError("terms['class'] is not 0 for an image without objects: the class term "
                        "counted every cell; it applies only to cells with an object (multiply "
                        f"by target[..., 4]) (in {made})")
    try:
        _check_value(total, EMPTY_IMAGE_LOSS, f"the loss of an image without objects, {made}",
                     variants={
            "lambda_noobj = 0.5 is missing from the no-object term": 2 * EMPTY_IMAGE_LOSS})
    except HintError as err:
        if "lambda_noobj" in str(err) or "mean over" in str(err):
            raise
        raise HintError(
            f"{err} Check the layout of pred: in an image without objects only the no-object "
            "term counts, 0.5 * the sum of the squared confidences pred[..., 4] and "
            "pred[..., 9] (per cell, 5 numbers for each of the B predictors come first, then "
            "the C class scores)"
        ) from None


OBJ_WEIGHTED = (
    "lambda_noobj weights the no-object term (4) only; the object term (3) has weight 1"
)


def _check_loss_on_hand_fixture(yolo_loss: Callable) -> None:
    """The hand fixture's five terms (L = 0.28, spec section 4), and its gradient by autograd."""
    pred, target = hand_fixture()
    resp, iou = _hand_assignment()
    before, target_before = pred.clone(), target.clone()
    made = f"yolo_loss(pred, target, resp, iou) with {HAND}"
    total, terms = _run_loss(yolo_loss, pred, target, resp, iou, made)
    assert torch.equal(pred, before), (
        "yolo_loss changed pred in place (e.g. `pred[...] -= ...`, `**=`, clamp_): compute new "
        "tensors instead; autograd needs the original values, and the caller's network output "
        f"must not change (in {made})"
    )
    assert torch.equal(target, target_before), (
        "yolo_loss changed target in place (e.g. truth[..., 2:4].sqrt_() or `**=`, where truth "
        "is target[..., None, :], a view that shares target's memory): compute new tensors "
        "instead (truth[..., 2].sqrt()). Otherwise the next call with the same target, the next "
        f"training step, takes square roots of square roots (in {made})"
    )
    _check_value(terms["centre"], 0.0, f"terms['centre'] for the hand fixture, {made}")
    _check_value(terms["size"], 0.0, f"terms['size'] for the hand fixture, {made}", variants={
        "the size term compares s_w with the square root of the target's w, not with w itself":
            5 * 2 * (0.5**0.5 - 0.5) ** 2,
    })
    _check_value(terms["obj"], 0.04, f"terms['obj'] for the hand fixture, {made}",
                 variants={OBJ_WEIGHTED: 0.5 * 0.04})
    _check_value(terms["noobj"], 0.11, f"terms['noobj'] for the hand fixture, {made}", variants={
        "the no-object term also counted the responsible predictor: it applies to every "
        "predictor except the responsible one (mask 1 - resp)": 0.43,
        "the no-object term skipped the other predictor of the object cell: it applies to every "
        "predictor that is not responsible, in object cells too (mask 1 - resp, not 1 - obj)":
            0.03,
    })
    _check_value(terms["class"], 0.13, f"terms['class'] for the hand fixture, {made}", variants={
        "the class term counted every cell: it applies only to cells with an object "
        "(multiply by target[..., 4])": 0.67,
    })
    _check_value(total, 0.28, f"the total loss for the hand fixture, {made}")
    # its gradient, by autograd: only the assignment (resp, iou) is constant, not pred
    leaf = pred.clone().requires_grad_(True)
    made = (f"torch.autograd.grad(total, pred) after total, terms = yolo_loss(pred, target, "
            f"resp, iou) with {HAND}, and pred.requires_grad_(True)")
    total, _ = _run_loss(yolo_loss, leaf, target, resp, iou, made)
    with calling(made):
        (grad,) = torch.autograd.grad(total, leaf)
    expected = _hand_gradient()
    no_confidence = expected.clone()
    no_confidence[..., 4] = no_confidence[..., 9] = 0.0
    assert_close(grad, expected,
                 f"the gradient (autograd) of the loss for the hand fixture, {made}",
                 variants={
        "the confidences get no gradient: only the assignment (resp, iou) is a constant, so do "
        "not detach pred or its boxes": no_confidence,
    })


def _check_loss_on_offset_fixture(yolo_loss: Callable) -> None:
    """The offset fixture's five terms: the responsible predictor 1 is off by 0.1 in each
    coordinate, so centre = 5 * (0.1^2 + 0.1^2) = 0.1 and size = 5 * (0.1^2 + 0.1^2) = 0.1."""
    pred, target = offset_fixture()
    made = f"yolo_loss(pred, target, resp, iou) with {OFFSET}"
    total, terms = _run_loss(yolo_loss, pred, target, *_offset_assignment(), made)
    no_lambda = "lambda_coord = 5 is missing: both box terms are weighted by it"
    _check_value(terms["centre"], 0.1, f"terms['centre'] for the offset fixture, {made}",
                 variants={no_lambda: 0.02})
    _check_value(terms["size"], 0.1, f"terms['size'] for the offset fixture, {made}", variants={
        no_lambda: 0.02,
        "the size term compares s_w with the square root of the target's w, not with w itself":
            0.676,
    })
    _check_value(terms["obj"], (0.2 - OFFSET_IOU) ** 2,
                 f"terms['obj'] for the offset fixture, {made}",
                 variants={"the object-confidence target is the IoU of the responsible box (the "
                           "iou argument), not 1": 0.64,
                           OBJ_WEIGHTED: 0.5 * (0.2 - OFFSET_IOU) ** 2})
    _check_value(terms["noobj"], 0.245, f"terms['noobj'] for the offset fixture, {made}", variants={
        "lambda_noobj = 0.5 is missing from the no-object term": 0.49,
    })
    _check_value(terms["class"], 0.05, f"terms['class'] for the offset fixture, {made}")
    _check_value(total, 0.495 + (0.2 - OFFSET_IOU) ** 2,
                 f"the total loss for the offset fixture, {made}")


def _check_loss_with_one_predictor(yolo_loss: Callable) -> None:
    """The hand fixture without its predictor 1 (B = 1, pred of shape (1, 2, 2, 7)): centre and
    size 0, obj (0.8 - 1)^2 = 0.04, noobj 0.5 * 3 * 0.1^2 = 0.015, class 0.13; total 0.185."""
    pred, target = hand_fixture()
    resp, iou = _hand_assignment()
    pred, resp, iou = pred[..., [0, 1, 2, 3, 4, 10, 11]], resp[..., :1], iou[..., :1]
    made = (f"yolo_loss(pred, target, resp, iou) with B = 1: {HAND}, without predictor 1 "
            "(pred = pred[..., [0, 1, 2, 3, 4, 10, 11]], resp = resp[..., :1], iou = iou[..., :1])")
    try:
        total, terms = _run_loss(yolo_loss, pred, target, resp, iou, made)
    except (RuntimeError, IndexError, ValueError) as exc:
        raise HintError(
            f"{made} raised {type(exc).__name__}: {str(exc).splitlines()[0][:160]}. B is "
            "resp.shape[-1], here 1: do not assume B = 2 (pred[..., :10], pred[..., 10:])"
        ) from None
    for name, want in zip(TERMS, (0.0, 0.0, 0.04, 0.015, 0.13), strict=True):
        _check_value(terms[name], want, f"terms[{name!r}] for B = 1, {made}")
    _check_value(total, 0.185, f"the total loss for B = 1, {made}")


@check
def check_yolo_loss(yolo_loss: Callable) -> None:
    """yolo_loss on random and empty images, the two fixtures, copies (the terms per image),
    B = 1, and the meta device."""
    _check_loss_on_random_and_empty(yolo_loss)
    _check_loss_on_hand_fixture(yolo_loss)
    _check_loss_on_offset_fixture(yolo_loss)
    # the same images three times: the loss is an average over images, so it does not change
    pred, target = hand_fixture()
    copies = [x.repeat(3, 1, 1, 1) for x in (pred, target, *_hand_assignment())]
    made = (f"yolo_loss(pred, target, resp, iou) with {HAND}, each repeated 3 times "
            "(x.repeat(3, 1, 1, 1))")
    total, terms = _run_loss(yolo_loss, *copies, made)
    assert_close(terms["noobj"], torch.full((3,), 0.11, dtype=F64),
                 f"terms['noobj'] of a batch of 3 copies of the hand fixture, {made}", variants={
        "each image's term is that image's loss, not divided by N: only the total is divided "
        "by N": torch.full((3,), 0.11 / 3, dtype=F64),
    })
    _check_value(total, 0.28, f"the loss of a batch of 3 copies of the hand fixture, {made}",
                 batch_size=3)
    _check_loss_with_one_predictor(yolo_loss)

    # the meta device: tensors with shapes and no values; forward and backward
    on_meta = torch.empty(2, 7, 7, 30, device="meta", requires_grad=True)

    def forward_backward() -> None:
        total, _ = yolo_loss(on_meta, torch.empty(2, 7, 7, 25, device="meta"),
                             torch.empty(2, 7, 7, 2, device="meta"),
                             torch.empty(2, 7, 7, 2, device="meta"))
        total.backward()

    _on_meta("yolo_loss(pred, target, resp, iou) and total.backward(), with pred, target, resp "
             "and iou of shapes (2, 7, 7, 30), (2, 7, 7, 25), (2, 7, 7, 2) and (2, 7, 7, 2),",
             forward_backward)
    assert on_meta.grad is not None and on_meta.grad.shape == on_meta.shape
    print("yolo_loss: visible tests passed")


# ---------------------------------------------------------------------------------------------
# Exercise 5: the gradient by hand


@check
def check_yolo_loss_grad(yolo_loss_grad: Callable) -> None:
    """yolo_loss_grad on the two fixtures (gradients worked out by hand), on copies, on an
    image without objects, and on the meta device (pred's dtype, device and shape)."""
    pred, target = hand_fixture()
    expected = _hand_gradient()
    noobj_on_resp = expected.clone()
    noobj_on_resp[0, 0, 1, 4] += 2 * 0.5 * 0.8
    classes_everywhere = expected.clone()
    classes_everywhere[..., 10:] = 2 * 0.3
    classes_everywhere[0, 0, 1, 10:] = expected[0, 0, 1, 10:]
    no_sqrt = expected.clone()
    no_sqrt[0, 0, 1, 2:4] = 2 * 5 * (0.5**0.5 - 0.5)
    made = f"yolo_loss_grad(pred, target, resp, iou) with {HAND}"
    with calling(made):
        dpred = yolo_loss_grad(pred, target, *_hand_assignment())
    if isinstance(dpred, torch.Tensor) and dpred.dtype != pred.dtype:
        raise HintError(
            f"yolo_loss_grad returned a {dpred.dtype} tensor for float64 inputs ({made}): the "
            "gradient has pred's dtype and device; a tensor you create needs dtype=pred.dtype "
            "and device=pred.device (torch.zeros(shape) on its own is float32 on the CPU)"
        )
    assert_close(dpred, expected, f"yolo_loss_grad for the hand fixture, {made}", variants={
        "this is darknet's delta, -1/2 of the gradient (darknet moves along its delta); "
        "the gradient of (u - t)^2 is 2 (u - t)": -expected / 2,
        "the responsible predictor also got the no-object gradient 2 lambda_noobj o: it gets "
        "only 2 (o - IoU)": noobj_on_resp,
        "the class scores of empty cells got a gradient: the class term covers object cells "
        "only": classes_everywhere,
        "the size gradient is 2 lambda_coord (s_w - sqrt(w)): compare with the square root of "
        "the target's w": no_sqrt,
    })
    # the second fixture: the box coordinates of the responsible predictor 1 move too
    pred, target = offset_fixture()
    resp, iou = _offset_assignment()
    expected = _offset_gradient()
    no_lambda = expected.clone()
    no_lambda[0, 1, 0, 5:9] /= 5
    no_sqrt = expected.clone()
    no_sqrt[0, 1, 0, 7:9] = torch.tensor([2 * 5 * (0.5 - 0.36), 2 * 5 * (0.5 - 0.16)], dtype=F64)
    made = f"yolo_loss_grad(pred, target, resp, iou) with {OFFSET}"
    with calling(made):
        dpred = yolo_loss_grad(pred, target, resp, iou)
    assert_close(dpred, expected, f"yolo_loss_grad for the offset fixture, {made}", variants={
        "the box gradients lack lambda_coord = 5": no_lambda,
        "the size gradient is 2 lambda_coord (s_w - sqrt(w)): compare with the square root of "
        "the target's w": no_sqrt,
    })
    # the same images three times: the gradient of each copy is a third of one image's
    copies = [x.repeat(3, 1, 1, 1) for x in (pred, target, resp, iou)]
    made = f"{made}, each repeated 3 times (x.repeat(3, 1, 1, 1))"
    with calling(made):
        dpred = yolo_loss_grad(*copies)
    assert_close(dpred, expected.repeat(3, 1, 1, 1) / 3,
                 f"yolo_loss_grad for 3 copies of the offset fixture, {made}", batch_size=3)
    _check_grad_without_objects(yolo_loss_grad)
    on_meta = [torch.empty(*shape, device="meta") for shape in
               ((2, 7, 7, 30), (2, 7, 7, 25), (2, 7, 7, 2), (2, 7, 7, 2))]
    made = ("yolo_loss_grad(pred, target, resp, iou), with float32 pred, target, resp and iou of "
            "shapes (2, 7, 7, 30), (2, 7, 7, 25), (2, 7, 7, 2) and (2, 7, 7, 2),")
    dpred = _on_meta(made, yolo_loss_grad, *on_meta)
    where = f"{made} on the 'meta' device"
    if not isinstance(dpred, torch.Tensor) or dpred.device.type != "meta":
        raise HintError(f"{where} returned {show(dpred)} on {getattr(dpred, 'device', None)}, not "
                        "a tensor on the meta device: create every tensor on pred.device")
    if dpred.dtype != torch.float32 or tuple(dpred.shape) != (2, 7, 7, 30):
        raise HintError(f"{where} returned a {dpred.dtype} tensor of shape "
                        f"{tuple(dpred.shape)}; it should have pred's dtype (float32) and shape "
                        "(2, 7, 7, 30)")
    print("yolo_loss_grad: visible tests passed")


def _check_grad_without_objects(yolo_loss_grad: Callable) -> None:
    """One image, one cell (S = 1, B = 2, C = 1), no object: only the no-object term (4) is
    left, 0.5 * (0.3^2 + (-0.2)^2), whose gradient is 2 * 0.5 * o = o for both confidences."""
    pred = torch.tensor([[[[0.1, 0.2, 0.3, 0.4, 0.3, 0.5, 0.6, 0.7, 0.8, -0.2, 0.9]]]], dtype=F64)
    target = torch.zeros(1, 1, 1, 6, dtype=F64)
    nothing = torch.zeros(1, 1, 1, 2, dtype=F64)
    made = (f"yolo_loss_grad(pred, target, resp, iou) with pred = {pred.tolist()}, no object "
            "(target = torch.zeros(1, 1, 1, 6)) and resp = iou = torch.zeros(1, 1, 1, 2) "
            "(float64 tensors)")
    with calling(made):
        dpred = yolo_loss_grad(pred, target, nothing, nothing)
    expected = torch.zeros(1, 1, 1, 11, dtype=F64)
    expected[..., 4], expected[..., 9] = 0.3, -0.2
    classes_too = expected.clone()
    classes_too[..., 10] = 2 * 0.9
    assert_close(dpred, expected, f"yolo_loss_grad for an image without objects, {made}", variants={
        "a batch without objects still has a loss, the no-object term (4), so its confidences "
        "get the gradient 2 lambda_noobj o / N; only the box and class entries are 0":
            torch.zeros(1, 1, 1, 11, dtype=F64),
        "the class scores of empty cells got a gradient: the class term covers object cells "
        "only": classes_too,
    })


# ---------------------------------------------------------------------------------------------
# Exercise 6: the same code on any device


def _run_on(loss_and_grad_on: Callable, pred: Any, target: Any, device: Any,
            inputs: str) -> tuple:
    """loss_and_grad_on, with a hint when the device breaks it; inputs: how the hints name
    pred and target, e.g. 'hand_fixture()'."""
    made = f"loss_and_grad_on(pred, target, {str(device)!r}) with pred, target = {inputs}"
    result, error = _device_error(made, loss_and_grad_on, pred, target, device)
    if error is None:
        result = unpack(result, 2, f"loss_and_grad_on should return (total, dpred) (in {made})")
        for name, value in zip(("total", "dpred"), result, strict=True):
            if not isinstance(value, torch.Tensor):
                raise HintError(
                    f"{name} is a {type(value).__name__}, not a tensor: .item() (or float()) "
                    "copies the number to the host and makes it wait for the device; return "
                    f"the tensor itself (in {made})"
                )
            if torch.device(value.device).type != torch.device(device).type:
                raise HintError(
                    f"{name} is on {value.device} but should stay on {device}: do not copy "
                    f"results back to the host (.cpu(), .item(), .tolist()) (in {made})"
                )
        return result
    raise HintError(
        f"loss_and_grad_on(..., device={str(device)!r}) with pred, target = {inputs} failed "
        f"with {type(error).__name__}: "
        f"{str(error).splitlines()[0][:160]}. Move both pred and target to the device, make "
        "pred a leaf that requires grad there (pred.detach().to(device).requires_grad_(True)), "
        "and do not copy results back to the host (.cpu(), .item())"
    )


def _run_exercises_3_and_4(assign_responsible: Callable, yolo_loss: Callable, pred: Any,
                           target: Any, where: str) -> tuple:
    """assign_responsible, yolo_loss and its gradient by autograd, called here directly (not
    through loss_and_grad_on): an error here belongs to exercise 3 or 4, not to the device."""
    leaf = pred.detach().clone().requires_grad_(True)
    exercise, call = 3, "assign_responsible(pred, target)"
    try:
        resp, iou = assign_responsible(leaf, target)
        exercise, call = 4, "yolo_loss(pred, target, resp, iou)"
        total, _ = yolo_loss(leaf, target, resp, iou)
        call = "torch.autograd.grad(total, pred) after yolo_loss"
        (grad,) = torch.autograd.grad(total, leaf)
    except NotImplementedError as exc:
        if not str(exc):
            raise
        error: Exception = exc
    except Exception as exc:  # noqa: BLE001 - any error in exercises 3 and 4
        error = exc
    else:
        return total, grad
    raise HintError(
        f"fix exercise {exercise} first: {where}, called directly (not through "
        f"loss_and_grad_on), {call} raised {type(error).__name__}: "
        f"{(str(error).splitlines() or [''])[0][:160]} (the test of exercise {exercise} above "
        "says more)"
    )


@check
def check_loss_and_grad_on(loss_and_grad_on: Callable, assign_responsible: Callable,
                           yolo_loss: Callable) -> None:
    """Exercises 3 and 4 on their own first (CPU and meta), then loss_and_grad_on on the CPU,
    on the meta device and on the GPU when there is one."""
    expected = _hand_gradient()
    # first exercises 3 and 4 on their own, on the CPU and on the meta device
    pred, target = hand_fixture()
    total, dpred = _run_exercises_3_and_4(assign_responsible, yolo_loss, pred, target,
                                          "on the CPU with pred, target = hand_fixture()")
    try:
        assert_close(total, 0.28, "the total for the hand fixture")
        assert_close(dpred, expected, "its gradient")
    except HintError as err:
        raise HintError(
            "fix exercises 3 and 4 first: on the CPU, called directly (not through "
            "loss_and_grad_on), yolo_loss(pred, target, *assign_responsible(pred, target)) with "
            f"pred, target = hand_fixture() is wrong: {str(err).rstrip('.')} (their tests above "
            "say more)"
        ) from None
    _run_exercises_3_and_4(assign_responsible, yolo_loss,
                           *(x.to("meta") for x in random_batch(2, seed=9)),
                           "on the meta device with pred, target = random_batch(2, seed=9) moved "
                           "there")
    # then loss_and_grad_on
    before = pred.clone()
    total, dpred = _run_on(loss_and_grad_on, pred, target, "cpu", "hand_fixture()")
    assert not pred.requires_grad and torch.equal(pred, before), (
        "loss_and_grad_on changed the caller's pred (its values or requires_grad): work on a "
        "new leaf, pred.detach().to(device).requires_grad_(True) (in loss_and_grad_on(pred, "
        "target, 'cpu') with pred, target = hand_fixture())"
    )
    made = "loss_and_grad_on(pred, target, 'cpu') with pred, target = hand_fixture()"
    assert_close(total, 0.28, f"total for the hand fixture on the CPU, {made}")
    assert_close(dpred, expected, f"dpred for the hand fixture on the CPU, {made}")
    # on the meta device, from inputs on the CPU: shapes only, so any synchronisation fails
    total, dpred = _run_on(loss_and_grad_on, *random_batch(2, seed=9), "meta",
                           "random_batch(2, seed=9)")
    assert total.shape == () and dpred.shape == (2, 7, 7, 30), (
        f"on the meta device total has shape {tuple(total.shape)} and dpred "
        f"{tuple(dpred.shape)}; they should be () and (2, 7, 7, 30) (in loss_and_grad_on(pred, "
        "target, 'meta') with pred, target = random_batch(2, seed=9))"
    )
    device = pick_device()  # the GPU when there is one
    if device.type != "cpu":
        total, dpred = _run_on(loss_and_grad_on, pred, target, device, "hand_fixture()")
        made = f"loss_and_grad_on(pred, target, {str(device)!r}) with pred, target = hand_fixture()"
        assert_close(total, 0.28, f"total for the hand fixture on {device}, {made}")
        assert_close(dpred, expected, f"dpred for the hand fixture on {device}, {made}")
    extra = "" if device.type == "cpu" else f" and {device}"
    print(f"loss_and_grad_on: visible tests passed on cpu, meta{extra}")
