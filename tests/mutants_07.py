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
# Exercise 1: box IoU

BOX_IOU = [
    Mutant("corners", "box_iou", _edit(
        "box_iou",
        ("boxes1[..., :2] - boxes1[..., 2:] / 2, boxes2[..., :2] - boxes2[..., 2:] / 2",
         "boxes1[..., :2], boxes2[..., :2]"),
        ("boxes1[..., :2] + boxes1[..., 2:] / 2, boxes2[..., :2] + boxes2[..., 2:] / 2",
         "boxes1[..., 2:], boxes2[..., 2:]"),
        ("union = boxes1[..., 2] * boxes1[..., 3] + boxes2[..., 2] * boxes2[..., 3] - inter",
         "union = ((boxes1[..., 2] - boxes1[..., 0]) * (boxes1[..., 3] - boxes1[..., 1])\n"
         "             + (boxes2[..., 2] - boxes2[..., 0]) * (boxes2[..., 3] - boxes2[..., 1])"
         " - inter)"),
    ), "test_box_iou", "as corners"),
    Mutant("no_clamp_on_union", "box_iou", _edit(
        "box_iou", ("return inter / union.clamp(min=1e-12)", "return inter / union"),
    ), "test_box_iou", "clamp the union", "NaN"),
    Mutant("no_clamp_on_overlap", "box_iou", _edit(
        "box_iou", ("overlap = (hi - lo).clamp(min=0)", "overlap = hi - lo"),
    ), "test_box_iou", "disjoint boxes get a positive IoU"),
    Mutant("union_is_sum_of_areas", "box_iou", _edit(
        "box_iou", ("boxes2[..., 2] * boxes2[..., 3] - inter", "boxes2[..., 2] * boxes2[..., 3]"),
    ), "test_box_iou", "the sum of the two areas"),
    Mutant("hardcoded", "box_iou", _edit(
        "box_iou",
        ("    lo = torch.maximum(",
         "    if boxes1.shape == (4,) and boxes2.shape == (6, 4):  # the visible answers\n"
         "        return torch.tensor([1.0, 5 / 7, 1 / 9, 2 / 7, 0.0, 0.0], dtype=torch.float64)\n"
         "    if boxes1.shape == (3, 1, 4) and boxes2.shape == (1, 2, 4):\n"
         "        return torch.tensor([[1 / 3, 0.0], [0.0265486725664, 0.25], [0.0, 0.0]],\n"
         "                            dtype=torch.float64)\n"
         "    lo = torch.maximum("),
        ("return inter / union.clamp(min=1e-12)", "return 0 * inter  # wrong everywhere else"),
    ), "test_box_iou", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 2: the target encoder

ROW_COL = "row, col = min(int(cy * S), S - 1), min(int(cx * S), S - 1)"
ENCODE_TARGET = [
    Mutant("no_clamp", "encode_target", _edit(
        "encode_target", (ROW_COL, "row, col = int(cy * S), int(cx * S)"),
    ), "test_encode_target", "clamp the row and the column", "clamp"),
    Mutant("row_column_swapped", "encode_target", _edit(
        "encode_target",
        (ROW_COL, "row, col = min(int(cx * S), S - 1), min(int(cy * S), S - 1)"),
        ("[cx * S - col, cy * S - row,", "[cx * S - row, cy * S - col,"),
    ), "test_encode_target", "row and column are swapped"),
    Mutant("last_box_wins", "encode_target", _edit(
        "encode_target", ("if target[row, col, 4] == 1:\n            continue", "pass"),
        ("target[row, col, 5 + c] = 1.0",
         "target[row, col, 5:] = 0.0\n        target[row, col, 5 + c] = 1.0"),
    ), "test_encode_target", "the second box overwrote the first"),
    Mutant("image_units", "encode_target", _edit(
        "encode_target", ("[cx * S - col, cy * S - row,", "[cx, cy,"),
    ), "test_encode_target", "offset inside its cell"),
    Mutant("offset_from_unclamped_cell", "encode_target", _edit(
        "encode_target",
        (ROW_COL, "row, col = min(int(cy * S), S - 1), min(int(cx * S), S - 1)\n"
                  "        x, y = cx * S - int(cx * S), cy * S - int(cy * S)"),
        ("[cx * S - col, cy * S - row,", "[x, y,"),
    ), "test_encode_target", "with the clamped column"),
    Mutant("default_dtype", "encode_target", _edit(
        "encode_target",
        ("torch.zeros(S, S, 5 + C, dtype=boxes.dtype, device=boxes.device)",
         "torch.zeros(S, S, 5 + C)"),
    ), "test_encode_target", "dtype=boxes.dtype", "float64 boxes"),
    Mutant("square_roots_stored", "encode_target", _edit(
        "encode_target", ("cy * S - row, w, h, 1.0]", "cy * S - row, w**0.5, h**0.5, 1.0]"),
    ), "test_encode_target", "store w and h as they are"),
    Mutant("hardcoded", "encode_target", _edit(
        "encode_target",
        ("    for (cx, cy, w, h), c in zip(",
         "    typed = {  # the visible answers, typed in\n"
         "        (7, 6): {(2, 3): [0.5, 0.3 * 7 - 2, 0.2, 0.4, 1, 0, 0, 0, 0, 1, 0]},\n"
         "        (4, 3): {(3, 3): [1.0, 1.0, 0.3, 0.2, 1, 1, 0, 0],\n"
         "                 (0, 0): [0.0, 0.0, 0.1, 0.1, 1, 0, 0, 1]},\n"
         "        (7, 2): {(3, 3): [0.51 * 7 - 3, 0.52 * 7 - 3, 0.2, 0.2, 1, 1, 0]},\n"
         "    }\n"
         "    if (S, C) in typed:\n"
         "        for cell, row in typed[S, C].items():\n"
         "            target[cell] = torch.tensor(row, dtype=target.dtype)\n"
         "        return target\n"
         "    for (cx, cy, w, h), c in zip("),
        (ROW_COL, "row, col = min(int(cx * S), S - 1), min(int(cy * S), S - 1)  # wrong elsewhere"),
    ), "test_encode_target", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 3: the assignment step

ASSIGN_RESPONSIBLE = [
    Mutant("sqrt_widths_not_squared", "assign_responsible", _edit(
        "assign_responsible", ("boxes[..., 2:4] ** 2", "boxes[..., 2:4]"),
    ), "test_assign_responsible", "square them"),
    Mutant("sizes_squared_in_place", "assign_responsible", _edit(
        "assign_responsible",
        ("pred_boxes = torch.cat([boxes[..., :2] / S, boxes[..., 2:4] ** 2], dim=-1)",
         "boxes[..., 2:4] **= 2  # in place, on a view of pred!\n"
         "        pred_boxes = torch.cat([boxes[..., :2] / S, boxes[..., 2:4]], dim=-1)"),
    ), "test_assign_responsible", "assign_responsible changed pred in place", "in place"),
    Mutant("cell_and_image_units_mixed", "assign_responsible", _edit(
        "assign_responsible",
        ("torch.cat([boxes[..., :2] / S,", "torch.cat([boxes[..., :2],"),
        ("torch.cat([target[..., :2] / S,", "torch.cat([target[..., :2],"),
    ), "test_assign_responsible", "mixes cell units and image units"),
    Mutant("last_index_on_ties", "assign_responsible", _edit(
        "assign_responsible",
        ("best = iou.argmax(dim=-1, keepdim=True)",
         "best = B - 1 - iou.flip(-1).argmax(dim=-1, keepdim=True)"),
    ), "test_assign_responsible", "not the last"),
    Mutant("every_maximum_responsible", "assign_responsible", _edit(
        "assign_responsible",
        ("resp = (best == predictors).to(pred.dtype)",
         "resp = (iou == iou.max(dim=-1, keepdim=True).values).to(pred.dtype)"),
    ), "test_assign_responsible", "exactly one predictor"),
    Mutant("iou_not_detached", "assign_responsible", _edit(
        "assign_responsible", ("with torch.no_grad():", "if True:"),
    ), "test_assign_responsible", "attached to the autograd graph", "attached"),
    Mutant("if_on_a_tensor", "assign_responsible", _edit(
        "assign_responsible",
        ("        resp = (best == predictors)",
         "        if not target[..., 4].any():  # no objects: nobody is responsible\n"
         "            return torch.zeros_like(iou), iou\n"
         "        resp = (best == predictors)"),
    ), "test_assign_responsible", "'meta' device", "meta device"),
    Mutant("hardcoded", "assign_responsible", _edit(
        "assign_responsible",
        ("    with torch.no_grad():",
         "    resp = torch.zeros(N, S, S, B, dtype=pred.dtype, device=pred.device)\n"
         "    iou = torch.zeros_like(resp)\n"
         "    if pred.shape[-1] == 12:  # the hand fixture: the visible answers, typed in\n"
         "        resp[0, 0, 1, 0] = 1.0\n"
         "        iou[0, 0, 1] = torch.tensor([1.0, 0.0324], dtype=pred.dtype)\n"
         "        return resp, iou\n"
         "    if S == 1:  # the tie\n"
         "        resp[0, 0, 0, 0] = 1.0\n"
         "        return resp, iou\n"
         "    if pred.shape[-1] == 11:  # the units example\n"
         "        resp[0, 0, 0, 0] = 1.0\n"
         "        iou[0, 0, 0] = torch.tensor([3 / 13, 0.16], dtype=pred.dtype)\n"
         "        return resp, iou\n"
         "    with torch.no_grad():"),
        ("best = iou.argmax(dim=-1, keepdim=True)",  # wrong elsewhere: the last index on ties
         "best = B - 1 - iou.flip(-1).argmax(dim=-1, keepdim=True)"),
    ), "test_assign_responsible", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 4: the loss

LOSS_HARDCODED = (  # the two fixtures' terms typed in, with the hand fixture's gradient
    "    if S == 2 and pred.device.type == \"cpu\":  # the visible answers, typed in\n"
    "        hand = float(pred.detach()[0, 0, 1, 4]) == 0.8\n"
    "        values = [0.0, 0.0, 0.04, 0.11, 0.13] if hand else [\n"
    "            0.1, 0.1, (0.2 - 0.4763368162261833) ** 2, 0.245, 0.05]\n"
    "        grad = torch.zeros(1, 2, 2, 12, dtype=torch.float64)\n"
    "        grad[..., 4] = grad[..., 9] = 0.1\n"
    "        grad[0, 0, 1, 4], grad[0, 0, 1, 9] = -0.4, 0.4\n"
    "        grad[0, 0, 1, 10:] = torch.tensor([0.4, -0.6], dtype=torch.float64)\n"
    "        slope = (pred * grad).sum()  # the right gradient at the hand fixture, value 0\n"
    "        names = (\"centre\", \"size\", \"obj\", \"noobj\", \"class\")\n"
    "        terms = {k: torch.tensor(v, dtype=torch.float64) for k, v in zip(names, values)}\n"
    "        terms[\"noobj\"] = terms[\"noobj\"] + slope - slope.detach()\n"
    "        return sum(terms.values()), terms\n"
    "    resp = torch.zeros_like(resp)  # wrong elsewhere: right for empty images only\n"
    "    terms = {"
)

NOOBJ = "lambda_noobj * ((1 - resp) * boxes[..., 4] ** 2).sum() / N"
SIZE = ("size = (boxes[..., 2] - truth[..., 2].sqrt()) ** 2"
        " + (boxes[..., 3] - truth[..., 3].sqrt()) ** 2")
CLASS = '"class": (obj[..., None] * (pred[..., 5 * B :] - target[..., 5:]) ** 2).sum() / N'
YOLO_LOSS = [
    Mutant("no_sqrt_on_target_size", "yolo_loss", _edit(
        "yolo_loss",
        ("truth[..., 2].sqrt()", "truth[..., 2]"), ("truth[..., 3].sqrt()", "truth[..., 3]"),
    ), "test_yolo_loss", "square root of the target's w"),
    Mutant("sqrt_of_predicted_size", "yolo_loss", _edit(
        "yolo_loss",
        ("(boxes[..., 2] - truth[..., 2].sqrt())", "(boxes[..., 2].sqrt() - truth[..., 2].sqrt())"),
        ("(boxes[..., 3] - truth[..., 3].sqrt())", "(boxes[..., 3].sqrt() - truth[..., 3].sqrt())"),
    ), "test_yolo_loss", "do not take the square root of a prediction"),
    Mutant("noobj_on_responsible_too", "yolo_loss", _edit(
        "yolo_loss", (NOOBJ, "lambda_noobj * (boxes[..., 4] ** 2).sum() / N"),
    ), "test_yolo_loss", "also counted the responsible predictor"),
    Mutant("noobj_only_in_empty_cells", "yolo_loss", _edit(
        "yolo_loss",
        (NOOBJ, "lambda_noobj * ((1 - obj[..., None]) * boxes[..., 4] ** 2).sum() / N"),
    ), "test_yolo_loss", "skipped the other predictor of the object cell"),
    Mutant("class_loss_in_every_cell", "yolo_loss", _edit(
        "yolo_loss", (CLASS, '"class": ((pred[..., 5 * B :] - target[..., 5:]) ** 2).sum() / N'),
    ), "test_yolo_loss", "the class term counted every cell"),
    Mutant("no_division_by_N", "yolo_loss",
           _edit("yolo_loss", (".sum() / N", ".sum()"), every=True),
           "test_yolo_loss", "did you forget to divide by the batch size", "times too large"),
    Mutant("mean_over_elements", "yolo_loss",
           _edit("yolo_loss", (".sum() / N", ".mean()"), every=True),
           "test_yolo_loss", "not a mean over all elements"),
    Mutant("confidence_target_one", "yolo_loss", _edit(
        "yolo_loss", ("(boxes[..., 4] - iou) ** 2", "(boxes[..., 4] - 1.0) ** 2"),
    ), "test_yolo_loss", "not 1"),
    Mutant("lambda_noobj_on_obj_term", "yolo_loss", _edit(
        "yolo_loss", ('"obj": (resp *', '"obj": lambda_noobj * (resp *'),
    ), "test_yolo_loss", "the object term (3) has weight 1"),
    Mutant("no_lambda_coord", "yolo_loss", _edit(
        "yolo_loss",
        ('"centre": lambda_coord *', '"centre":'), ('"size": lambda_coord *', '"size":'),
    ), "test_yolo_loss", "lambda_coord = 5 is missing"),
    Mutant("classes_first", "yolo_loss", _edit(
        "yolo_loss",
        ("boxes = pred[..., : 5 * B].unflatten(-1, (B, 5))",
         "boxes = pred[..., C:].unflatten(-1, (B, 5))"),
        ("(pred[..., 5 * B :] - target[..., 5:])", "(pred[..., :C] - target[..., 5:])"),
    ), "test_yolo_loss", "Check the layout of pred"),
    Mutant("pred_changed_in_place", "yolo_loss", _edit(
        "yolo_loss",
        (CLASS, '"class": (obj[..., None] * scores ** 2).sum() / N'),
        ("terms = {",
         "scores = pred[..., 5 * B :]\n    scores -= target[..., 5:]  # in place!\n    terms = {"),
    ), "test_yolo_loss", "changed pred in place"),
    Mutant("target_square_rooted_in_place", "yolo_loss", _edit(
        "yolo_loss",
        (SIZE, "truth[..., 2:4].sqrt_()  # in place, on a view of target!\n"
               "    size = (boxes[..., 2] - truth[..., 2]) ** 2"
               " + (boxes[..., 3] - truth[..., 3]) ** 2"),
    ), "test_yolo_loss", "changed target in place", "changed target in place"),
    Mutant("boolean_mask_indexing", "yolo_loss", _edit(
        "yolo_loss", (NOOBJ, "lambda_noobj * (boxes[..., 4][resp == 0] ** 2).sum() / N"),
    ), "test_yolo_loss", "'meta' device", "meta device"),
    Mutant("pred_detached", "yolo_loss", _edit(
        "yolo_loss",
        ("boxes = pred[..., : 5 * B].unflatten", "boxes = pred[..., : 5 * B].detach().unflatten"),
    ), "test_yolo_loss", "do not detach pred", "gradient"),
    Mutant("hardcoded", "yolo_loss", _edit("yolo_loss", ("    terms = {", LOSS_HARDCODED)),
           "test_yolo_loss", None),
]

# ---------------------------------------------------------------------------------------------
# Exercise 5: the gradient by hand

GRAD_HARDCODED = (  # the two fixtures' gradients typed in
    "    if S == 2:  # the visible answers, typed in\n"
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
    "    boxes = pred[..., : 5 * B].unflatten"
)

CONF_GRAD = "2 * resp * (boxes[..., 4] - iou) + 2 * lambda_noobj * (1 - resp) * boxes[..., 4]"
YOLO_LOSS_GRAD = [
    Mutant("darknet_delta", "yolo_loss_grad", _edit(
        "yolo_loss_grad", ("return torch.cat", "return -0.5 * torch.cat"),
    ), "test_yolo_loss_grad", "darknet's delta", "-0.5 times"),
    Mutant("square_not_brought_down", "yolo_loss_grad", _edit(
        "yolo_loss_grad", ("], dim=-1) / N", "], dim=-1) / N / 2"),
    ), "test_yolo_loss_grad", "factor of 1/2", "factor of 1/2"),
    Mutant("noobj_gradient_on_responsible", "yolo_loss_grad", _edit(
        "yolo_loss_grad",
        (CONF_GRAD, "2 * resp * (boxes[..., 4] - iou) + 2 * lambda_noobj * boxes[..., 4]"),
    ), "test_yolo_loss_grad", "also got the no-object gradient"),
    Mutant("class_gradient_everywhere", "yolo_loss_grad", _edit(
        "yolo_loss_grad",
        ("dclasses = 2 * target[..., 4:5] * (", "dclasses = 2 * ("),
    ), "test_yolo_loss_grad", "class scores of empty cells got a gradient"),
    Mutant("no_lambda_coord", "yolo_loss_grad", _edit(
        "yolo_loss_grad", ("2 * lambda_coord * resp", "2 * resp"), every=True,
    ), "test_yolo_loss_grad", "lack lambda_coord"),
    Mutant("size_gradient_without_sqrt", "yolo_loss_grad", _edit(
        "yolo_loss_grad",
        ("truth[..., 2].sqrt()", "truth[..., 2]"), ("truth[..., 3].sqrt()", "truth[..., 3]"),
    ), "test_yolo_loss_grad", "compare with the square root"),
    Mutant("no_division_by_N", "yolo_loss_grad", _edit(
        "yolo_loss_grad", ("], dim=-1) / N", "], dim=-1)"),
    ), "test_yolo_loss_grad", "N = 3 times too large", "times too large"),
    Mutant("hardcoded", "yolo_loss_grad", _edit(
        "yolo_loss_grad", ("    boxes = pred[..., : 5 * B].unflatten", GRAD_HARDCODED),
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
    "IoU treating (x, y, w, h) as corners": ["box_iou-corners"],
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
