"""Lesson 07 (YOLO loss): the hand example's numbers, gradient checks, timings and the detector,
all computed by its code."""

from __future__ import annotations

import re

import nbformat
import pytest
from lessons import first_missing, numbers_in_prose, printed
from notebooks import ROOT, execute

YOLO_LOSS = ROOT / "course" / "07_yolo_loss.ipynb"

# The spec's hand-checkable example (S = 2, B = 2, C = 2, N = 1), in the order the lesson prints
# its five terms and the total.
HAND_EXAMPLE = [
    ("centre", 0.0),
    ("size", 0.0),
    ("obj", 0.04),
    ("noobj", 0.11),
    ("class", 0.13),
    ("total", 0.28),
]
# YOLOv3's centre term: the weights 2 - w h of a 0.1 x 0.1 and a 0.8 x 0.9 object, and the
# gradients 2 (2 - w h) (sigmoid(0) - 0.3) sigmoid(0) (1 - sigmoid(0)) of their t_x
YOLOV3_CENTRE = [
    ("box_weight_small", 1.99),
    ("box_weight_large", 1.28),
    ("dL/dt_x_small", 0.199),
    ("dL/dt_x_large", 0.128),
]
RESULTS_NOT_INPUTS = ["0.28", "0.04", "0.11", "0.13", ".28", ".04", ".11", ".13",
                      "1.99", "1.28", "0.199", "0.128", ".199", ".128"]
# printed relative errors that must be round-off
ROUND_OFF = [
    "hand_vs_autograd",
    "hand_vs_autograd_moved",
    "vectorized_vs_loop_value",
    "vectorized_vs_loop_grad",
    "mask_vs_float_masks_noobj",  # the boolean-mask no-object term: right values, synchronises
    "sigmoid_offset_grad_vs_hand",  # YOLOv3's centre offset: the gradient through the sigmoid
    "bce_obj_grad_vs_sigma_minus_t",
    "bce_class_grad_vs_sigma_minus_t",
]


def values(text: str) -> dict[str, float]:
    return dict(printed(text))


def markdown_cells() -> list[str]:
    return [c.source for c in nbformat.read(YOLO_LOSS, as_version=4).cells
            if c.cell_type == "markdown"]


def test_hand_example_results_are_not_typed_into_the_prose():
    assert not numbers_in_prose(YOLO_LOSS, RESULTS_NOT_INPUTS)


def test_the_confidence_is_o_hat_and_c_stays_the_class_count():
    """C is the number of classes (as in chapter 06); the confidence is o-hat, and one sentence
    says that the paper and the spec write it C-hat."""
    prose = "\n".join(markdown_cells())
    assert prose.count(r"\hat C") == 1, "write the confidence as \\hat o"
    assert r"\hat o" in prose and "objectness" in prose


def test_compiler_internals_wait_in_the_optional_section_at_the_end():
    cells = nbformat.read(YOLO_LOSS, as_version=4).cells
    starts = [i for i, c in enumerate(cells) if c.cell_type == "markdown"
              and c.source.startswith("## Optional: inside `torch.compile`")]
    assert len(starts) == 1, "no optional section on torch.compile"
    main = "\n".join(c.source for c in cells[: starts[0]])
    for internal in ("TorchDynamo", "AOTAutograd", "TorchInductor", "inductor", "vec_isa_ok"):
        assert internal not in main, f"{internal} is on the main path"
    headings = [c.source.split("\n")[0] for c in cells[starts[0] + 1 :]
                if c.cell_type == "markdown" and c.source.startswith("## ")]
    assert headings == ["## Glossary: the words of this lesson"], headings


def test_the_detector_explains_its_convolutions_pooling_and_adam():
    prose = "\n".join(markdown_cells())
    for piece in ("`nn.Conv2d`", "`nn.MaxPool2d(2)`", "`torch.optim.Adam`"):
        assert piece in prose, piece
    assert "affine layer applied at every position" in prose
    assert "running averages" in prose


def test_references_to_earlier_chapters_name_their_sections():
    prose = "\n".join(markdown_cells())
    for reference in ("chapter 04's\nsection 6", "chapter 05's\n`affine_backward` (section 3)",
                      "`network_loss` (section 3)",
                      'chapter 03\'s (section 8, "Squared error or cross-entropy?")'):
        assert reference in prose, reference
    assert "chapters 03 to 06" not in prose and "built the same way" not in prose


def test_yolov3_says_what_it_leaves_out():
    prose = "\n".join(markdown_cells())
    section = prose.split("## 8. An extension: YOLOv3")[1].split("## 9.")[0]
    for left_out in ("anchor boxes", "log-space sizes", "three scales", "best IoU"):
        assert left_out in section, left_out
    assert "2 - wh" in section and r"\sigma(t_x)" in section


