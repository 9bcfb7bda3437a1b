"""`make lab` starts JupyterLab on the first lesson, prints the URL, and serves every lesson."""

import json
import os
import re
import selectors
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import chapters
import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_allow_root_only_as_root():
    out = subprocess.run(["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    assert ("--allow-root" in out) == (os.geteuid() == 0)
    assert "course/00_start_here.ipynb" in out


def wait_for_port(port: int, lab: subprocess.Popen, printed: str, timeout: float = 30) -> None:
    """Return once 127.0.0.1:port accepts connections; fail if lab exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert lab.poll() is None, f"make lab exited with {lab.returncode}:\n{printed}"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"make lab printed its URL but port {port} never opened:\n{printed}")


@pytest.mark.slow
def test_make_lab_serves_the_course():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = f"--port={port} --ip=127.0.0.1 --no-browser"
    lab = subprocess.Popen(["make", "lab", f"LAB_ARGS={args}"], cwd=ROOT, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           start_new_session=True)
    try:
        printed, url = "", None
        selector = selectors.DefaultSelector()
        selector.register(lab.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline and lab.poll() is None:
            if selector.select(timeout=1):
                printed += lab.stdout.readline()
                match = re.search(rf"http://127\.0\.0\.1:{port}/\S*token=(\w+)", printed)
                url = match and match.group(0)
        assert url, f"make lab printed no URL:\n{printed}"
        assert f"127.0.0.1:{port}/lab/tree/course/00_start_here.ipynb?token=" in url
        token = match.group(1)
        # jupyter_server prints the URL, then binds its port once its IO loop runs: a learner
        # who clicks a moment later gets the page, so wait (briefly) for the port to open.
        wait_for_port(port, lab, printed)
        assert urllib.request.urlopen(url, timeout=10).status == 200  # the URL as printed

        def get(path: str):
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                             headers={"Authorization": f"token {token}"})
            return urllib.request.urlopen(request, timeout=10)

        lessons = [p.name for p in chapters.lessons()]
        assert lessons[:2] == ["00_start_here.ipynb", "01_chain_rule.ipynb"]
        for name in lessons:
            model = json.load(get(f"/api/contents/course/{name}"))
            assert model["type"] == "notebook" and model["content"]["cells"]
            assert get(f"/lab/tree/course/{name}").status == 200
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(timeout=30)
