"""The grader's side of a running submission: its cells run in a sandbox, its objects come back
as proxies, and whatever the grader learns from it is data that the grader checks itself.

    with Submission.start(folder) as sub:
        sub.exec(source)                      # one of its cells, in the sandbox
        f = sub.get("log_cosh_model")         # a proxy: calling it runs it in the sandbox
        y, L, dw, db = f(x, 2.0, 0.5, y_gt)   # arrays, decoded by wire.py (never unpickled)

A proxy forwards calls, attributes, items, arithmetic and conversions (float(), len(), ...), and
nothing that would let the submission decide a comparison: `==`, `<`, `bool()` and hashing of a
proxy are the grader's own (identity), and a proxy is never equal to data. Arguments come back
after each call, so in-place changes show on the grader's copies. A result tensor that requires
grad is tied into the grader's autograd graph: backward() asks the sandbox for the
vector-Jacobian product of the submission's own graph, and the grader's tensors get its .grad.

A timeout or a dead sandbox raises SubmissionGone, a BaseException, so that a test's own
`except Exception` cannot mistake it for a wrong answer.
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
SANDBOXED = _HERE / "sandboxed"  # runner.py, rpc.py, wire.py: bound read-only at /grader
sys.path[:0] = [str(SANDBOXED)]
import rpc  # noqa: E402
import sandbox  # noqa: E402
import wire  # noqa: E402

INSIDE = "/grader"
# Exceptions from the submission come back as these classes when their name is one of them.
BUILTIN_ERRORS = {
    name: getattr(builtins, name)
    for name in ("ArithmeticError", "AssertionError", "AttributeError", "FloatingPointError",
                 "IndexError", "KeyError", "LookupError", "MemoryError", "NameError",
                 "NotImplementedError", "OverflowError", "RecursionError", "RuntimeError",
                 "StopIteration", "TypeError", "ValueError", "ZeroDivisionError")
}

# Double-underscore attributes a proxy asks the sandbox for (the rest are answered here).
FORWARDED_DUNDERS = {"__name__", "__qualname__", "__module__", "__doc__", "__dict__",
                     "__class__"}


class SubmissionGone(BaseException):
    """The submission's sandbox died or ran out of time: it cannot be graded further."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class SubmissionError(Exception):
    """An exception raised by the submission whose class is not a builtin one."""

    type_name = "Error"


_error_classes: dict[str, type] = {}


def error_from(exc: rpc.RemoteError) -> Exception:
    """The submission's exception as one the grader's tests can catch by type."""
    if exc.type_name in BUILTIN_ERRORS:
        return BUILTIN_ERRORS[exc.type_name](exc.message)
    if exc.type_name == "HintError":
        from bp2yolo.checks import HintError

        return HintError(exc.message)
    name = exc.type_name if exc.type_name.isidentifier() else "SubmissionError"
    if name not in _error_classes:
        _error_classes[name] = type(name, (SubmissionError,), {"type_name": name})
    return _error_classes[name](exc.message)


def _binary(name: str, reflected: bool = False):
    def method(self, other):
        a, b = (other, self) if reflected else (self, other)
        return self._sub.binop(name, a, b)

    return method


