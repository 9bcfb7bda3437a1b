"""How a failing check reads in a notebook: the hint first, no package internals.

    HintError      an answer is wrong; in a notebook it shows as the hint alone, wrapped
    require        raise HintError(hint) unless a condition holds
    unpack         a learner's result as a tuple of n values, or a HintError (None: `return`?)
    check          decorator for a check that receives the learner's code (check_x(x))
    wrap(text)     text hard-wrapped to WIDTH columns, so no output is cut off at the edge

IPython renders an exception with a `_render_traceback_` method through that method instead of
its usual traceback. A HintError uses it to show only its message, wrapped; `check` gives an
exception raised inside the learner's code one that shows only the learner's own frames (never
bp2yolo's, numpy's or torch's), headed by one line that says so. Outside IPython (pytest,
the test harness) exceptions are unchanged: str(error) is the whole, unwrapped hint.
"""

from __future__ import annotations

import functools
import linecache
import sysconfig
import textwrap
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

WIDTH = 80  # Validate's dialog and the feedback's <pre> show about 90 columns
RED, BOLD, RESET = "\x1b[0;31m", "\x1b[1m", "\x1b[0m"
PACKAGE = Path(__file__).resolve().parents[1]  # bp2yolo/
LIBRARIES = tuple(
    str(Path(sysconfig.get_paths()[key]).resolve()) for key in ("stdlib", "purelib", "platlib")
)

F = TypeVar("F", bound=Callable[..., Any])


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
    if isinstance(exc, NotImplementedError) and mine:
        head = (
            f"{mine[-1].name} is not written yet: replace `raise NotImplementedError()` with "
            "your code."
        )
        return [RED + line + RESET for line in wrap(head)] + _frame_lines(mine[-1])[:1]
    head = f"Your code raised {type(exc).__name__}:"
    lines = [RED + line + RESET for line in wrap(head)]
    for frame in mine:
        lines += _frame_lines(frame)
    return [*lines, *wrap(type(exc).__name__ + (f": {exc}" if str(exc) else ""))]


def check(function: F) -> F:
    """Decorate a check that receives the learner's code, e.g. check_linear_model(linear_model).

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
