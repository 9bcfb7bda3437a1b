"""grading/sandbox.py: what a submission's code can and cannot do inside the sandbox (issue 11, 1).

Each test runs a few lines of Python in a sandbox whose submission is alice's folder in a made-up
course next to it (solutions/, grading/, bob's folder), and checks what the host sees afterwards.
"""

import errno
import os
import socket
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "grading"))
import sandbox  # noqa: E402

pytestmark = pytest.mark.skipif(sandbox.probe() is not None,
                                reason=f"no sandbox here: {sandbox.probe()}")
FAST = sandbox.Limits(wall_s=60)


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A course folder: solutions/, grading/ with a gradebook, two students' submissions."""
    for rel, text in {
        "solutions/01/answer.py": "SECRET_SOLUTION = 42\n",
        "grading/gradebook.db": "SECRET_GRADEBOOK\n",
        "grading/nbgrader_config.py": "SECRET_CONFIG = 1\n",
        "grading/submitted/alice/01/01.ipynb": "alice's notebook\n",
        "grading/submitted/bob/01/01.ipynb": "SECRET_BOB\n",
    }.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def alice(course: Path) -> Path:
    return course / "grading" / "submitted" / "alice" / "01"


def py(course: Path, code: str, limits: sandbox.Limits = FAST, **kw) -> sandbox.Result:
    """Run `code` with the course's Python in alice's sandbox."""
    return sandbox.run([sys.executable, "-c", textwrap.dedent(code)], alice(course), limits, **kw)


def processes_in(namespace: str) -> list[int]:
    """Host PIDs of the live processes in a PID namespace. Not zombies: the sandbox's init, dead,
    is bwrap's orphan and waits for the host's init to reap it."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                state = (entry / "stat").read_text().rpartition(")")[2].split()[0]
                if os.readlink(entry / "ns" / "pid") == namespace and state != "Z":
                    pids.append(int(entry.name))
            except OSError:
                pass  # gone meanwhile
    return pids


def test_reads_its_own_submission_and_nothing_else_of_the_host(course):
    secrets = [course / "solutions/01/answer.py", course / "grading/gradebook.db",
               course / "grading/nbgrader_config.py", course / "grading/submitted/bob/01/01.ipynb",
               ROOT / "grading/course.py", next(ROOT.glob("solutions/*/*.ipynb")),
               Path.home() / ".bashrc", Path("/etc/passwd"), Path("/etc/shadow")]
    result = py(course, f"""
        import os
        print(open("01.ipynb").read(), end="")  # its own notebook, in its working folder
        for path in {[str(p) for p in secrets]!r} + ["../bob/01/01.ipynb", "/submission/../bob"]:
            try:
                open(path).read()
                print("READ", path)
            except OSError as exc:
                print("refused", exc.errno)
        print(sorted(os.listdir(".")))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("alice's notebook\n")
    assert "READ" not in result.stdout and "SECRET" not in result.stdout
    assert result.stdout.count("refused") == len(secrets) + 2
    assert result.stdout.rstrip().endswith("['01.ipynb']")


def test_writes_only_to_scratch_which_vanishes(course):
    token = f"scratch-{uuid.uuid4().hex}"
    targets = ["01.ipynb", "/submission/new", f"{sys.prefix}/new", "/usr/new", "/new",
               f"{ROOT}/bp2yolo/new.py", "/root/new"]
    result = py(course, f"""
        for path in {targets!r}:
            try:
                open(path, "a").write("x")
                print("WROTE", path)
            except OSError as exc:
                print("refused", exc.errno)
        open("/tmp/{token}", "w").write("scratch")
        print(open("/tmp/{token}").read())
    """)
    assert result.returncode == 0, result.stderr
    assert "WROTE" not in result.stdout and result.stdout.count("refused") == len(targets)
    assert result.stdout.rstrip().endswith("scratch")
    assert not (Path("/tmp") / token).exists()
    assert (alice(course) / "01.ipynb").read_text() == "alice's notebook\n"
    assert sorted(p.name for p in alice(course).iterdir()) == ["01.ipynb"]
    again = py(course, f"import os; print(os.path.exists('/tmp/{token}'))")
    assert again.stdout.strip() == "False"


def test_no_network_even_to_the_hosts_loopback(course):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.setblocking(False)
        port = server.getsockname()[1]
        socket.create_connection(("127.0.0.1", port), timeout=5).close()  # it does listen
        server.accept()[0].close()
        result = py(course, f"""
            import socket
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=5)
                print("CONNECTED")
            except OSError as exc:
                print("refused", exc.errno)
        """)
        with pytest.raises(BlockingIOError):
            server.accept()  # nobody connected from inside
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"refused {errno.ECONNREFUSED}"


