"""The data that crosses between the grader and a sandboxed submission: JSON, never pickle.

Both sides import this file (the sandbox reads it, and runner.py, from a read-only bind; it holds
nothing secret). A value is data when it is one of

    None, bool, int, float (nan and inf too), str, complex
    tuple, list, dict (of data), slice, Ellipsis
    numpy arrays and scalars of a numeric or bool dtype (no object arrays)
    torch tensors of such a dtype, on the cpu or the meta device, with requires_grad; dtypes
    and devices

and anything else crosses as a handle: {"$": "h", "id": N} names an object that stays on the
side that owns it. decode() only ever builds the types above (np.frombuffer on whitelisted
dtypes, torch.frombuffer on its copy): a message cannot make the receiver run code.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable
from typing import Any

MAX_MESSAGE = 64 << 20  # bytes of one JSON line, either way
MAX_DEPTH = 32  # nesting of containers
DTYPES = (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128",
)
TORCH_DTYPES = (
    "bool", "int8", "int16", "int32", "int64", "uint8", "float16", "bfloat16", "float32",
    "float64", "complex64", "complex128",
)


class WireError(ValueError):
    """A message that is not data as defined here."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise WireError("array data is not a string")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise WireError("array data is not base64") from None


def _modules():
    import numpy as np

    try:
        import torch
    except ImportError:  # pragma: no cover - torch is always installed here
        torch = None
    return np, torch


def encode(value: Any, handle: Callable[[Any], dict], depth: int = 0) -> Any:
    """value as JSON-ready data; `handle(obj)` gives the handle of anything that is not data."""
    if depth > MAX_DEPTH:
        raise WireError(f"nested deeper than {MAX_DEPTH}")
    if value is None or isinstance(value, (bool, str)):
        return value
    if type(value) is int:
        return value if abs(value) < 2**53 else {"$": "int", "v": str(value)}
    if type(value) is float:
        return value if math.isfinite(value) else {"$": "float", "v": repr(value)}
    if type(value) is complex:
        return {"$": "complex", "v": [encode(value.real, handle), encode(value.imag, handle)]}
    if type(value) in (list, tuple):
        return {"$": type(value).__name__, "v": [encode(v, handle, depth + 1) for v in value]}
    if type(value) is dict:
        return {"$": "dict", "k": [encode(k, handle, depth + 1) for k in value],
                "v": [encode(v, handle, depth + 1) for v in value.values()]}
    if type(value) is slice:
        return {"$": "slice", "v": [encode(v, handle, depth + 1)
                                    for v in (value.start, value.stop, value.step)]}
    if value is Ellipsis:
        return {"$": "..."}
    np, torch = _modules()
    if type(value) is np.ndarray and value.dtype.name in DTYPES:
        return {"$": "nd", "dtype": value.dtype.name, "shape": list(value.shape),
                "b": _b64(value.tobytes(order="C"))}
    if isinstance(value, np.generic) and type(value).__module__ == "numpy" \
            and np.dtype(type(value)).name in DTYPES:
        return {"$": "np", "dtype": np.dtype(type(value)).name, "b": _b64(value.tobytes())}
    if torch is not None:
        if isinstance(value, torch.dtype):
            return {"$": "tdtype", "v": str(value).removeprefix("torch.")}
        if isinstance(value, torch.device):
            return {"$": "tdevice", "v": str(value)}
        if type(value) in (torch.Tensor, torch.nn.Parameter) and \
                str(value.dtype).removeprefix("torch.") in TORCH_DTYPES and \
                value.layout == torch.strided:
            out = {"$": "t", "dtype": str(value.dtype).removeprefix("torch."),
                   "shape": list(value.shape), "device": str(value.device),
                   "rg": bool(value.requires_grad)}
            if value.device.type != "meta":
                data = value.detach().to("cpu").contiguous()
                if data.dtype == torch.bfloat16:
                    data = data.view(torch.int16)
                out["b"] = _b64(data.numpy().tobytes())
            return out
    return handle(value)


