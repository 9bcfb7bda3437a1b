"""The grader's side of a sandboxed submission (grading/remote.py): what a proxy forwards, what
it keeps, and what happens when the submission misbehaves.

  - comparisons and truth of a proxy are the grader's: an object whose __eq__ says True equals
    nothing here;
  - in-place changes show on the grader's arguments, and an entry the call replaced is replaced
    here too (so "updated in place" stays checkable);
  - autograd goes through the submission's code: backward() on its result fills the grader's
    .grad, also on the meta device; portable functions are rebuilt inside, where autograd can
    follow them; other functions of the grader are called back with data;
  - exceptions come back with their type and message; SystemExit inside a call is an error;
  - a call that never returns, a dead sandbox, or garbage on the channel end the submission
    (SubmissionGone, which no `except Exception` in a test swallows), and nothing is left.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "grading")]
import remote  # noqa: E402
import sandbox  # noqa: E402

from bp2yolo.checks import portable  # noqa: E402

pytestmark = pytest.mark.skipif(sandbox.probe() is not None, reason=str(sandbox.probe()))

SOURCE = '''
import numpy as np
import torch

class Liar:
    def __eq__(self, other):
        return True
    __ne__ = __lt__ = __gt__ = __le__ = __ge__ = __eq__
    def __bool__(self):
        return False

def liar():
    return Liar()

def double_in_place(x):
    x *= 2

def replace_entry(params):
    params["W"] = params["W"] - 1.0
    params["b"] -= 1.0
    params["new"] = 1

def append(items):
    items.append(3)

def square_sum(t):
    return (t ** 2).sum(), {"copy": t * 3}

def second(f, x):
    x = x.detach().requires_grad_(True)
    (first,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)
    (out,) = torch.autograd.grad(first.sum(), x)
    return out

def call_back(f, x):
    return f(x) + 1

def fail():
    raise ValueError("shapes (2,) and (3,) differ")

class ShapeMismatch(Exception):
    pass

def fail_custom():
    raise ShapeMismatch("mine")

def leave():
    raise SystemExit(3)

class Value:
    def __init__(self, data):
        self.data = data
        self.grad = 0.0
    def __mul__(self, other):
        return Value(self.data * other.data)
'''


@pytest.fixture(scope="module")
def sub(tmp_path_factory):
    with remote.Submission.start(tmp_path_factory.mktemp("empty")) as running:
        output, error = running.exec(SOURCE)
        assert error is None, output
        yield running


def test_comparisons_and_truth_stay_with_the_grader(sub):
    lie = sub.get("liar")()
    assert isinstance(lie, remote.Remote)
    assert not (lie == 1) and lie != 1 and lie == lie  # noqa: SIM201, PLR0124
    assert bool(lie) is True  # the object's own __bool__ (False) is not asked
    with pytest.raises(TypeError):
        lie < 1  # noqa: B015
    with pytest.raises((TypeError, ValueError)):
        np.testing.assert_allclose(lie, 1.0)


def test_in_place_changes_and_replacements_show_here(sub):
    x = np.arange(3.0)
    sub.get("double_in_place")(x)
    assert x.tolist() == [0.0, 2.0, 4.0]
    W, b = np.ones(2), np.ones(2)
    params = {"W": W, "b": b}
    sub.get("replace_entry")(params)
    assert params["W"] is not W and params["W"].tolist() == [0.0, 0.0]  # replaced: a new array
    assert params["b"] is b and b.tolist() == [0.0, 0.0]  # changed in place: the same array
    assert params["new"] == 1
    items = [1, 2]
    sub.get("append")(items)
    assert items == [1, 2, 3]


def test_autograd_goes_through_the_submissions_code(sub):
    t = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64, requires_grad=True)
    total, extra = sub.get("square_sum")(t)
    assert total.grad_fn is not None and extra["copy"].grad_fn is not None
    (total + extra["copy"].sum()).backward()
    assert t.grad.tolist() == [2 * 1.0 + 3, 2 * -2.0 + 3, 2 * 3.0 + 3]
    meta = torch.empty(2, 3, device="meta", requires_grad=True)
    total, _ = sub.get("square_sum")(meta)
    total.backward()
    assert meta.grad.shape == (2, 3) and meta.grad.device.type == "meta"


def test_portable_functions_run_inside_and_others_are_called_back(sub):
    x = torch.tensor([0.5, 2.0], dtype=torch.float64)
    got = sub.get("second")(portable("lambda t: c * t**3", c=2.0), x)
    assert torch.allclose(got, 12.0 * x)
    seen = []
    assert sub.get("call_back")(lambda v: seen.append(v) or v * 10, 4.0) == 41.0
    assert seen == [4.0]


def test_exceptions_keep_their_type_and_message(sub):
    with pytest.raises(ValueError, match=r"shapes \(2,\) and \(3,\) differ"):
        sub.get("fail")()
    with pytest.raises(remote.SubmissionError) as caught:
        sub.get("fail_custom")()
    assert type(caught.value).__name__ == "ShapeMismatch" and str(caught.value) == "mine"
    with pytest.raises(remote.SubmissionError, match="3"):
        sub.get("leave")()  # SystemExit in a call is the call's error, not the end
    with pytest.raises(NameError):
        sub.get("not_defined")


def test_objects_stay_in_the_sandbox(sub):
    Value = sub.get("Value")
    a, b = Value(2.0), Value(3.5)
    c = a * b
    assert isinstance(c, Value) and not isinstance(2.0, Value)
    assert c.data == 7.0 and type(c.data) is float
    c.grad = 1.5
    assert c.grad == 1.5
    assert Value.__name__ == "Value"


@pytest.mark.parametrize("source, reason", [
    ("while True:\n    pass", "timeout"),
    ("import os\nos._exit(0)", "dead kernel"),
    ("import os\nfor fd in range(3, 64):\n    try:\n        os.write(fd, b'{\"re\": 99}\\n')\n"
     "    except OSError:\n        pass\nwhile True:\n    pass", "channel"),
])
def test_a_misbehaving_submission_is_gone_with_a_reason(tmp_path, source, reason):
    running = remote.Submission.start(tmp_path, limits=sandbox.Limits(wall_s=3))
    try:
        with pytest.raises(remote.SubmissionGone, match=reason):
            try:
                running.exec(source)
            except Exception:  # noqa: BLE001 - what a test's own handler would do
                pytest.fail("SubmissionGone must not be an Exception")
        with pytest.raises(remote.SubmissionGone):
            running.get("anything")
    finally:
        running.close()
    assert running.process.poll() is not None


def test_the_graders_own_stop_is_not_handed_to_the_submission(tmp_path):
    """A BaseException raised in the grader while it serves a callback (its watchdog, an
    interrupt) goes on up; it is not sent to the sandbox as the callback's error."""
    def stop(value):
        raise remote.SubmissionGone("timeout (the test's own computation)")

    with remote.Submission.start(tmp_path) as running:
        running.exec("def call_back(f, x):\n    try:\n        return f(x)\n"
                     "    except BaseException:\n        return 'swallowed'")
        with pytest.raises(remote.SubmissionGone, match="own computation"):
            running.get("call_back")(stop, 1.0)


