"""What crosses between the grader and a sandbox (grading/sandboxed/wire.py): data, never code.

Round trips keep every value and type exactly (float64 to the bit, -0.0, nan, 0-d and empty
arrays, meta tensors, bfloat16); anything that is not data becomes a handle; and a message that
is not data is refused with WireError, whatever it holds. Nothing in the codec can unpickle,
eval or import.
"""

from __future__ import annotations

import ast
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "grading" / "sandboxed"))
import wire  # noqa: E402


def handles(obj):
    return {"$": "h", "id": id(obj)}


def round_trip(value):
    seen = {}

    def keep(obj):
        seen[id(obj)] = obj
        return {"$": "h", "id": id(obj)}

    line = wire.dumps({"v": wire.encode(value, keep)})
    return wire.decode(wire.loads(line)["v"], lambda h: seen[h["id"]])


def same(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return (type(b) is torch.Tensor and a.dtype == b.dtype and a.shape == b.shape
                and a.device == b.device and a.requires_grad == b.requires_grad
                and (a.device.type == "meta" or torch.equal(a.detach(), b.detach())))
    if isinstance(a, np.ndarray):
        return (type(b) is np.ndarray and a.dtype == b.dtype and a.shape == b.shape
                and a.tobytes() == b.tobytes())
    if type(a) in (list, tuple):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    if type(a) is dict:
        return type(b) is dict and list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return type(a) is type(b) and (a == b and repr(a) == repr(b) or a is b)


VALUES = [
    None, True, False, 0, -7, 2**80, 0.1, -0.0, 1e-310, float("inf"), float("-inf"),
    float("nan"), 1 + 2j, "", "héllo\n", [1, [2, (3,)]], (), {"a": 1, 2: [None]},
    {(1, 2): "tuple key"}, slice(1, None, -2), Ellipsis,
    np.arange(6.0).reshape(2, 3), np.float64(0.1), np.int32(-3), np.bool_(True),
    np.zeros((0, 4)), np.array(3.5), np.array([1 + 1j], np.complex64), np.arange(4) > 1,
    np.arange(12.0).reshape(3, 4).T,  # not contiguous
    torch.arange(6, dtype=torch.float64).reshape(2, 3), torch.tensor(2.5),
    torch.tensor([1.5, -2.0], dtype=torch.bfloat16), torch.tensor([True, False]),
    torch.ones(2, requires_grad=True), torch.empty(3, 4, device="meta"),
    torch.arange(12.0).reshape(3, 4).T, torch.float32, torch.device("cpu"),
]


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_data_round_trips_exactly(value):
    assert same(value, round_trip(value))


def test_anything_else_crosses_as_a_handle():
    class Mine:
        pass

    class Sub(float):
        pass

    for obj in (Mine(), Mine, print, lambda: 1, np.array([object()]), Sub(1.0),
                torch.nn.Linear(2, 2), iter([])):
        assert round_trip(obj) is obj
        assert wire.encode(obj, handles) == {"$": "h", "id": id(obj)}


def bad(message) -> None:
    with pytest.raises(wire.WireError):
        wire.decode(message, lambda h: pytest.fail("a bad message resolved a handle"))


@pytest.mark.parametrize("message", [
    [1, 2],
    {"no": "tag"},
    {"$": "pickle", "v": "gASV"},
    {"$": "nd", "dtype": "object", "shape": [1], "b": ""},
    {"$": "nd", "dtype": "float64", "shape": [3], "b": "AAAAAAAAAAA="},  # 8 bytes for 24
    {"$": "nd", "dtype": "float64", "shape": [-1], "b": ""},
    {"$": "nd", "dtype": "float64", "shape": [2**50], "b": ""},
    {"$": "nd", "dtype": "float64", "shape": "3", "b": ""},
    {"$": "nd", "dtype": "float64", "shape": [1], "b": "not base64!"},
    {"$": "t", "dtype": "qint8", "shape": [1], "b": "AA=="},
    {"$": "float", "v": "1e5"},
    {"$": "int", "v": "__import__('os')"},
    {"$": "dict", "k": [{"$": "list", "v": []}], "v": [1]},  # an unhashable key
    {"$": "dict", "k": [1, 2], "v": [1]},
], ids=lambda m: json.dumps(m)[:40])
def test_what_is_not_data_is_refused(message):
    bad(message)


def test_deep_nesting_and_huge_messages_are_refused():
    deep = 1
    for _ in range(wire.MAX_DEPTH + 2):
        deep = {"$": "list", "v": [deep]}
    bad(deep)
    with pytest.raises(wire.WireError):
        wire.loads(b"[" * 100_000)
    with pytest.raises(wire.WireError):
        wire.loads(b'{"a": NaN}')
    with pytest.raises(wire.WireError):
        wire.loads(b"x" * (wire.MAX_MESSAGE + 1))


def test_the_codec_cannot_run_code():
    """It imports nothing that loads code, calls nothing that runs it, and looks up attributes
    only of torch, by a whitelisted dtype name."""
    tree = ast.parse((ROOT / "grading" / "sandboxed" / "wire.py").read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported <= {"__future__", "base64", "collections", "json", "math", "typing", "numpy",
                        "torch"}
    calls = [node.func.id for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)]
    assert not {"eval", "exec", "compile", "__import__", "setattr"} & set(calls)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "getattr":
            assert ast.unparse(node.args[0]) == "torch", ast.unparse(node)
