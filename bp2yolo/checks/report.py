"""How a failing check reads in a notebook: the hint first, no package internals.

    HintError      an answer is wrong; in a notebook it shows as the hint alone, wrapped
    require        raise HintError(hint) unless a condition holds
    unpack         a learner's result as a tuple of n values, or a HintError (None: `return`?)
    check          decorator for a check that receives the learner's code (check_x(x))
    show(value)    a short literal for a check's input: 0.5, [2.0, -1.0], "tensor of shape (2, 3)"
    call(f, ...)   'f(2.0, [1.0, 0.5], steps=3)': the call a check made, for its hints
    run(fn, ...)   fn(...), and an error inside it names that call (see learners_traceback)
    calling(text)  the same for a block of code, `with calling("a = Value(3.0); a.backward()"):`
    wrap(text)     text hard-wrapped to WIDTH columns, so no output is cut off at the edge

IPython renders an exception with a `_render_traceback_` method through that method instead of
its usual traceback. A HintError uses it to show only its message, wrapped; `check` gives an
exception raised inside the learner's code one that shows only the learner's own frames (never
bp2yolo's, numpy's or torch's), headed by one line that says so. Outside IPython (pytest,
the test harness) exceptions are unchanged: str(error) is the whole, unwrapped hint.
"""

from __future__ import annotations

import contextlib
import functools
import io
import linecache
import sysconfig
import textwrap
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

WIDTH = 80  # Validate's dialog and the feedback's <pre> show about 90 columns
RED, BOLD, RESET = "\x1b[0;31m", "\x1b[1m", "\x1b[0m"
PACKAGE = Path(__file__).resolve().parents[1]  # bp2yolo/
LIBRARIES = tuple(
    str(Path(sysconfig.get_paths()[key]).resolve()) for key in ("stdlib", "purelib", "platlib")
)

F = TypeVar("F", bound=Callable[..., Any])
# What a stub says when a check calls it: one line, so that nbgrader's own Validate layout (no
# learner config) of the blank 07 release still fits in 80 lines.
NOT_WRITTEN = "is not written yet: replace `raise NotImplementedError()`."


def wrap(text: str, width: int = WIDTH) -> list[str]:
    """`text` as lines of at most `width` columns; its own line breaks are kept."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines += textwrap.wrap(paragraph, width, break_on_hyphens=False) or [""]
    return lines


class HintError(AssertionError):
    """An answer is wrong; the message starts with the answer's name and says what is wrong.

    check: the name of the check that raised it (set by @check). It is not shown: the test cell
    calls the check by name, and Validate names the test, so the hint comes first.
    """

    check: str | None = None

    def _render_traceback_(self) -> list[str]:
        lines = wrap(f"HintError: {self}")
        return [RED + lines[0].replace("HintError", BOLD + "HintError" + RESET + RED, 1) + RESET,
                *lines[1:]]


def require(condition: bool, hint: str) -> None:
    """Raise HintError(hint) unless `condition` holds: a check's assert, with a hint."""
    if not condition:
        raise HintError(hint)


def unpack(result: Any, size: int, hint: str) -> tuple:
    """`result` (a tuple or a list) as a tuple of `size` values, else HintError(hint); for None
    the hint adds that the function returned nothing (a forgotten `return`)."""
    if result is None:
        raise HintError(f"{hint}, but it returned None: did it forget to `return` them?")
    try:
        values = tuple(result)
    except TypeError:  # a number: not a tuple
        values = ()
    require(len(values) == size, hint)
    return values


# ---------------------------------------------------------------------------------------------
# The call a check made, as the learner would type it

SHOWN = 16  # at most this many numbers are written out; a bigger input is shown by its shape
CALL = "_bp2yolo_call"  # the attribute of an exception that names the call it was raised in


def _number(value: float) -> str:
    """'0.5', '2.0', '-0.3', '0.5933', '1e-12': 4 significant digits, floats with a '.'."""
    text = f"{value:.4g}"
    return text if any(c in text for c in ".enia") else text + ".0"  # e, inf, nan


def _leaves(value: Any) -> int:
    """How many numbers a (nested) list or tuple holds."""
    if isinstance(value, (list, tuple)):
        return sum(_leaves(v) for v in value)
    return 1


