"""How a failing check reads in a notebook: the hint first, no package internals.

    HintError      an answer is wrong; in a notebook it shows as the hint alone, wrapped
    require        raise HintError(hint) unless a condition holds
    check          decorator for a check that receives the learner's code (check_x(x))
    wrap(text)     text hard-wrapped to WIDTH columns, so no output is cut off at the edge

IPython renders an exception with a `_render_traceback_` method through that method instead of
its usual traceback. A HintError uses it to show only its message, wrapped; `check` gives an
exception raised inside the learner's code one that shows only the learner's own frames (never
bp2yolo's, numpy's or torch's), headed by a line naming the check. Outside IPython (pytest,
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
from typing import Any, TypeVar

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

    check: the name of the check that raised it (set by @check), shown before the hint.
    """

    check: str | None = None

    def _render_traceback_(self) -> list[str]:
        where = f"{self.check} failed: " if self.check else ""
        lines = wrap(f"HintError: {where}{self}")
        return [RED + lines[0].replace("HintError", BOLD + "HintError" + RESET + RED, 1) + RESET,
                *lines[1:]]


def require(condition: bool, hint: str) -> None:
    """Raise HintError(hint) unless `condition` holds: a check's assert, with a hint."""
    if not condition:
        raise HintError(hint)


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


def _frame_lines(frame: traceback.FrameSummary) -> list[str]:
    text = frame.line or linecache.getline(frame.filename, frame.lineno or 0).strip()
    where = f"  {_cell_name(frame.filename)}, line {frame.lineno}, in {frame.name}"
    return [where, f"    {text}"] if text else [where]


def learners_traceback(
    exc: BaseException, check: str, frames: list[traceback.FrameSummary]
) -> list[str]:
    """The lines a notebook shows for `exc`, raised inside the learner's code under `check`.

    frames: the traceback from the check down to the error; only the learner's frames show.
    """
    mine = [f for f in frames if _is_learners(f.filename)]
    if isinstance(exc, NotImplementedError) and mine:
        head = (
            f"{check} failed: {mine[-1].name} is not written yet: replace "
            "`raise NotImplementedError()` with your code."
        )
        return [RED + line + RESET for line in wrap(head)] + _frame_lines(mine[-1])[:1]
    head = f"{check} failed: your code raised {type(exc).__name__}:"
    lines = [RED + line + RESET for line in wrap(head)]
    for frame in mine:
        lines += _frame_lines(frame)
    return [*lines, *wrap(type(exc).__name__ + (f": {exc}" if str(exc) else ""))]


def check(function: F) -> F:
    """Decorate a check that receives the learner's code, e.g. check_linear_model(linear_model).

    A HintError it raises names the check; any other exception (raised inside the learner's
    function) renders in IPython as a line naming the check and the learner's frames only. The
    exception itself, its type and message are unchanged.
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
                frames = traceback.extract_tb(exc.__traceback__)  # from here down to the error
                exc._render_traceback_ = functools.partial(  # type: ignore[attr-defined]
                    learners_traceback, exc, function.__name__, frames
                )
            raise

    return run_check  # type: ignore[return-value]
