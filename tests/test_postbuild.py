"""binder/postBuild locks nbgrader's instructor plugins, keeps Validate, makes the learner's
workspace and refuses CUDA torch; binder/start serves that workspace.

It runs here at the user level, against a throwaway JUPYTER_CONFIG_DIR that takes precedence over
the venv's own config (JUPYTER_PREFER_ENV_PATH=0), with the same commands Binder runs at the
sys_prefix level. What it installs is the learner config of `make lab`, jupyter/learner/: one
source of truth for Binder and a learner's own machine.
"""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import chapters
import pytest
from labserver import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
INSTRUCTOR = ["formgrader", "create-assignment", "course-list", "assignment-list", "menu"]
LEARNER = ROOT / "jupyter" / "learner"
POSTBUILD = ROOT / "binder" / "postBuild"


@pytest.fixture(scope="module")
def config_dir(tmp_path_factory):
    config = tmp_path_factory.mktemp("jupyter_config")
    workspace = tmp_path_factory.mktemp("binder") / "workspace"
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_PREFER_ENV_PATH": "0",
        "BP2YOLO_LEVEL": "user",
        "BP2YOLO_SKIP_INSTALL": "1",
        "BP2YOLO_WORKSPACE": str(workspace),
    }
    proc = subprocess.run(
        ["bash", str(POSTBUILD)], env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "CPU build" in proc.stdout
    return env


def test_binder_scripts_are_strict_and_executable():
    """repo2docker runs them only if they are executable (git keeps the mode)."""
    for script in POSTBUILD, ROOT / "binder" / "start":
        assert os.access(script, os.X_OK), script
        mode = subprocess.run(["git", "ls-files", "-s", str(script)], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.split()[:1]
        assert mode == ["100755"], f"{script.name} must be committed executable: {mode}"
        assert "set -euo pipefail" in script.read_text()
    assert "torch.version.cuda" in POSTBUILD.read_text()


def test_postbuild_makes_the_learners_workspace(config_dir):
    """The same copies `make lab` makes: every lesson and released assignment, with metadata."""
    workspace = Path(config_dir["BP2YOLO_WORKSPACE"])
    for path in [*chapters.lessons(), *chapters.releases()]:
        assert (workspace / path.relative_to(ROOT)).is_file(), path
    assert (workspace / ".bp2yolo-workspace.json").is_file()


def test_start_serves_the_workspace_and_runs_the_server_command(tmp_path):
    """binder/start cds into workspace/ (or stays in the repository without one), then execs
    "$@"."""
    binder = tmp_path / "repo" / "binder"
    binder.mkdir(parents=True)
    start = binder / "start"
    start.write_bytes((ROOT / "binder" / "start").read_bytes())

    def run() -> str:
        out = subprocess.run(["bash", str(start), "bash", "-c", 'pwd; echo "$0 $1"', "a", "b"],
                             cwd=tmp_path / "repo", capture_output=True, text=True, check=True)
        return out.stdout

    assert run() == f"{tmp_path / 'repo'}\na b\n"
    (tmp_path / "repo" / "workspace").mkdir()
    assert run() == f"{tmp_path / 'repo' / 'workspace'}\na b\n"


def test_instructor_plugins_disabled_and_locked_validate_kept(config_dir):
    out = subprocess.run(
        ["jupyter", "labextension", "list"],
        env=config_dir,
        capture_output=True,
        text=True,
        check=True,
    )
    text = out.stdout + out.stderr
    locked = text.split("plugins:")[1].split("locked")[0]
    disabled = text.split("Disabled extensions:")[1]
    for plugin in INSTRUCTOR:
        assert f"@jupyter/nbgrader:{plugin}" in locked
        assert f"@jupyter/nbgrader:{plugin}" in disabled
    assert "validate-assignment" not in locked and "validate-assignment" not in disabled


def test_postbuild_installs_the_learner_config(config_dir):
    installed = Path(config_dir["JUPYTER_CONFIG_DIR"])
    server = "jupyter_server_config.d/bp2yolo_learner.json"
    # zz_: it must sort after nbgrader's own nbgrader.json when both lie in sys.prefix's config.
    assert (installed / "jupyter_server_config.d/zz_bp2yolo_learner.json").read_bytes() == (
        LEARNER / server).read_bytes()
    page = json.loads((installed / "labconfig/page_config.json").read_text())
    learner = json.loads((LEARNER / "labconfig/page_config.json").read_text())
    for key in "disabledExtensions", "lockedExtensions":
        assert page[key] == learner[key]
    for name in "nbgrader_config.py", "jupyter_lab_config.json":  # Validate's; JupyterLab's
        assert (installed / name).read_bytes() == (LEARNER / name).read_bytes(), name
    overrides = installed / "lab/settings/overrides.json"  # at the user level the tests use
    assert overrides.read_bytes() == (LEARNER / "settings/overrides.json").read_bytes()


@pytest.mark.slow
def test_server_serves_validate_but_not_formgrader(config_dir, tmp_path):
    port = free_port()
    args = [
        "jupyter",
        "server",
        f"--port={port}",
        "--ip=127.0.0.1",
        "--IdentityProvider.token=t",
        "--ServerApp.open_browser=False",
        f"--ServerApp.root_dir={tmp_path}",
    ]
    if os.geteuid() == 0:
        args.append("--allow-root")
    server = subprocess.Popen(
        args, env=config_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:

        def status(path: str) -> int:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{path}", headers={"Authorization": "token t"}
            )
            try:
                return urllib.request.urlopen(request, timeout=5).status
            except urllib.error.HTTPError as err:
                return err.code

        wait_for_port(port, server, "jupyter server")
        assert status("/api/status") == 200
        assert status("/formgrader") == 404
        assert status("/assignments") == 404  # assignment_list's handler
        assert status("/assignments/validate") == 405  # validate_assignment answers (POST only)
    finally:
        server.terminate()
        server.wait(timeout=20)