def decode(data: Any, resolve: Callable[[dict], Any], depth: int = 0) -> Any:
    """The value that encode() wrote; `resolve(h)` gives the object a handle stands for."""
    if depth > MAX_DEPTH:
        raise WireError(f"nested deeper than {MAX_DEPTH}")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        raise WireError("a bare JSON list")
    if not isinstance(data, dict) or not isinstance(data.get("$"), str):
        raise WireError("not a tagged value")
    tag = data["$"]
    if tag == "int":
        if not isinstance(data.get("v"), str) or not data["v"].lstrip("-").isdigit():
            raise WireError("bad int")
        return int(data["v"])
    if tag == "float":
        if data["v"] not in ("nan", "inf", "-inf"):
            raise WireError("bad float")
        return float(data["v"])
    if tag == "complex":
        real, imag = (decode(v, resolve, depth + 1) for v in data["v"])
        return complex(float(real), float(imag))
    if tag in ("list", "tuple"):
        items = [decode(v, resolve, depth + 1) for v in _list(data["v"])]
        return items if tag == "list" else tuple(items)
    if tag == "dict":
        keys, values = _list(data["k"]), _list(data["v"])
        if len(keys) != len(values):
            raise WireError("dict keys and values differ in length")
        out = {}
        for k, v in zip(keys, values, strict=True):
            key = decode(k, resolve, depth + 1)
            if not isinstance(key, (str, int, float, bool, tuple, type(None))):
                raise WireError("an unhashable dict key")
            out[key] = decode(v, resolve, depth + 1)
        return out
    if tag == "slice":
        start, stop, step = (decode(v, resolve, depth + 1) for v in _list(data["v"]))
        return slice(start, stop, step)
    if tag == "...":
        return Ellipsis
    if tag == "h":
        return resolve(data)
    np, torch = _modules()
    if tag in ("nd", "np"):
        if data.get("dtype") not in DTYPES:
            raise WireError(f"dtype {data.get('dtype')!r} is not allowed")
        dtype = np.dtype(data["dtype"])
        raw = _unb64(data["b"])
        if tag == "np":
            if len(raw) != dtype.itemsize:
                raise WireError("scalar of the wrong size")
            return np.frombuffer(raw, dtype)[0]
        shape = _shape(data["shape"])
        if len(raw) != dtype.itemsize * math.prod(shape):
            raise WireError("array data does not match its shape")
        return np.frombuffer(raw, dtype).reshape(shape).copy()
    if torch is None:
        raise WireError("torch values need torch")
    if tag == "tdtype":
        if data["v"] not in TORCH_DTYPES:
            raise WireError("dtype not allowed")
        return getattr(torch, data["v"])
    if tag == "tdevice":
        return torch.device(str(data["v"]))
    if tag == "t":
        if data.get("dtype") not in TORCH_DTYPES:
            raise WireError(f"dtype {data.get('dtype')!r} is not allowed")
        dtype = getattr(torch, data["dtype"])
        shape = _shape(data["shape"])
        device = torch.device(str(data.get("device", "cpu")))
        if device.type == "meta":
            tensor = torch.empty(shape, dtype=dtype, device="meta")
        else:
            raw = _unb64(data["b"])
            storage = torch.int16 if dtype == torch.bfloat16 else dtype
            itemsize = torch.empty((), dtype=storage).element_size()
            if len(raw) != itemsize * math.prod(shape):
                raise WireError("tensor data does not match its shape")
            flat = torch.frombuffer(bytearray(raw), dtype=storage) if raw else \
                torch.empty(0, dtype=storage)
            tensor = flat.view(dtype).reshape(shape).to(device)
        if data.get("rg"):
            tensor.requires_grad_(True)
        return tensor
    raise WireError(f"unknown tag {tag!r}")


def _list(value: Any) -> list:
    if not isinstance(value, list):
        raise WireError("expected a list")
    return value


def _shape(value: Any) -> tuple[int, ...]:
    shape = tuple(_list(value))
    if not all(type(n) is int and 0 <= n < 2**40 for n in shape) or len(shape) > 32:
        raise WireError("bad shape")
    return shape


def dumps(message: dict) -> bytes:
    line = json.dumps(message, allow_nan=False, separators=(",", ":")).encode() + b"\n"
    if len(line) > MAX_MESSAGE:
        raise WireError(f"message of {len(line)} bytes is over {MAX_MESSAGE}")
    return line


def loads(line: bytes) -> dict:
    if len(line) > MAX_MESSAGE:
        raise WireError(f"message of {len(line)} bytes is over {MAX_MESSAGE}")
    try:
        message = json.loads(line, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise WireError(f"not JSON: {exc}") from None
    if not isinstance(message, dict):
        raise WireError("a message is a JSON object")
    return message


def _no_constant(name: str) -> Any:
    raise WireError(f"{name} is not JSON")
