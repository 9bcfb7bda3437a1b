"""Runs inside the sandbox: a submission's cells, then whatever the grader asks of them.

The grader (grading/remote.py) sends one request at a time over stdin and reads the replies on
stdout (wire.py says what crosses: data, or handles). Before any submitted code runs, the channel
moves to file descriptors of its own and fds 0 and 1 become /dev/null and stderr, so a print, even
from C, cannot land in it. Nothing here decides a grade: the grader compares what comes back with
its own answers, so a submission that rewrites this file's functions only changes what it claims.

    exec      run one cell's source in the notebook's namespace (IPython, as in a kernel)
    get       a global of the notebook
    call      call an object with arguments; the reply carries the arguments as they are after
              the call (the grader sees in-place changes) and the ids of the tensors in the
              result that autograd can go back through (see vjp)
    getattr setattr getitem setitem len iter binop unop convert isinstance
    vjp       torch.autograd.grad of kept result tensors with respect to kept argument tensors
"""

from __future__ import annotations

import contextlib
import io
import operator
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rpc  # noqa: E402
import wire  # noqa: E402

MAX_OUTPUT = 100_000  # characters of captured output kept per request
BINARY = {"add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and_", "or_",
          "xor", "lshift", "rshift", "eq", "ne", "lt", "le", "gt", "ge"}
UNARY = {"neg", "pos", "abs", "invert"}
CONVERT = {"float": float, "int": int, "bool": bool, "str": str, "repr": repr,
           "complex": complex, "index": operator.index}


class Callback:
    """A function of the grader's, passed to the submission: calling it asks the grader."""

    def __init__(self, endpoint: rpc.Endpoint, handle: dict):
        self._endpoint, self._handle = endpoint, handle

    def __call__(self, *args, **kwargs):
        endpoint = self._endpoint
        value = endpoint.request("call", target=self._handle,
                                 args=encode(endpoint, list(args)),
                                 kwargs=encode(endpoint, kwargs))
        return decode(endpoint, value)

    def __repr__(self) -> str:
        return "<function passed by the grader>"


def encode(endpoint: rpc.Endpoint, value):
    return wire.encode(value, lambda obj: {"$": "h", "id": endpoint.keep(obj),
                                           "type": type(obj).__name__[:60]})


def portable(endpoint: rpc.Endpoint, handle: dict):
    """A function the grader sent as its source (bp2yolo.checks.portable), rebuilt here."""
    import math

    import numpy as np
    import torch

    env = decode(endpoint, handle.get("env"))
    if not isinstance(env, dict) or not isinstance(handle.get("code"), str):
        raise wire.WireError("a portable function needs its source and a dict")
    return eval(handle["code"], {"np": np, "torch": torch, "math": math, **env})  # noqa: S307


def decode(endpoint: rpc.Endpoint, data):
    def resolve(handle: dict):
        if handle.get("side") == "grader":
            if "code" in handle:
                return portable(endpoint, handle)
            return Callback(endpoint, handle)
        return endpoint.lookup(handle)

    return wire.decode(data, resolve)