def test_the_sandbox_sees_only_the_runner_of_the_graders_code(sub):
    output, error = sub.exec(
        "import os\nprint(sorted(os.listdir('/grader')), os.path.exists("
        f"{str(ROOT / 'grading' / 'course.py')!r}), os.path.exists({str(ROOT / 'solutions')!r}))")
    assert error is None
    assert output.strip().replace("'__pycache__', ", "") == \
        "['rpc.py', 'runner.py', 'wire.py'] False False"


@pytest.mark.parametrize("where", ["main thread", "a worker's thread"])
def test_the_watchdog_stops_the_graders_own_computation_in_any_thread(where):
    """A test cell's own loop (its length from the submission's data, say) is cut off by the
    watchdog: by SIGALRM in the main thread, by an exception raised in the thread otherwise
    (Dask workers run their jobs in threads); once it has passed, nothing fires later."""
    import threading
    import time

    import trusted

    def long_loop() -> str:
        try:
            with trusted.watchdog(0.2):
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    pass
        except trusted.TestTimeout as exc:
            return exc.reason
        return "not stopped"

    def quick() -> str:
        with trusted.watchdog(0.2):
            pass
        time.sleep(0.5)  # past the watchdog's time: nothing may be raised now
        return "quiet"

    outcome: dict[str, str] = {}
    if where == "main thread":
        outcome = {"long": long_loop(), "quick": quick()}
    else:
        threads = [threading.Thread(target=lambda k=k, f=f: outcome.__setitem__(k, f()))
                   for k, f in (("long", long_loop), ("quick", quick))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert outcome == {"long": "timeout (the test's own computation)", "quick": "quiet"}