def _nested(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_nested(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' * (len(value) == 1)})"
    return show(value)


def show(value: Any) -> str:
    """A short literal for one input of a check: '0.5', '[2.0, -1.0, 0.5]', 'cube', or for an
    array or tensor of more than SHOWN numbers (or one on the meta device, without values) its
    kind and shape, 'tensor of shape (1, 2, 2, 12)'. Arrays and tensors are written as lists."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, str):
        return repr(value)
    shape = getattr(value, "shape", None)
    if shape is not None and hasattr(value, "tolist"):  # a numpy array or a torch tensor
        shape = tuple(int(d) for d in shape)
        size = 1
        for d in shape:
            size *= d
        kind = "tensor" if type(value).__module__.startswith("torch") else "array"
        if getattr(value, "is_meta", False):
            return f"meta {kind} of shape {shape}"
        if size > SHOWN:
            return f"{kind} of shape {shape}"
        return _nested(value.tolist())  # a 0-d one gives a number
    if isinstance(value, (list, tuple)):
        if _leaves(value) > SHOWN:
            return f"{type(value).__name__} of {len(value)} items"
        return _nested(value)
    if callable(value):
        name = getattr(value, "__qualname__", None) or getattr(value, "__name__", None)
        if name:
            return name.rpartition("<locals>.")[2].lstrip("_")
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def call(function: str, *args: Any, **kwargs: Any) -> str:
    """'train(2.0, 1.0, 0.5, 0.5, 0.1, steps=3)': the call, its inputs written with show()."""
    parts = [show(a) for a in args] + [f"{k}={show(v)}" for k, v in kwargs.items()]
    return f"{function}({', '.join(parts)})"


@contextlib.contextmanager
def calling(description: str) -> Iterator[None]:
    """An exception other than HintError raised inside records `description`, the call the
    check made, unless a call inside it already did; learners_traceback names it."""
    try:
        yield
    except HintError:
        raise
    except Exception as exc:
        if getattr(exc, CALL, None) is None:
            with contextlib.suppress(AttributeError, TypeError):
                setattr(exc, CALL, description)
        raise


def run(function: Callable, *args: Any, **kwargs: Any) -> Any:
    """function(*args, **kwargs); an error raised inside it names this call, e.g. the header
    'Your code raised IndexError in train(2.0, 1.0, 0.5, 0.5, 0.1, 3):'."""
    __tracebackhide__ = True
    with calling(call(show(function), *args, **kwargs)):
        return function(*args, **kwargs)


# ---------------------------------------------------------------------------------------------
# How an error inside the learner's code reads


def _is_learners(filename: str) -> bool:
    """Whether a frame's file is the learner's code (a notebook cell), not a library's."""
    path = str(Path(filename).resolve()) if not filename.startswith("<") else filename
    return not path.startswith((str(PACKAGE), *LIBRARIES))


def _cell_name(filename: str) -> str:
    """'Cell In[7]' for a notebook cell's file, else the file name."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
        number = shell.compile._filename_map.get(filename) if shell else None
    except (ImportError, AttributeError):
        number = None
    return f"Cell In[{number}]" if number is not None else f"File {filename}"


class Frame(NamedTuple):
    filename: str
    lineno: int
    name: str  # qualified: 'MaxGate.forward', not 'forward'


def frames_of(exc: BaseException) -> list[Frame]:
    """The frames of exc's traceback, from where it was caught down to where it was raised."""
    return [
        Frame(f.f_code.co_filename, lineno, f.f_code.co_qualname.rpartition("<locals>.")[2])
        for f, lineno in traceback.walk_tb(exc.__traceback__)
    ]


def _frame_lines(frame: Frame) -> list[str]:
    text = linecache.getline(frame.filename, frame.lineno).strip()
    where = f"  {_cell_name(frame.filename)}, line {frame.lineno}, in {frame.name}"
    return [where, f"    {text}"] if text else [where]


def learners_traceback(exc: BaseException, frames: list[Frame]) -> list[str]:
    """The lines a notebook shows for `exc`, raised inside the learner's code under a check.

    frames: the traceback from the check down to the error; only the learner's frames show.
    """
    mine = [f for f in frames if _is_learners(f.filename)]
    if isinstance(exc, NotImplementedError) and mine:  # the function names where it is
        return [RED + line + RESET for line in wrap(f"{mine[-1].name} {NOT_WRITTEN}")]
    made = getattr(exc, CALL, None)
    head = f"Your code raised {type(exc).__name__}" + (f" in {made}:" if made else ":")
    lines = [RED + line + RESET for line in wrap(head)]
    for frame in mine:
        lines += _frame_lines(frame)
    return [*lines, *wrap(type(exc).__name__ + (f": {exc}" if str(exc) else ""))]


def check(function: F) -> F:
    """Decorate a check that receives the learner's code, e.g. check_log_cosh_model(log_cosh_model).

    A HintError it raises records the check's name (.check); any other exception (raised inside
    the learner's function) renders in IPython as one line saying so and the learner's frames
    only. The exception itself, its type and message are unchanged.
    """

    @functools.wraps(function)
    def run_check(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True  # pytest
        try:
            return function(*args, **kwargs)
        except HintError as exc:
            exc.check = exc.check or function.__name__
            raise
        except Exception as exc:
            if not hasattr(exc, "_render_traceback_"):
                exc._render_traceback_ = functools.partial(  # type: ignore[attr-defined]
                    learners_traceback, exc, frames_of(exc)  # from here down to the error
                )
            raise

    return run_check  # type: ignore[return-value]


def passes(visible_check: Callable[..., None], *functions: Callable) -> bool:
    """Whether the learner's functions pass a visible check, run quietly (what it prints is
    dropped). A stub's NotImplementedError propagates, so that it names the function that is
    not written; any other error, or a failed check, is False. For a check that builds on an
    earlier exercise: "fix exercise 1 first" only when exercise 1 is wrong."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            visible_check(*functions)
    except NotImplementedError:
        raise
    except Exception:  # noqa: BLE001 - a HintError, or an error raised in the learner's code
        return False
    return True