class Remote:
    """An object that lives in the sandbox (a function, a class, an instance)."""

    __slots__ = ("_sub", "_id", "_type")

    def __init__(self, sub: Submission, handle_id: int, type_name: str = "object"):
        object.__setattr__(self, "_sub", sub)
        object.__setattr__(self, "_id", handle_id)
        object.__setattr__(self, "_type", type_name)

    def __repr__(self) -> str:
        return f"<{self._type} from the submission>"

    __str__ = __repr__

    def __getattr__(self, name: str):
        if name.startswith("__") and name.endswith("__") and name not in FORWARDED_DUNDERS:
            raise AttributeError(name)  # numpy's and torch's probes (__array__, ...) stay here
        return self._sub.ask("getattr", target=self, name=name)

    def __setattr__(self, name: str, value) -> None:
        self._sub.ask("setattr", target=self, name=name, v=value)

    def __call__(self, *args, **kwargs):
        return self._sub.call(self, list(args), kwargs)

    def __bool__(self) -> bool:  # the grader's: else bool() would ask the submission's __len__
        return True

    def __getitem__(self, key):
        return self._sub.ask("getitem", target=self, key=key)

    def __setitem__(self, key, value) -> None:
        self._sub.ask("setitem", target=self, key=key, v=value)

    def __len__(self) -> int:
        n = self._sub.ask("len", target=self)
        if type(n) is not int or n < 0:
            raise TypeError("len() of the submission's object is not an int >= 0")
        return n

    def __iter__(self):
        items = self._sub.ask("iter", target=self)
        return iter(items if isinstance(items, list) else [])

    def __float__(self) -> float:
        return float(self._convert("float", float))

    def __int__(self) -> int:
        return int(self._convert("int", int))

    def __index__(self) -> int:
        return int(self._convert("index", int))

    def __complex__(self) -> complex:
        return complex(self._convert("complex", complex))

    def _convert(self, to: str, kind: type):
        value = self._sub.ask("convert", target=self, to=to)
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            raise TypeError(f"{to}() of the submission's object is not a {kind.__name__}")
        return value

    def __neg__(self):
        return self._sub.ask("unop", name="neg", target=self)

    def __pos__(self):
        return self._sub.ask("unop", name="pos", target=self)

    def __abs__(self):
        return self._sub.ask("unop", name="abs", target=self)

    def __instancecheck__(self, obj) -> bool:
        return self._sub.ask("isinstance", obj=obj, cls=self) is True

    __add__, __radd__ = _binary("add"), _binary("add", True)
    __sub__, __rsub__ = _binary("sub"), _binary("sub", True)
    __mul__, __rmul__ = _binary("mul"), _binary("mul", True)
    __truediv__, __rtruediv__ = _binary("truediv"), _binary("truediv", True)
    __floordiv__, __rfloordiv__ = _binary("floordiv"), _binary("floordiv", True)
    __mod__, __rmod__ = _binary("mod"), _binary("mod", True)
    __pow__, __rpow__ = _binary("pow"), _binary("pow", True)
    __matmul__, __rmatmul__ = _binary("matmul"), _binary("matmul", True)


@functools.cache
def _remote_graph():
    """torch.autograd.Function whose backward asks the sandbox for its vector-Jacobian product
    (made on first use: torch is imported only when a tensor crosses)."""
    import torch

    class RemoteGraph(torch.autograd.Function):
        @staticmethod
        def forward(ctx, sub, out_ids, in_ids, n_out, *tensors):
            ctx.sub, ctx.out_ids, ctx.in_ids, ctx.n_out = sub, out_ids, in_ids, n_out
            ctx.inputs = [(t.shape, t.dtype, t.device) for t in tensors[n_out:]]
            return tuple(t.clone() for t in tensors[:n_out])

        @staticmethod
        def backward(ctx, *grads):
            sub = ctx.sub
            got = sub.ask("vjp", outs=list(ctx.out_ids), grads=list(grads),
                          inputs=list(ctx.in_ids))
            if not isinstance(got, list) or len(got) != len(ctx.in_ids):
                raise TypeError("the submission's backward gave the wrong number of gradients")
            out = []
            for g, (shape, dtype, device) in zip(got, ctx.inputs, strict=True):
                if g is not None and not (isinstance(g, torch.Tensor) and g.shape == shape
                                          and g.dtype == dtype and g.device == device):
                    raise TypeError("the submission's backward gave a gradient of the wrong "
                                    "shape, dtype or device")
                out.append(g)
            return (None, None, None, None, *([None] * ctx.n_out), *out)

    return RemoteGraph


