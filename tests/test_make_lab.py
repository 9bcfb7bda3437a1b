"""`make lab` is a learner's JupyterLab: it serves the learner's workspace (their copies of the
lessons and assignments), opens lesson 00, and has none of nbgrader's instructor tools.
`make formgrader` is the instructor's: the repository, this course's gradebook, the formgrader.

The servers run with a throwaway JUPYTER_CONFIG_DIR (so neither the user's own Jupyter config
nor a test's plugin toggle counts) and, for `make lab`, a throwaway workspace (LAB_WORKSPACE).
"""

import json
import os
import signal
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import chapters
import pytest
from labserver import Client, free_port, serve, wait_for_port

ROOT = Path(__file__).resolve().parents[1]
LEARNER = ROOT / "jupyter" / "learner"
INSTRUCTOR_PLUGINS = {f"@jupyter/nbgrader:{p}" for p in
                      ["formgrader", "create-assignment", "course-list", "assignment-list", "menu"]}


def dry_run(target: str) -> str:
    return subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout


def test_allow_root_only_as_root():
    out = dry_run("lab")
    assert ("--allow-root" in out) == (os.geteuid() == 0)
    assert "course/00_start_here.ipynb" in out


def test_make_lab_uses_the_learner_config_and_serves_the_workspace():
    out = dry_run("lab")
    assert f'JUPYTER_CONFIG_PATH="{LEARNER}"' in out
    assert f'--ServerApp.root_dir="{ROOT / "workspace"}"' in out
    assert f'tools/workspace.py --workspace "{ROOT / "workspace"}"' in out
    ignored = subprocess.run(["git", "check-ignore", "-q", "workspace/course/x.ipynb"], cwd=ROOT)
    assert ignored.returncode == 0, "workspace/ must be git-ignored"


def test_learner_config_locks_the_instructor_tools_and_keeps_validate():
    page = json.loads((LEARNER / "labconfig" / "page_config.json").read_text())
    for key in "disabledExtensions", "lockedExtensions":
        assert {k for k, v in page[key].items() if v} == INSTRUCTOR_PLUGINS
    server = json.loads((LEARNER / "jupyter_server_config.d" / "bp2yolo_learner.json").read_text())
    extensions = server["ServerApp"]["jpserver_extensions"]
    prefix = "nbgrader.server_extensions."
    assert extensions == {prefix + "formgrader": False, prefix + "assignment_list": False,
                          prefix + "course_list": False, prefix + "validate_assignment": True}


def test_make_formgrader_enables_the_formgrader_on_this_course():
    out = dry_run("formgrader")
    assert f'JUPYTER_CONFIG_PATH="{ROOT / "grading"}"' in out
    assert f'--ServerApp.root_dir="{ROOT}"' in out
    assert "--ServerApp.jpserver_extensions=nbgrader.server_extensions.formgrader=True" in out
    assert "--LabApp.default_url=/formgrader" in out
    assert str(LEARNER) not in out


@pytest.fixture
def isolated(tmp_path):
    (tmp_path / "config").mkdir()
    return {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
            "LAB_WORKSPACE": str(tmp_path / "workspace")}


@pytest.mark.slow
def test_make_lab_serves_the_workspace_without_instructor_tools(isolated):
    workspace = Path(isolated["LAB_WORKSPACE"])
    with serve(env=isolated) as lab:
        assert f"127.0.0.1:{lab.port}/lab/tree/course/00_start_here.ipynb?token=" in lab.url
        assert urllib.request.urlopen(lab.url, timeout=10).status == 200  # the URL as printed
        assert str(workspace) in lab.printed  # it says where the learner's work lives
        client = Client(lab.port, lab.token)

        # The served tree is the workspace, and every lesson and assignment is served from it.
        config = client.page_config()
        assert config["serverRoot"] == str(workspace)
        assert {item["name"] for item in client.json("/api/contents")["content"]} == {
            "course", "assignments"}
        for path in chapters.lessons() + chapters.releases():
            rel = path.relative_to(ROOT).as_posix()
            model = client.json(f"/api/contents/{rel}")
            assert model["type"] == "notebook"
            copy = json.loads((workspace / rel).read_text())
            assert model["content"]["metadata"] == copy["metadata"]  # the kernel's, filled in
            assert [c["id"] for c in model["content"]["cells"]] == [c["id"] for c in copy["cells"]]
            assert client.status(f"/lab/tree/{rel}") == 200

        # No "get notified about Jupyter news?" prompt for learners (and no feed fetched).
        assert config["news"] == {"disabled": True}
        notification = client.json("/lab/api/settings/@jupyterlab/apputils-extension:notification")
        assert notification["schema"]["properties"]["fetchNews"]["default"] == "false"

        # nbgrader's instructor tools are off and locked; Validate stays.
        assert INSTRUCTOR_PLUGINS <= set(config["disabledExtensions"])
        assert INSTRUCTOR_PLUGINS <= set(client.json("/lab/api/plugins")["lockRules"])
        enable = {"cmd": "enable", "plugin_name": "@jupyter/nbgrader:formgrader"}
        assert client.status("/lab/api/plugins", enable) == 500  # locked: refused
        assert client.status("/formgrader") == 404
        assert client.status("/assignments") == 404  # assignment_list's handler
        assert client.status("/assignments/validate") == 405  # validate_assignment (POST only)


@pytest.mark.slow
def test_make_formgrader_serves_this_courses_formgrader(isolated):
    port, token = free_port(), "formgrader-test"
    args = f"--port={port} --ip=127.0.0.1 --no-browser --IdentityProvider.token={token}"
    process = subprocess.Popen(["make", "formgrader", f"LAB_ARGS={args}"], cwd=ROOT,
                               env=isolated, text=True, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_port(port, process, "make formgrader", timeout=60)
        client = Client(port, token)
        assert client.page_config()["serverRoot"] == str(ROOT)
        # /formgrader redirects to its assignment list, whose page names this course.
        page = client.request("/formgrader")
        assert page.url.endswith("/formgrader/manage_assignments")
        assert "bp2yolo" in page.read().decode()  # course_id from grading/nbgrader_config.py
        assert client.status("/assignments/validate") == 405
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