GLOSSARY = {
    "intersection over union": "交并比", "anchor box": "锚框",
    "non-maximum suppression": "非极大值抑制", "grid cell": "网格单元",
    "bounding box": "边界框", "confidence / objectness": "置信度",
    "responsible predictor": "负责的预测器", "mask": "掩码",
    "host-device synchronisation": "主机-设备同步", "binary cross-entropy": "二元交叉熵",
}


def test_the_lesson_ends_with_its_glossary():
    last = markdown_cells()[-1]
    assert last.startswith("## Glossary: the words of this lesson\n")
    assert "| English | 中文 | where in this lesson |" in last
    rows = [line.split("|")[1:-1] for line in last.splitlines() if line.startswith("| ")][1:]
    found = {english.strip(): chinese.strip() for english, chinese, _ in rows}
    for english, chinese in GLOSSARY.items():
        entry = next((v for k, v in found.items() if k.startswith(english)), None)
        assert entry is not None and chinese in entry, f"glossary: {english} -> {chinese}"


@pytest.mark.slow
def test_lesson_prints_the_hand_example():
    run = execute(YOLO_LOSS)
    assert run.error is None, run.error
    missing = first_missing(printed(run.text()), HAND_EXAMPLE, tol=1e-9)
    assert missing is None, f"07_yolo_loss.ipynb does not print {missing[0]} = {missing[1]}"
    assert "total 0.28" in run.text()  # the vectorized loss gives the same total


@pytest.mark.slow
def test_lesson_checks_gradients_against_autograd_and_the_loop():
    text = execute(YOLO_LOSS).text()
    found = values(text)
    for name in ROUND_OFF:
        assert name in found, f"the lesson does not print {name} = ..."
        assert found[name] <= 1e-12, f"{name} = {found[name]}"
    rows = re.findall(r"by hand ([-+.\d]+), autograd ([-+.\d]+)", text)
    assert len(rows) >= 15 and all(a == b for a, b in rows), rows  # 10 + 5 moved entries
    assert "gradcheck, assignment held fixed: passed" in text
    assert "gradcheck, assignment recomputed inside: FAILED" in text


@pytest.mark.slow
def test_lesson_runs_the_loss_on_meta_and_names_the_synchronising_versions():
    text = execute(YOLO_LOSS).text()
    assert "vectorized loss on meta: total meta" in text
    assert re.search(r"loop version on meta: \w+Error", text)
    # the whole first sentence of each message, wrapped at 90 columns, never cut mid-word
    for name in ("loop version", "boolean-mask indexing"):
        message = re.search(rf"^{name} on meta: \w+Error: .*(?:\n    .*)*", text, re.M)
        assert message, f"no message for the {name} on meta"
        lines = message[0].splitlines()
        assert all(len(line) <= 90 for line in lines), lines
        assert lines[-1].rstrip()[-1] in ".!?", f"the message is cut: {message[0]!r}"


@pytest.mark.slow
def test_lesson_timing_table_names_the_device_and_has_both_grid_sizes():
    text = execute(YOLO_LOSS).text()
    text, compiled = text.split("\ncompiled, forward + backward, N = 64 images")
    table = text.split("forward + backward, N = 64 images")[1]
    assert re.search(r"^on CPU: .+\(\d+ threads?\)$", table, re.M), table
    for size in (7, 13):
        row = re.search(rf"^\s*{size}\s+([\d.]+) ms\s+([\d.]+) ms\s+(\d+)x$", table, re.M)
        assert row, f"no timing row for S = {size}:\n{table}"
        loop_ms, eager_ms = float(row[1]), float(row[2])
        assert loop_ms > eager_ms > 0  # ratios vary with the machine; the README has the targets
        # the optional section's table: the same eager time, then compiled or why not
        row = re.search(rf"^\s*{size}\s+([\d.]+) ms\s+(?:[\d.]+ ms\s+[\d.]+x|n/a\s+-)$",
                        compiled, re.M)
        assert row and float(row[1]) == eager_ms, f"no compiled row for S = {size}:\n{compiled}"
    assert any(note in compiled for note in ("compiled in", "not available", "COMPILE = False",
                                             "no C++ compiler"))


@pytest.mark.slow
def test_lesson_computes_yolov3_sigmoid_offsets_and_box_weights():
    text = execute(YOLO_LOSS).text()
    missing = first_missing(printed(text), YOLOV3_CENTRE, tol=1e-9)
    assert missing is None, f"07_yolo_loss.ipynb does not print {missing[0]} = {missing[1]}"
    offsets = re.findall(r"^t_x -?\d+: offset in the cell ([\d.]+)$", text, re.M)
    offsets = [float(v) for v in offsets]
    assert len(offsets) == 3 and all(0 < v < 1 for v in offsets), offsets


@pytest.mark.slow
def test_lesson_detector_reports_a_held_out_metric():
    found = values(execute(YOLO_LOSS).text())
    assert found["mean_iou_matched"] >= 0.6, found
    assert found["recall"] >= 0.6 and found["precision"] >= 0.4, found