class Submission:
    """One submission's runner, in a sandbox (or, with sandboxed=False, a plain subprocess)."""

    def __init__(self, process: subprocess.Popen, box: sandbox.Sandbox | None,
                 log_path: Path, timeout: float, own_log: bool = False):
        self.process, self.box, self.log_path = process, box, log_path
        self.own_log = own_log  # log_path is a temporary file: close() deletes it
        self.end = time.monotonic() + timeout  # the whole submission's wall time
        self.deadline = self.end
        self.gone: str | None = None
        self.endpoint = rpc.Endpoint(process.stdout.fileno(), process.stdin.fileno(),
                                     serve=self._serve)

    # -- starting and stopping
    @classmethod
    def start(cls, folder: Path, *, sandboxed: bool = True, limits: sandbox.Limits | None = None,
              log_path: Path | None = None, startup_s: float = 60) -> Submission:
        limits = limits or sandbox.Limits()
        own_log = log_path is None  # a temporary file, deleted by close()
        if own_log:
            handle, name = tempfile.mkstemp(prefix="bp2yolo-runner-", suffix=".log")
            os.close(handle)
            log_path = Path(name)
        log = open(log_path, "wb")  # noqa: SIM115 - the runner's stderr, closed in close()
        pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": log}
        if sandboxed:
            box = sandbox.start([sandbox.python(), "-I", f"{INSIDE}/runner.py"], folder, limits,
                                cwd=sandbox.SCRATCH, binds={str(SANDBOXED): INSIDE}, **pipes)
            process = box.process
        else:
            box = None
            env = {k: v for k, v in os.environ.items() if not k.startswith("BP2YOLO_")}
            env["MPLBACKEND"] = "Agg"
            process = subprocess.Popen([sys.executable, "-I", str(SANDBOXED / "runner.py")],
                                       cwd=folder, env=env, start_new_session=True, **pipes)
        log.close()
        sub = cls(process, box, log_path, limits.wall_s, own_log)
        try:
            ready = sub.endpoint.receive(startup_s)
        except (rpc.ChannelClosed, rpc.ChannelTimeout, wire.WireError) as exc:
            tail = sub.log_tail()
            sub.close()
            raise SubmissionGone(f"the sandbox did not start: {exc}; {tail}") from None
        if ready != {"ready": True}:
            sub.close()
            raise SubmissionGone("the sandbox did not start: an unexpected first message")
        return sub

    def log_tail(self, lines: int = 5) -> str:
        with contextlib.suppress(OSError):
            text = self.log_path.read_text(errors="replace").strip().splitlines()
            return " | ".join(text[-lines:])[-600:]
        return ""

    def close(self) -> None:
        """Kill the runner and everything it started; wait until they are gone."""
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        if self.box is not None:
            self.box.kill()
        else:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, 9)
            self.process.wait()
        with contextlib.suppress(OSError):
            self.process.stdout.close()
        if self.own_log:
            self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> Submission:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the channel
    def _encode(self, value):
        def handle(obj):
            if isinstance(obj, Remote):
                if obj._sub is not self:
                    raise TypeError("an object of another submission")
                return {"$": "h", "id": obj._id}
            if callable(obj) and isinstance(getattr(obj, "__bp2yolo_source__", None), str):
                # bp2yolo.checks.portable: rebuilt from its source inside the sandbox
                return {"$": "h", "side": "grader", "id": 0, "code": obj.__bp2yolo_source__,
                        "env": wire.encode(obj.__bp2yolo_env__, handle)}
            return {"$": "h", "side": "grader", "id": self.endpoint.keep(obj)}

        return wire.encode(value, handle)

    def _decode(self, data):
        def resolve(handle: dict):
            n = handle.get("id")
            if type(n) is not int:
                raise wire.WireError("a handle without an id")
            return Remote(self, n, str(handle.get("type", "object"))[:60])

        return wire.decode(data, resolve)

    def _serve(self, message: dict):
        """A request from the sandbox: only calls of functions the grader passed it."""
        if message.get("op") != "call" or not isinstance(message.get("target"), dict):
            raise wire.WireError("the grader only answers calls of what it passed")
        target = self.endpoint.lookup(message["target"])
        args = self._decode(message.get("args"))
        kwargs = self._decode(message.get("kwargs"))
        if not isinstance(args, list) or not isinstance(kwargs, dict) or \
                not all(isinstance(k, str) for k in kwargs):
            raise wire.WireError("a call needs a list and a dict")
        return self._encode(target(*args, **kwargs))

    def request(self, op: str, **fields):
        if self.gone:
            raise SubmissionGone(self.gone)
        left = self.deadline - time.monotonic()
        try:
            if left <= 0:
                raise rpc.ChannelTimeout("no time left")
            return self.endpoint.request(op, timeout=left, **fields)
        except rpc.ChannelTimeout:
            self.gone = "timeout"
        except rpc.ChannelClosed:
            self.gone = "dead kernel (the notebook crashed or ran out of memory)"
        except wire.WireError as exc:
            self.gone = f"the submission broke the grader's channel ({exc})"
        except OSError as exc:
            self.gone = f"dead kernel ({exc.strerror or exc})"
        self.close()
        raise SubmissionGone(self.gone)

    def ask(self, op: str, **fields):
        """A request whose fields are values (encoded here), its reply decoded."""
        encoded = {k: self._encode(v) if k not in ("name", "to") else v
                   for k, v in fields.items()}
        try:
            return self._decode(self.request(op, **encoded))
        except rpc.RemoteError as exc:
            raise error_from(exc) from None
        except wire.WireError as exc:  # the reply is not data: the submission's doing
            raise TypeError(f"the submission answered with something that is not data: {exc}"
                            ) from None

    # -- what the tests use
    def set_deadline(self, seconds: float) -> None:
        """The next requests must be answered within `seconds` (and the submission's time)."""
        self.deadline = min(time.monotonic() + seconds, self.end)

    def exec(self, source: str) -> tuple[str, tuple[str, str] | None]:
        """Run one cell; (its printed output, (error name, message) or None)."""
        reply = self.ask("exec", source=source)
        if not isinstance(reply, dict) or not isinstance(reply.get("stdout"), str):
            return "", ("SubmissionError", "the cell's result is not what the runner sends")
        error = reply.get("error")
        if error is not None and not (isinstance(error, tuple) and len(error) == 2
                                      and all(isinstance(e, str) for e in error)):
            error = ("SubmissionError", "an unreadable error")
        return reply["stdout"], error

    def get(self, name: str):
        return self.ask("get", name=name)

    def binop(self, name: str, a, b):
        return self.ask("binop", name=name, a=a, b=b)

    def call(self, target: Remote, args: list, kwargs: dict):
        import torch

        reply = self.ask("call", target=target, args=args, kwargs=kwargs)
        if not isinstance(reply, dict) or set(reply) != {"value", "after", "same", "leaves",
                                                         "graph", "grads"}:
            raise TypeError("the submission's runner answered a call with something else")
        mine = list(rpc.walk((args, kwargs)))
        after = reply["after"]
        same = reply.get("same")
        if isinstance(after, list) and len(after) == 2 and isinstance(same, list):
            mirror([args, kwargs], after, same, mine)
        grads, leaves = reply["grads"], reply["leaves"]
        if isinstance(grads, list) and len(grads) == len(mine):
            for local, grad in zip(mine, grads, strict=True):
                if isinstance(local, torch.Tensor) and local.is_leaf and local.requires_grad \
                        and isinstance(grad, torch.Tensor) and grad.shape == local.shape:
                    local.grad = grad.to(local.device, local.dtype)
        value = reply["value"]
        graph = reply["graph"]
        if graph and isinstance(graph, list) and isinstance(leaves, list) \
                and len(leaves) == len(mine):
            value = self._tie(value, graph, mine, leaves)
        return value

    def _tie(self, value, graph, mine, leaves):
        """Replace the result's tensors that require grad by outputs of a RemoteGraph whose
        inputs are the grader's argument tensors that require grad."""
        import torch

        plain = list(rpc.walk(value))
        positions, out_ids = [], []
        for entry in graph:
            if not (isinstance(entry, list) and len(entry) == 2 and type(entry[0]) is int
                    and 0 <= entry[0] < len(plain) and type(entry[1]) is int
                    and isinstance(plain[entry[0]], torch.Tensor)):
                raise TypeError("the submission's runner described its graph wrongly")
            positions.append(entry[0])
            out_ids.append(entry[1])
        inputs = [(t, n) for t, n in zip(mine, leaves, strict=True)
                  if isinstance(t, torch.Tensor) and t.requires_grad and type(n) is int]
        outs = [plain[i].detach().requires_grad_(False) for i in positions]
        tied = _remote_graph().apply(self, tuple(out_ids), tuple(n for _, n in inputs), len(outs),
                                  *outs, *(t for t, _ in inputs))
        replacement = dict(zip(positions, tied, strict=True))
        return rpc.rebuild(value, lambda leaf, i: replacement.get(i, leaf))


