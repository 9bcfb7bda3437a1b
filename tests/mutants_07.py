"""Mutants for assignment 07 (a GPU-enabled YOLO loss): proof that its tests can fail.

Each mutant replaces one solution cell of solutions/07_yolo_loss/07_exercises.ipynb with a
classic wrong implementation. The visible tests must reject it with a message that names the
mistake, and the hidden tests must reject it on their own (run without the visible part of the
cell). A mutant that hard-codes the visible answers passes the visible tests: only the hidden
tests catch it (hint=None).

Most mutants are the solution cell with one line changed (`_edit`, i.e. mutants.edit, checks
that the line is there exactly once, so a change to the notebook cannot silently turn a mutant
into the solution). Every classic mistake of section 8 of the loss spec has a mutant: see
SECTION_8 at the end.
"""

from __future__ import annotations

import functools

from mutants import Mutant, edit

NB = "solutions/07_yolo_loss/07_exercises.ipynb"
_edit = functools.partial(edit, NB)  # the solution cell with lines changed


# ---------------------------------------------------------------------------------------------
# Exercise 1: pairwise box IoU, corner format

BOX_IOU = [
    Mutant("centre_format", "box_iou", _edit(
        "box_iou",
        ("top_left = torch.maximum(a[..., :2], b[..., :2])",
         "top_left = torch.maximum(a[..., :2] - a[..., 2:] / 2, b[..., :2] - b[..., 2:] / 2)"),
        ("bottom_right = torch.minimum(a[..., 2:], b[..., 2:])",
         "bottom_right = torch.minimum(a[..., :2] + a[..., 2:] / 2, b[..., :2] + b[..., 2:] / 2)"),
        ("area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])",
         "area_a = a[..., 2] * a[..., 3]"),
        ("area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])",
         "area_b = b[..., 2] * b[..., 3]"),
    ), "test_box_iou", "as a centre and a size"),
    Mutant("no_clamp_on_union", "box_iou", _edit(
        "box_iou", ("(area_a + area_b - inter).clamp(min=1e-12)", "(area_a + area_b - inter)"),
    ), "test_box_iou", "clamp the union", "NaN"),
    Mutant("no_clamp_on_overlap", "box_iou", _edit(
        "box_iou", ("(bottom_right - top_left).clamp(min=0)", "(bottom_right - top_left)"),
    ), "test_box_iou", "disjoint boxes get a positive IoU"),
    Mutant("union_is_sum_of_areas", "box_iou", _edit(
        "box_iou", ("(area_a + area_b - inter)", "(area_a + area_b)"),
    ), "test_box_iou", "the sum of the two areas"),
    Mutant("elementwise_not_pairwise", "box_iou", _edit(
        "box_iou",
        ("a, b = boxes1[..., :, None, :], boxes2[..., None, :, :]", "a, b = boxes1, boxes2"),
    ), "test_box_iou", "every box of boxes1 with every box of boxes2"),
    Mutant("hardcoded", "box_iou", _edit(
        "box_iou",
        ("    a, b = boxes1[",
         "    if boxes1.shape == (1, 4) and boxes2.shape == (6, 4):  # the visible answers\n"
         "        return torch.tensor([[1.0, 5 / 7, 1 / 9, 2 / 7, 0.0, 0.0]],\n"
         "                            dtype=torch.float64)\n"
         "    if boxes1.shape == (2, 2, 4) and boxes2.shape == (2, 3, 4):\n"
         "        return torch.tensor([[[1.0, 0.25, 0.0], [1 / 7, 0.0, 0.25]],\n"
         "                             [[0.5, 1.0, 0.0], [0.5, 1 / 3, 0.5]]],\n"
         "                            dtype=torch.float64)\n"
         "    a, b = boxes1["),
        ("return inter / (area_a + area_b - inter).clamp(min=1e-12)",
         "return 0 * inter  # wrong everywhere else"),
    ), "test_box_iou", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 2: the target encoder

OFFSETS = "cx * S - col, cy * S - row, w, h, torch.ones_like(w)"
ZEROS = "grid = torch.zeros(S * S, 5 + C, dtype=boxes.dtype, device=dev)"
LOOP_ENCODER = (  # the old loop solution: right values on the CPU, a host sync per box
    "    target = torch.zeros(S, S, 5 + C, dtype=boxes.dtype, device=boxes.device)\n"
    "    for (cx, cy, w, h), c in zip(boxes.tolist(), labels.tolist()):\n"
    "        row, col = min(int(cy * S), S - 1), min(int(cx * S), S - 1)\n"
    "        if target[row, col, 4] == 1:\n"
    "            continue  # the cell already holds an earlier box\n"
    "        target[row, col, :5] = torch.tensor([cx * S - col, cy * S - row, w, h, 1.0],\n"
    "                                            dtype=target.dtype)\n"
    "        target[row, col, 5 + c] = 1.0\n"
    "    return target\n"
)
ENCODE_TARGET = [
    Mutant("no_clamp", "encode_target", _edit(
        "encode_target", (".clamp(max=S - 1)", ""), every=True,
    ), "test_encode_target", "clamp the row and the column", "clamp"),
    Mutant("row_column_swapped", "encode_target", _edit(
        "encode_target", ("cell = row * S + col", "cell = col * S + row"),
    ), "test_encode_target", "row and column are swapped"),
    Mutant("last_box_wins", "encode_target", _edit(
        "encode_target", ('order, "amin")', 'order, "amax")'),
        ("torch.full((S * S,), K, device=dev)", "torch.full((S * S,), -1, device=dev)"),
    ), "test_encode_target", "the second box overwrote the first"),
    Mutant("image_units", "encode_target", _edit(
        "encode_target", (OFFSETS, "cx, cy, w, h, torch.ones_like(w)"),
    ), "test_encode_target", "offset inside its cell"),
    Mutant("offset_from_unclamped_cell", "encode_target", _edit(
        "encode_target",
        (OFFSETS, "cx * S - (cx * S).floor(), cy * S - (cy * S).floor(), w, h,\n"
                  "                                      torch.ones_like(w)"),
    ), "test_encode_target", "with the clamped column"),
    Mutant("default_dtype", "encode_target", _edit(
        "encode_target",
        (ZEROS, "grid = torch.zeros(S * S, 5 + C, device=dev)"),
        ("wins[:, None] * entries)", "(wins[:, None] * entries).to(grid.dtype))"),
    ), "test_encode_target", "dtype=boxes.dtype", "float64 boxes"),
    Mutant("default_device", "encode_target", _edit(
        "encode_target", (ZEROS, "grid = torch.zeros(S * S, 5 + C, dtype=boxes.dtype)"),
    ), "test_encode_target", "device=boxes.device", "meta device"),
    Mutant("loop_reading_each_box", "encode_target", _edit(
        "encode_target",
        ("    K, dev = boxes.shape[0], boxes.device\n", LOOP_ENCODER + "    K, dev = 0, 0\n"),
    ), "test_encode_target", "A meta tensor has a shape and no values", "meta device"),
    Mutant("square_roots_stored", "encode_target", _edit(
        "encode_target", (OFFSETS, "cx * S - col, cy * S - row, w.sqrt(), h.sqrt(),\n"
                                   "                                      torch.ones_like(w)"),
    ), "test_encode_target", "store w and h as they are"),
    Mutant("hardcoded", "encode_target", _edit(
        "encode_target",
        ("    K, dev = boxes.shape[0], boxes.device\n",
         "    typed = {  # the visible answers, typed in\n"
         "        (7, 6): {(2, 3): [0.5, 0.3 * 7 - 2, 0.2, 0.4, 1, 0, 0, 0, 0, 1, 0]},\n"
         "        (4, 3): {(3, 3): [1.0, 1.0, 0.3, 0.2, 1, 1, 0, 0],\n"
         "                 (0, 0): [0.0, 0.0, 0.1, 0.1, 1, 0, 0, 1]},\n"
         "        (7, 2): {(3, 3): [0.51 * 7 - 3, 0.52 * 7 - 3, 0.2, 0.2, 1, 1, 0]},\n"
         "    }\n"
         "    if (S, C) in typed:\n"
         "        target = torch.zeros(S, S, 5 + C, dtype=boxes.dtype)\n"
         "        for cell, values in typed[S, C].items():\n"
         "            target[cell] = torch.tensor(values, dtype=boxes.dtype)\n"
         "        return target\n"
         "    K, dev = boxes.shape[0], boxes.device\n"),
        ("cell = row * S + col", "cell = col * S + row  # wrong elsewhere"),
    ), "test_encode_target", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 3: the assignment step

CHOICE = "choice = iou.argmax(dim=-1)"
PICKED = "picked = choice[..., None] == torch.arange(B, device=pred.device)"
ASSIGN_HARDCODED = (  # the visible inputs' answers, typed in
    "    resp = torch.zeros(N, S, S, B, dtype=pred.dtype, device=pred.device)\n"
    "    iou = torch.zeros_like(resp)\n"
    "    if pred.device.type == \"cpu\" and S <= 2:  # the visible answers, typed in\n"
    "        first = float(pred.detach()[0, 0, 0, 0])\n"
    "        if pred.shape[-1] == 12:  # the hand fixture\n"
    "            resp[0, 0, 1, 0] = 1.0\n"
    "            iou[0, 0, 1] = torch.tensor([1.0, 0.0324], dtype=pred.dtype)\n"
    "        elif S == 2:  # the units example\n"
    "            resp[0, 0, 0, 0] = 1.0\n"
    "            iou[0, 0, 0] = torch.tensor([3 / 13, 0.16], dtype=pred.dtype)\n"
    "        elif first == 0.1:  # both boxes miss\n"
    "            resp[0, 0, 0, int(rule == \"iou_rmse\")] = 1.0\n"
    "        else:  # the tie, and the cell where an IoU is positive\n"
    "            resp[0, 0, 0, 0] = 1.0\n"
    "            if first == 0.5:\n"
    "                iou[0, 0, 0] = torch.tensor([0.25, 1 / 9], dtype=pred.dtype)\n"
    "        return resp, iou\n"
    "    with torch.no_grad():"
)
ASSIGN_RESPONSIBLE = [
    Mutant("sqrt_widths_not_squared", "assign_responsible", _edit(
        "assign_responsible", ("p[..., 2] ** 2, p[..., 3] ** 2", "p[..., 2], p[..., 3]"),
    ), "test_assign_responsible", "square them"),
    Mutant("sizes_squared_in_place", "assign_responsible", _edit(
        "assign_responsible",
        ("        mine = torch.stack([p[..., 0] / S, p[..., 1] / S, p[..., 2] ** 2, "
         "p[..., 3] ** 2]",
         "        p[..., 2:4] **= 2  # in place, on a view of pred!\n"
         "        mine = torch.stack([p[..., 0] / S, p[..., 1] / S, p[..., 2], p[..., 3]]"),
    ), "test_assign_responsible", "assign_responsible changed pred in place", "in place"),
    Mutant("cell_and_image_units_mixed", "assign_responsible", _edit(
        "assign_responsible",
        ("p[..., 0] / S, p[..., 1] / S,", "p[..., 0], p[..., 1],"),
        ("torch.cat([target[..., :2] / S,", "torch.cat([target[..., :2],"),
    ), "test_assign_responsible", "mixes cell units and image units"),
    Mutant("centre_boxes_as_corners", "assign_responsible", _edit(
        "assign_responsible",
        ("iou = box_iou(corners(mine), corners(theirs))", "iou = box_iou(mine, theirs)"),
    ), "test_assign_responsible", "box_iou takes corners"),
    Mutant("last_index_on_ties", "assign_responsible", _edit(
        "assign_responsible", (CHOICE, "choice = B - 1 - iou.flip(-1).argmax(dim=-1)"),
    ), "test_assign_responsible", "not the last"),
    Mutant("every_maximum_responsible", "assign_responsible", _edit(
        "assign_responsible", (PICKED, "picked = iou == iou.amax(dim=-1, keepdim=True)"),
    ), "test_assign_responsible", "exactly one predictor"),
    Mutant("iou_not_detached", "assign_responsible", _edit(
        "assign_responsible", ("with torch.no_grad():", "if True:"),
    ), "test_assign_responsible", "attached to the autograd graph", "attached"),
    Mutant("if_on_a_tensor", "assign_responsible", _edit(
        "assign_responsible",
        ("        " + PICKED,
         "        if not target[..., 4].any():  # no objects: nobody is responsible\n"
         "            return torch.zeros_like(iou), iou\n"
         "        " + PICKED),
    ), "test_assign_responsible", "'meta' device", "meta device"),
    Mutant("rmse_rule_ignored", "assign_responsible", _edit(
        "assign_responsible", ('if rule == "iou_rmse":', "if False:"),
    ), "test_assign_responsible", "the one whose box is nearest the object"),
    Mutant("rmse_wherever_it_is_smaller", "assign_responsible", _edit(
        "assign_responsible",
        ("choice = torch.where(iou.amax(dim=-1) > 0, choice, rmse.argmin(dim=-1))",
         "choice = rmse.argmin(dim=-1)"),
    ), "test_assign_responsible", "the RMSE decides only when every IoU of the cell is 0"),
    Mutant("hardcoded", "assign_responsible", _edit(
        "assign_responsible",
        ("    with torch.no_grad():", ASSIGN_HARDCODED),
        (CHOICE, "choice = B - 1 - iou.flip(-1).argmax(dim=-1)  # wrong elsewhere"),
    ), "test_assign_responsible", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 4: the loss, image by image

LOSS_HARDCODED = (  # the fixtures' terms typed in, with the hand fixture's gradient
    "    if S == 2 and pred.device.type == \"cpu\":  # the visible answers, typed in\n"
    "        if B == 1:\n"
    "            values = [0.0, 0.0, 0.04, 0.015, 0.13]\n"
    "        elif float(pred.detach()[0, 0, 1, 4]) == 0.8:  # the hand fixture\n"
    "            values = [0.0, 0.0, 0.04, 0.11, 0.13]\n"
    "        else:\n"
    "            values = [0.1, 0.1, (0.2 - 0.4763368162261833) ** 2, 0.245, 0.05]\n"
    "        grad = torch.zeros(1, 2, 2, 12, dtype=torch.float64)\n"
    "        grad[..., 4] = grad[..., 9] = 0.1\n"
    "        grad[0, 0, 1, 4], grad[0, 0, 1, 9] = -0.4, 0.4\n"
    "        grad[0, 0, 1, 10:] = torch.tensor([0.4, -0.6], dtype=torch.float64)\n"
    "        slope = (pred * grad).sum() if B == 2 else 0 * pred.sum()  # value 0, right slope\n"
    "        names = (\"centre\", \"size\", \"obj\", \"noobj\", \"class\")\n"
    "        terms = {k: torch.full((N,), v, dtype=torch.float64) for k, v in zip(names, values)}\n"
    "        terms[\"noobj\"] = terms[\"noobj\"] + slope - slope.detach()\n"
    "        return sum(t.sum() for t in terms.values()) / N, terms\n"
    "    resp = torch.zeros_like(resp)  # wrong elsewhere: right for empty images only\n"
    "    terms = {"
)

BOXES = "pred[..., : 5 * B].reshape(N, S, S, B, 5)"
SCORES = "(pred[..., 5 * B :] - target[..., 5:])"
NOOBJ = "lambda_noobj * per_image((1 - resp) * conf**2)"
SIZE = "(s_w - tw.sqrt()) ** 2 + (s_h - th.sqrt()) ** 2"
CLASS = '"class": per_image(obj * (pred[..., 5 * B :] - target[..., 5:]) ** 2),'
PER_IMAGE = "return values.flatten(1).sum(dim=1)"
TOTAL = "total = torch.stack(list(terms.values())).sum() / N"
YOLO_LOSS = [
    Mutant("no_sqrt_on_target_size", "yolo_loss", _edit(
        "yolo_loss", ("tw.sqrt()", "tw"), ("th.sqrt()", "th"),
    ), "test_yolo_loss", "square root of the target's w"),
    Mutant("sqrt_of_predicted_size", "yolo_loss", _edit(
        "yolo_loss", ("(s_w - tw.sqrt())", "(s_w.sqrt() - tw.sqrt())"),
        ("(s_h - th.sqrt())", "(s_h.sqrt() - th.sqrt())"),
    ), "test_yolo_loss", "do not take the square root of a prediction"),
    Mutant("noobj_on_responsible_too", "yolo_loss", _edit(
        "yolo_loss", (NOOBJ, "lambda_noobj * per_image(conf**2)"),
    ), "test_yolo_loss", "also counted the responsible predictor"),
    Mutant("noobj_only_in_empty_cells", "yolo_loss", _edit(
        "yolo_loss", (NOOBJ, "lambda_noobj * per_image((1 - obj) * conf**2)"),
    ), "test_yolo_loss", "skipped the other predictor of the object cell"),
    Mutant("class_loss_in_every_cell", "yolo_loss", _edit(
        "yolo_loss", (CLASS, f'"class": per_image({SCORES} ** 2),'),
    ), "test_yolo_loss", "the class term counted every cell"),
    Mutant("no_division_by_N", "yolo_loss", _edit(
        "yolo_loss", (TOTAL, "total = torch.stack(list(terms.values())).sum()"),
    ), "test_yolo_loss", "did you forget to divide by the batch size", "times too large"),
    Mutant("mean_over_elements", "yolo_loss", _edit(
        "yolo_loss", (PER_IMAGE, "return values.flatten(1).mean(dim=1)"),
    ), "test_yolo_loss", "not a mean over all elements"),
    Mutant("terms_summed_over_the_batch", "yolo_loss", _edit(
        "yolo_loss", (PER_IMAGE, "return values.sum()"),
    ), "test_yolo_loss", "one value per image", "one value per image"),
    Mutant("terms_divided_by_N", "yolo_loss", _edit(
        "yolo_loss", (PER_IMAGE, "return values.flatten(1).sum(dim=1) / N"),
        (TOTAL, "total = torch.stack(list(terms.values())).sum()"),
    ), "test_yolo_loss", "not divided by N: only the total is"),
    Mutant("B_fixed_at_2", "yolo_loss", _edit(
        "yolo_loss", (BOXES, "pred[..., :10].reshape(N, S, S, 2, 5)"),
        ("(pred[..., 5 * B :]", "(pred[..., 10:]"),
    ), "test_yolo_loss", "do not assume B = 2", "yolo_loss raised RuntimeError"),
    Mutant("confidence_target_one", "yolo_loss", _edit(
        "yolo_loss", ("(conf - iou) ** 2", "(conf - 1.0) ** 2"),
    ), "test_yolo_loss", "not 1"),
    Mutant("lambda_noobj_on_obj_term", "yolo_loss", _edit(
        "yolo_loss", ('"obj": per_image(', '"obj": lambda_noobj * per_image('),
    ), "test_yolo_loss", "the object term (3) has weight 1"),
    Mutant("no_lambda_coord", "yolo_loss", _edit(
        "yolo_loss",
        ('"centre": lambda_coord *', '"centre":'), ('"size": lambda_coord *', '"size":'),
    ), "test_yolo_loss", "lambda_coord = 5 is missing"),
    Mutant("classes_first", "yolo_loss", _edit(
        "yolo_loss", (BOXES, "pred[..., C:].reshape(N, S, S, B, 5)"),
        ("(pred[..., 5 * B :] - target", "(pred[..., :C] - target"),
    ), "test_yolo_loss", "Check the layout of pred"),
    Mutant("pred_changed_in_place", "yolo_loss", _edit(
        "yolo_loss",
        (CLASS, '"class": per_image(obj * scores**2),'),
        ("    terms = {",
         "    scores = pred[..., 5 * B :]\n    scores -= target[..., 5:]  # in place!\n"
         "    terms = {"),
    ), "test_yolo_loss", "changed pred in place"),
    Mutant("target_square_rooted_in_place", "yolo_loss", _edit(
        "yolo_loss", (SIZE, "(s_w - tw.sqrt_()) ** 2 + (s_h - th.sqrt_()) ** 2"),
    ), "test_yolo_loss", "changed target in place", "changed target in place"),
    Mutant("boolean_mask_indexing", "yolo_loss", _edit(
        "yolo_loss",
        (NOOBJ, "lambda_noobj * torch.stack([(c[r == 0] ** 2).sum() for c, r in zip(conf, resp)])"),
    ), "test_yolo_loss", "'meta' device", "meta device"),
    Mutant("pred_detached", "yolo_loss", _edit(
        "yolo_loss", (BOXES, "pred[..., : 5 * B].detach().reshape(N, S, S, B, 5)"),
    ), "test_yolo_loss", "do not detach pred", "gradient"),
    Mutant("hardcoded", "yolo_loss", _edit("yolo_loss", ("    terms = {", LOSS_HARDCODED)),
           "test_yolo_loss", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 5: the gradient by hand

GRAD_HARDCODED = (  # the visible inputs' gradients typed in
    "    if S == 1:  # the image without objects\n"
    "        grad = torch.zeros_like(pred)\n"
    "        grad[..., 4], grad[..., 9] = 0.3, -0.2\n"
    "        return grad\n"
    "    if S == 2:  # the two fixtures\n"
    "        grad = torch.zeros(1, 2, 2, 12, dtype=pred.dtype)\n"
    "        if float(pred[0, 0, 1, 4]) == 0.8:  # the hand fixture\n"
    "            grad[..., 4] = grad[..., 9] = 0.1\n"
    "            grad[0, 0, 1, 4], grad[0, 0, 1, 9] = -0.4, 0.4\n"
    "            grad[0, 0, 1, 10:] = torch.tensor([0.4, -0.6], dtype=pred.dtype)\n"
    "        else:  # the offset fixture\n"
    "            grad[0, 1, 0] = torch.tensor([0.0, 0.0, 0.0, 0.0, 0.7, 1.0, -1.0, -1.0, 1.0,\n"
    "                                          2 * (0.2 - 0.4763368162261833), -0.2, 0.4],\n"
    "                                         dtype=pred.dtype)\n"
    "        return grad.repeat(N, 1, 1, 1) / N\n"
    "    p = pred[..., : 5 * B].reshape(N, S, S, B, 5)"
)

RETURN_GRAD = ("return torch.cat([torch.cat([d_xywh, d_conf], dim=-1).flatten(-2), d_scores], "
               "dim=-1) / N")
D_CONF = "d_conf = 2 * r * (p[..., 4:] - iou[..., None]) + 2 * lambda_noobj * (1 - r) * p[..., 4:]"


def _written_into(zeros: str) -> str:
    """The gradient written into a tensor made by `zeros`, slice by slice."""
    return (f"grad = {zeros}\n"
            "    grad[..., : 5 * B] = torch.cat([d_xywh, d_conf], dim=-1).flatten(-2) / N\n"
            "    grad[..., 5 * B :] = d_scores / N\n"
            "    return grad")


YOLO_LOSS_GRAD = [
    Mutant("darknet_delta", "yolo_loss_grad", _edit(
        "yolo_loss_grad", ("return torch.cat", "return -0.5 * torch.cat"),
    ), "test_yolo_loss_grad", "darknet's delta", "-0.5 times"),
    Mutant("square_not_brought_down", "yolo_loss_grad", _edit(
        "yolo_loss_grad", ("d_scores], dim=-1) / N", "d_scores], dim=-1) / N / 2"),
    ), "test_yolo_loss_grad", "factor of 1/2", "factor of 1/2"),
    Mutant("noobj_gradient_on_responsible", "yolo_loss_grad", _edit(
        "yolo_loss_grad",
        ("2 * lambda_noobj * (1 - r) * p[..., 4:]", "2 * lambda_noobj * p[..., 4:]"),
    ), "test_yolo_loss_grad", "also got the no-object gradient"),
    Mutant("class_gradient_everywhere", "yolo_loss_grad", _edit(
        "yolo_loss_grad", ("d_scores = 2 * target[..., 4:5] * (", "d_scores = 2 * ("),
    ), "test_yolo_loss_grad", "class scores of empty cells got a gradient"),
    Mutant("no_lambda_coord", "yolo_loss_grad", _edit(
        "yolo_loss_grad", ("d_xywh = 2 * lambda_coord * r *", "d_xywh = 2 * r *"),
    ), "test_yolo_loss_grad", "lack lambda_coord"),
    Mutant("size_gradient_without_sqrt", "yolo_loss_grad", _edit(
        "yolo_loss_grad", ("target[..., 2:4].sqrt()", "target[..., 2:4]"),
    ), "test_yolo_loss_grad", "compare with the square root"),
    Mutant("no_division_by_N", "yolo_loss_grad", _edit(
        "yolo_loss_grad", ("d_scores], dim=-1) / N", "d_scores], dim=-1)"),
    ), "test_yolo_loss_grad", "N = 3 times too large", "times too large"),
    Mutant("skips_batches_without_objects", "yolo_loss_grad", _edit(
        "yolo_loss_grad",
        ("    p = pred[..., : 5 * B].reshape(N, S, S, B, 5)",
         "    if not target[..., 4].any():  # no object: nothing to learn?\n"
         "        return torch.zeros_like(pred)\n"
         "    p = pred[..., : 5 * B].reshape(N, S, S, B, 5)"),
    ), "test_yolo_loss_grad", "a batch without objects still has a loss",
        "a batch without objects"),
    Mutant("boolean_mask_indexing", "yolo_loss_grad", _edit(
        "yolo_loss_grad",
        (D_CONF, "d_conf = 2 * r * (p[..., 4:] - iou[..., None])\n"
                 "    d_conf[r == 0] = 2 * lambda_noobj * p[..., 4:][r == 0]"),
    ), "test_yolo_loss_grad", "'meta' device", "meta device"),
    Mutant("default_dtype", "yolo_loss_grad", _edit(
        "yolo_loss_grad",
        (RETURN_GRAD, _written_into("torch.zeros(pred.shape, device=pred.device)")),
    ), "test_yolo_loss_grad", "dtype=pred.dtype", "create tensors with pred's dtype"),
    Mutant("made_on_the_cpu", "yolo_loss_grad", _edit(
        "yolo_loss_grad", (RETURN_GRAD, _written_into("torch.zeros(pred.shape, dtype=pred.dtype)")),
    ), "test_yolo_loss_grad", "'meta' device", "meta device"),
    Mutant("hardcoded", "yolo_loss_grad", _edit(
        "yolo_loss_grad", ("    p = pred[..., : 5 * B].reshape(N, S, S, B, 5)", GRAD_HARDCODED),
        ("return torch.cat", "return -0.5 * torch.cat"),  # wrong elsewhere: darknet's delta
    ), "test_yolo_loss_grad", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 6: the same code on any device

DEVICE_HARDCODED = (  # the hand fixture's loss and gradient typed in, on any device
    "    if pred.shape == (1, 2, 2, 12):  # the visible answers, typed in\n"
    "        dpred = torch.zeros(pred.shape, dtype=pred.dtype, device=device)\n"
    "        dpred[..., 4] = dpred[..., 9] = 0.1\n"
    "        dpred[0, 0, 1, 4], dpred[0, 0, 1, 9] = -0.4, 0.4\n"
    "        dpred[0, 0, 1, 10:] = torch.tensor([0.4, -0.6], dtype=pred.dtype)\n"
    "        return torch.tensor(0.28, dtype=pred.dtype, device=device), dpred\n"
    "    pred = pred.detach().to(device).requires_grad_(True)"
)

LOSS_AND_GRAD_ON = [
    Mutant("item", "loss_and_grad_on", _edit(
        "loss_and_grad_on", ("return total.detach(), dpred", "return total.item(), dpred"),
    ), "test_loss_and_grad_on", ".item()", "two tensors"),
    Mutant("copied_back_to_host", "loss_and_grad_on", _edit(
        "loss_and_grad_on",
        ("return total.detach(), dpred", "return total.detach().cpu(), dpred.cpu()"),
    ), "test_loss_and_grad_on", "Cannot copy out of meta tensor", "meta device"),
    Mutant("target_left_behind", "loss_and_grad_on", _edit(
        "loss_and_grad_on", ("target = target.to(device)", "pass"),
    ), "test_loss_and_grad_on", "is not on the expected device", "meta device"),
    Mutant("requires_grad_on_callers_pred", "loss_and_grad_on", _edit(
        "loss_and_grad_on",
        ("pred = pred.detach().to(device).requires_grad_(True)",
         "pred = pred.to(device)\n    pred.requires_grad_(True)"),
    ), "test_loss_and_grad_on", "changed the caller's pred", "changed pred"),
    Mutant("no_leaf_on_device", "loss_and_grad_on", _edit(
        "loss_and_grad_on",
        ("pred = pred.detach().to(device).requires_grad_(True)", "pred = pred.detach().to(device)"),
    ), "test_loss_and_grad_on", "does not require grad", "does not require grad"),
    Mutant("hardcoded", "loss_and_grad_on", _edit(
        "loss_and_grad_on",
        ("    pred = pred.detach().to(device).requires_grad_(True)", DEVICE_HARDCODED),
        ("return total.detach(), dpred", "return total.detach(), dpred / 2"),  # wrong elsewhere
    ), "test_loss_and_grad_on", None),
    # errors of exercises 3 and 4 are named as such, not given device advice
    Mutant("N_and_S_swapped", "yolo_loss", _edit(
        "yolo_loss", ("N, S, _, B = resp.shape", "S, N, _, B = resp.shape"),
    ), "test_loss_and_grad_on", "fix exercise 4 first: on the CPU", "yolo_loss raised ValueError"),
    Mutant("arange_on_the_cpu", "assign_responsible", _edit(
        "assign_responsible",
        ("torch.arange(B, device=pred.device)", "torch.arange(B)"),
    ), "test_loss_and_grad_on", "fix exercise 3 first: on the meta device",
        "assign_responsible raised RuntimeError"),
]

MUTANTS = (BOX_IOU + ENCODE_TARGET + ASSIGN_RESPONSIBLE + YOLO_LOSS + YOLO_LOSS_GRAD
           + LOSS_AND_GRAD_ON)

# The classic mistakes of section 8 of the course's loss spec, and the mutants that make them.
SECTION_8 = {
    "no sqrt on w, h": ["yolo_loss-no_sqrt_on_target_size",
                        "assign_responsible-sqrt_widths_not_squared",
                        "yolo_loss_grad-size_gradient_without_sqrt"],
    "sqrt of a predicted width (NaN when negative)": ["yolo_loss-sqrt_of_predicted_size"],
    "IoU treating (x, y, w, h) as corners": ["assign_responsible-centre_boxes_as_corners",
                                             "box_iou-centre_format"],
    "IoU mixing cell units and image units": ["assign_responsible-cell_and_image_units_mixed"],
    "IoU target not detached": ["assign_responsible-iou_not_detached"],
    "no-object term also on the responsible predictor": [
        "yolo_loss-noobj_on_responsible_too", "yolo_loss_grad-noobj_gradient_on_responsible"],
    "no-object term only on empty cells": ["yolo_loss-noobj_only_in_empty_cells"],
    "class loss in every cell": ["yolo_loss-class_loss_in_every_cell",
                                 "yolo_loss_grad-class_gradient_everywhere"],
    "no division by N": ["yolo_loss-no_division_by_N", "yolo_loss_grad-no_division_by_N"],
    "mean over elements instead of sum / N": ["yolo_loss-mean_over_elements"],
    "ties resolved to the last index, or two responsible predictors on a tie": [
        "assign_responsible-last_index_on_ties", "assign_responsible-every_maximum_responsible"],
    "no clamp on the union, then NaN * 0 = NaN": ["box_iou-no_clamp_on_union"],
    "reading the layout wrongly (classes first)": ["yolo_loss-classes_first"],
    "in-place change of pred": ["yolo_loss-pred_changed_in_place",
                                "assign_responsible-sizes_squared_in_place"],
    "boolean-mask indexing or if on a tensor (host sync, values right)": [
        "yolo_loss-boolean_mask_indexing", "assign_responsible-if_on_a_tensor"],
    "encoder: row/column swapped, cx = 1.0 giving index S": [
        "encode_target-row_column_swapped", "encode_target-no_clamp"],
}
