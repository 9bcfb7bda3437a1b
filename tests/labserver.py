"""Start `make lab` for a test and wait until it really serves (never sleep and hope).

jupyter_server prints its URL before its IO loop binds the port, so `serve()` waits for both:
the printed URL, then a port that accepts connections; it fails at once if `make lab` exits.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import selectors
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Lab:
    process: subprocess.Popen
    port: int
    token: str
    url: str  # the URL make lab printed
    printed: str  # everything it printed up to the URL

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


@contextlib.contextmanager
def serve(*lab_args: str, env: dict | None = None, timeout: float = 90) -> Iterator[Lab]:
    """`make lab` on a free port, no browser; yields once the printed URL answers."""
    port = free_port()
    args = " ".join([f"--port={port}", "--ip=127.0.0.1", "--no-browser", *lab_args])
    process = subprocess.Popen(
        ["make", "lab", f"LAB_ARGS={args}"], cwd=ROOT, text=True, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        printed, match = "", None
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while match is None and time.monotonic() < deadline and process.poll() is None:
            if selector.select(timeout=1):
                printed += process.stdout.readline()
                match = re.search(rf"http://127\.0\.0\.1:{port}/\S*token=(\w+)", printed)
        assert match, f"make lab printed no URL:\n{printed}"
        wait_for_port(port, process, printed)
        # Keep reading what the server logs, or a full pipe would block it mid-test.
        threading.Thread(target=process.stdout.read, daemon=True).start()
        yield Lab(process, port, match.group(1), match.group(0), printed)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a server that ignores SIGTERM
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


class Client:
    """The server's HTTP API, logged in with its token."""

    def __init__(self, port: int, token: str):
        self.base, self.token = f"http://127.0.0.1:{port}", token

    def request(self, path: str, body: dict | None = None, timeout: float = 10):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data,
                                         headers={"Authorization": f"token {self.token}"})
        return urllib.request.urlopen(request, timeout=timeout)

    def status(self, path: str, body: dict | None = None) -> int:
        try:
            return self.request(path, body).status
        except urllib.error.HTTPError as err:
            return err.code

    def json(self, path: str, body: dict | None = None, timeout: float = 10):
        return json.load(self.request(path, body, timeout))

    def page_config(self) -> dict:
        html = self.request("/lab").read().decode()
        return json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', html,
                                    re.S).group(1))