def test_memory_hog_is_stopped(course):
    result = py(course, "x = bytearray(2 << 30)\nprint('ALLOCATED')",
                sandbox.Limits(wall_s=60, memory_bytes=512 << 20))
    assert result.returncode != 0 and "ALLOCATED" not in result.stdout
    assert "MemoryError" in result.stderr


def test_fork_bomb_is_bounded_and_leaves_no_process(course):
    """Every child stays alive (pause), so the count is the bound; they all die with the sandbox."""
    limits = sandbox.Limits(wall_s=60, processes=16)
    box = sandbox.start([sys.executable, "-c", textwrap.dedent("""
        import os, signal
        n = 0
        try:
            while True:
                if os.fork() == 0:
                    signal.pause()
                n += 1
        except OSError as exc:
            print(n, exc.errno, flush=True)
        input()  # wait until the test has counted
    """)], alice(course), limits, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    forked, err = box.process.stdout.readline().split()
    namespace = box.pid_namespace
    assert int(err) == errno.EAGAIN and 0 < int(forked) < limits.processes
    assert len(processes_in(namespace)) >= int(forked) + 2  # init, the bomb and its children
    box.process.communicate("\n")
    box.wait()
    assert processes_in(namespace) == []


def test_background_process_dies_with_the_sandbox(course):
    box = sandbox.start([sys.executable, "-c", textwrap.dedent(f"""
        import subprocess
        daemon = subprocess.Popen([{sys.executable!r}, "-c", "import signal; signal.pause()"],
                                  start_new_session=True)
        print(daemon.pid, flush=True)
    """)], alice(course), FAST, stdout=subprocess.PIPE, text=True)
    namespace = box.pid_namespace
    assert box.process.stdout.readline().strip().isdigit()
    assert box.wait() == 0
    assert processes_in(namespace) == []


def test_wall_time_kills_it_and_all_its_processes(course):
    result = py(course, "import signal; signal.pause()", sandbox.Limits(wall_s=1))
    assert result.timed_out and result.returncode != 0
    box = sandbox.start([sys.executable, "-c", "import os, signal; os.fork(); signal.pause()"],
                        alice(course), FAST)
    namespace = box.pid_namespace
    with pytest.raises(subprocess.TimeoutExpired):
        box.wait(timeout=1)
    box.kill()  # what run() does after the wall time
    assert namespace is not None and processes_in(namespace) == []


def test_cpu_time_limit(course):
    result = py(course, "while True: pass", sandbox.Limits(wall_s=60, cpu_s=1))
    assert not result.timed_out and result.returncode != 0


def test_runs_unprivileged(course):
    result = py(course, """
        import os
        status = dict(line.split(":\\t") for line in open("/proc/self/status").read().splitlines())
        print(os.getuid(), os.geteuid(), os.getgid(), os.getgroups(), status["CapEff"],
              status["CapPrm"], status["NoNewPrivs"])
    """)
    uid, euid, gid, groups, eff, prm, nnp = result.stdout.split(maxsplit=6)[:7]
    assert uid == euid == gid == str(sandbox.SANDBOX_UID) != "0", result.stderr
    assert groups == "[]" and int(eff, 16) == int(prm, 16) == 0 and nnp.strip() == "1"


def test_file_size_limit(course):
    result = py(course, """
        import errno
        try:
            with open("/tmp/big", "wb") as f:
                f.write(b"x" * (2 << 20))
            print("WROTE")
        except OSError as exc:
            print(exc.errno == errno.EFBIG)
    """, sandbox.Limits(wall_s=60, file_bytes=1 << 20))
    assert result.stdout.strip() == "True", result.stdout + result.stderr


def test_installed_numpy_torch_and_bp2yolo_import(course):
    result = py(course, """
        import numpy, torch, bp2yolo.checks
        print(numpy.__version__, torch.__version__.split("+")[0], float(torch.ones(3).sum()))
    """)
    import numpy
    import torch
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [numpy.__version__, torch.__version__.split("+")[0], "3.0"]


def test_probe_says_why_in_one_line(monkeypatch):
    sandbox.probe.cache_clear()
    try:
        monkeypatch.setattr(sandbox, "bwrap", lambda: Path("/nonexistent/bwrap"))
        why = sandbox.probe()
        assert why and "\n" not in why and why.startswith("cannot start bwrap"), why
    finally:
        monkeypatch.undo()
        sandbox.probe.cache_clear()
    assert sandbox.probe() is None