class Runner:
    def __init__(self, endpoint: rpc.Endpoint):
        self.endpoint = endpoint
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        config = Config()
        config.HistoryManager.enabled = False
        config.InteractiveShell.colors = "nocolor"
        self.shell = InteractiveShell.instance(config=config)
        self.namespace = self.shell.user_ns

    # -- helpers
    def value(self, data):
        return decode(self.endpoint, data)

    def out(self, value):
        return encode(self.endpoint, value)

    @contextlib.contextmanager
    def captured(self, into: list):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            try:
                yield
            finally:
                into.append(buffer.getvalue()[:MAX_OUTPUT])

    # -- requests
    def serve(self, message: dict):
        op = message.get("op")
        method = getattr(self, f"op_{op}", None) if isinstance(op, str) else None
        if method is None:
            raise wire.WireError(f"unknown request {op!r}")
        return method(message)

    def op_exec(self, message: dict):
        source = message.get("source")
        if not isinstance(source, str):
            raise wire.WireError("exec needs a source")
        text: list[str] = []
        with self.captured(text):
            result = self.shell.run_cell(source, store_history=False)
        error = result.error_in_exec or result.error_before_exec
        return self.out({"stdout": text[0], "error": None if error is None else
                         (type(error).__name__, str(error)[:4000])})

    def op_get(self, message: dict):
        name = message.get("name")
        if not isinstance(name, str) or name not in self.namespace:
            raise NameError(f"name {name!r} is not defined")
        return self.out(self.namespace[name])

    def op_call(self, message: dict):
        import torch

        target = self.value(message.get("target"))
        args = self.value(message.get("args", {"$": "list", "v": []}))
        kwargs = self.value(message.get("kwargs", {"$": "dict", "k": [], "v": []}))
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            raise wire.WireError("call needs a list of arguments and a dict of keywords")
        given = list(rpc.walk((args, kwargs)))
        leaves = [self.endpoint.keep(t) if isinstance(t, torch.Tensor) and t.requires_grad
                  else None for t in given]
        text: list[str] = []
        with self.captured(text):
            result = target(*args, **kwargs)
        graph = []
        for index, leaf in enumerate(rpc.walk(result)):
            if isinstance(leaf, torch.Tensor) and leaf.requires_grad:
                graph.append([index, self.endpoint.keep(leaf)])
        grads = [self.out(t.grad) if isinstance(t, torch.Tensor) and t.grad is not None
                 else None for t in given]
        # which given object each leaf now is (their ids are unique: `given` keeps them alive)
        where = {id(leaf): j for j, leaf in enumerate(given)}
        same = [where.get(id(leaf), -1) for leaf in rpc.walk((args, kwargs))]
        return {"$": "dict", "k": ["value", "after", "same", "leaves", "graph", "grads"],
                "v": [self.out(result), self.out([args, kwargs]), self.out(same),
                      self.out(leaves), self.out(graph), {"$": "list", "v": grads}]}

    def op_getattr(self, message: dict):
        return self.out(getattr(self.value(message.get("target")), str(message.get("name"))))

    def op_setattr(self, message: dict):
        setattr(self.value(message.get("target")), str(message.get("name")),
                self.value(message.get("v")))

    def op_getitem(self, message: dict):
        return self.out(self.value(message.get("target"))[self.value(message.get("key"))])

    def op_setitem(self, message: dict):
        self.value(message.get("target"))[self.value(message.get("key"))] = self.value(
            message.get("v"))

    def op_len(self, message: dict):
        return len(self.value(message.get("target")))

    def op_iter(self, message: dict):
        items = []
        for item in self.value(message.get("target")):
            items.append(item)
            if len(items) > 1_000_000:
                raise ValueError("more than a million items")
        return self.out(items)

    def op_binop(self, message: dict):
        name = message.get("name")
        if name not in BINARY:
            raise wire.WireError(f"unknown operator {name!r}")
        a, b = self.value(message.get("a")), self.value(message.get("b"))
        return self.out(getattr(operator, name)(a, b))

    def op_unop(self, message: dict):
        name = message.get("name")
        if name not in UNARY:
            raise wire.WireError(f"unknown operator {name!r}")
        return self.out(getattr(operator, name)(self.value(message.get("target"))))

    def op_convert(self, message: dict):
        to = CONVERT.get(message.get("to"))
        if to is None:
            raise wire.WireError("unknown conversion")
        value = to(self.value(message.get("target")))
        base = {float: float, int: int, bool: bool, str: str, repr: str, complex: complex,
                operator.index: int}[to]
        return self.out(base(value))

    def op_isinstance(self, message: dict):
        return bool(isinstance(self.value(message.get("obj")), self.value(message.get("cls"))))

    def op_vjp(self, message: dict):
        import torch

        outs = [self.endpoint.lookup({"id": n}) for n in self.value(message.get("outs"))]
        inputs = [self.endpoint.lookup({"id": n}) for n in self.value(message.get("inputs"))]
        grads = self.value(message.get("grads"))
        if not isinstance(grads, list) or len(grads) != len(outs):
            raise wire.WireError("vjp needs one gradient per output")
        results = torch.autograd.grad(outs, inputs, grads, allow_unused=True, retain_graph=True)
        return self.out(list(results))


def main() -> None:
    # the channel on fds of its own; 0 and 1 to /dev/null and stderr
    read_fd, write_fd = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)
    os.close(null)
    sys.stdin = open(0, closefd=False)  # noqa: SIM115
    sys.stdout = open(1, "w", closefd=False, buffering=1)  # noqa: SIM115
    endpoint = rpc.Endpoint(read_fd, write_fd, serve=lambda m: runner.serve(m))
    runner = Runner(endpoint)
    endpoint.send({"ready": True})
    while True:
        try:
            message = endpoint.receive(None)
        except rpc.ChannelClosed:
            return
        endpoint.answer(message)


if __name__ == "__main__":
    main()
