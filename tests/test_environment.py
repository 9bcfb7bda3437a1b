"""One pinned environment: requirements.txt (pip), constraints.txt and environment.yml agree."""

import re
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONDA_TO_PIP = {"pytorch-cpu": "torch", "playwright-python": "playwright"}
NOT_PINNED_IN_CONDA = {"python", "pip"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path, sep: str) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        name, _, version = line.partition(sep)
        out[canonical(name)] = version
    return out


def conda_pins() -> dict[str, str]:
    out, in_deps = {}, False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        if line.startswith("dependencies:"):
            in_deps = True
            continue
        if in_deps and line.strip().startswith("- "):
            spec = line.strip()[2:].strip()
            name, _, version = spec.partition("=")
            out[CONDA_TO_PIP.get(name, canonical(name))] = version
        elif in_deps and line and not line.startswith(" "):
            in_deps = False
    return out


def test_every_requirement_is_pinned_exactly():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.+-]*", line), line


def test_conda_and_pip_pin_the_same_versions():
    pip, conda = pins(ROOT / "requirements.txt", "=="), conda_pins()
    assert conda.pop("python") == "3.11"
    assert conda.pop("pip") == ""
    assert conda == pip


def test_conda_environment_is_cpu_only_from_conda_forge():
    text = (ROOT / "environment.yml").read_text()
    assert "- pytorch-cpu=" in text and "- pytorch=" not in text and "cuda" not in text.lower()
    channels = re.search(r"channels:\n((?:\s+- .*\n)+)", text).group(1).split()
    assert [c for c in channels if c != "-"] == ["conda-forge", "nodefaults"]


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
    table = dict(re.findall(r"^\| ([a-z_]+)(?: \(CPU\))? \| ([0-9][0-9.]*) \|$", readme, re.M))
    assert {canonical(k): v for k, v in table.items()} == pins(ROOT / "requirements.txt", "==")