def mirror(local, after, same: list, given: list) -> None:
    """Make the grader's arguments `local` look as the submission left them. `after` is what the
    arguments were after the call; `same[i]` says which leaf of the call's arguments (an index
    into `given`, the grader's leaves in walk() order) its i-th leaf still is, or -1 for a new
    object. A leaf that is still a given object was changed in place, if at all: the grader's
    object is changed in place too, and put where the submission put it. A new object replaces
    the grader's in its container. So checks of in-place updates see what the call did."""
    index = iter(same)

    def original() -> Any:
        j = next(index, -1)
        return given[j] if type(j) is int and 0 <= j < len(given) else _NEW

    def visit(mine, theirs) -> None:
        if type(mine) is list and type(theirs) is list:
            for i, item in enumerate(theirs):
                if i < len(mine):
                    mine[i] = slot(mine[i], item)
                else:
                    mine.append(slot(_NEW, item))
            del mine[len(theirs):]
        elif type(mine) is dict and type(theirs) is dict:
            for key, item in theirs.items():
                mine[key] = slot(mine.get(key, _NEW), item)
            for key in [k for k in mine if k not in theirs]:
                del mine[key]
        elif type(mine) is tuple and type(theirs) is tuple and len(mine) == len(theirs):
            for a, b in zip(mine, theirs, strict=True):
                slot(a, b)
        else:
            for _ in rpc.walk(theirs):
                original()

    def slot(mine, theirs):
        """What the container slot holding `mine` should hold now."""
        if _container(theirs):
            if type(mine) is type(theirs):
                visit(mine, theirs)
                return mine
            for _ in rpc.walk(theirs):
                original()
            return theirs
        obj = original()
        if obj is _NEW:
            return theirs
        update_in_place(obj, theirs)
        return obj

    visit(local, after)


_NEW = object()  # a leaf the call made (no argument of the grader's)


def _container(value) -> bool:
    return type(value) in (list, tuple, dict)


def update_in_place(mine, theirs) -> None:
    """Copy what the submission wrote into an array or tensor into the grader's one."""
    import numpy as np

    if isinstance(mine, np.ndarray) and isinstance(theirs, np.ndarray):
        if mine.shape == theirs.shape and mine.dtype == theirs.dtype and \
                mine.tobytes() != theirs.tobytes() and mine.flags.writeable:
            mine[...] = theirs
        return
    import torch

    if isinstance(mine, torch.Tensor) and isinstance(theirs, torch.Tensor) and \
            mine.shape == theirs.shape and mine.dtype == theirs.dtype and \
            "meta" not in (mine.device.type, theirs.device.type):
        with torch.no_grad():
            if not torch.equal(mine.detach().cpu(), theirs.detach()):
                mine.copy_(theirs.to(mine.device))
    if isinstance(mine, torch.Tensor) and isinstance(theirs, torch.Tensor) and mine.is_leaf \
            and mine.requires_grad != theirs.requires_grad:
        mine.requires_grad_(theirs.requires_grad)  # x.requires_grad_() on the caller's tensor
