"""One end of the grader <-> sandbox channel: JSON lines over two pipes (see wire.py).

A request is {"id": N, "op": ..., ...}; its reply is {"re": N, "value": ...} or
{"re": N, "error": {"type", "message"}}. While an end waits for its reply it serves the other
end's requests (a submission's function calling back a function the grader passed it, for
example), so calls nest both ways. Each end keeps its own objects in a table; the other end
holds only their ids (handles).
"""

from __future__ import annotations

import itertools
import os
import select
import time
from collections.abc import Callable, Iterator
from typing import Any

import wire


class ChannelClosed(EOFError):
    """The other end has gone (the sandbox died, or was killed)."""


class ChannelTimeout(TimeoutError):
    """No reply in time."""


class RemoteError(Exception):
    """The other end raised: `type` is its exception's class name, `message` its str()."""

    def __init__(self, type_name: str, message: str):
        super().__init__(message)
        self.type_name = type_name
        self.message = message


def walk(value: Any) -> Iterator[Any]:
    """The leaves of a value, in the order encode() writes them (containers looked into)."""
    if type(value) in (list, tuple):
        for item in value:
            yield from walk(item)
    elif type(value) is dict:
        for item in value.values():
            yield from walk(item)
    else:
        yield value


def rebuild(value: Any, leaf: Callable[[Any, int], Any], counter: Iterator[int] | None = None):
    """value with every leaf replaced by leaf(old, index), indices in walk() order."""
    counter = counter if counter is not None else itertools.count()
    if type(value) in (list, tuple):
        return type(value)(rebuild(v, leaf, counter) for v in value)
    if type(value) is dict:
        return {k: rebuild(v, leaf, counter) for k, v in value.items()}
    return leaf(value, next(counter))


class Endpoint:
    """Requests out, replies in, and the other end's requests served in between."""

    def __init__(self, read_fd: int, write_fd: int, serve: Callable[[dict], Any]):
        self.read_fd = read_fd
        self.buffer = bytearray()
        self.write_fd = write_fd
        self.serve = serve  # message -> reply value (encoded), or raises
        self.ids = itertools.count(1)
        self.objects: dict[int, Any] = {}
        self.object_ids = itertools.count(1)

    # -- objects this end keeps for the other
    def keep(self, obj: Any) -> int:
        n = next(self.object_ids)
        self.objects[n] = obj
        return n

    def lookup(self, handle: dict) -> Any:
        n = handle.get("id")
        if type(n) is not int or n not in self.objects:
            raise wire.WireError(f"no object {n!r} here")
        return self.objects[n]

    # -- the channel
    def send(self, message: dict) -> None:
        data = wire.dumps(message)
        view = memoryview(data)
        while view:
            n = os.write(self.write_fd, view)
            view = view[n:]

    def receive(self, timeout: float | None) -> dict:
        """The next message: one line, read from the raw pipe (a line already buffered here is
        returned without waiting, so select() never waits on data that has arrived)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self.buffer:
            if len(self.buffer) > wire.MAX_MESSAGE:
                raise wire.WireError(f"a message over {wire.MAX_MESSAGE} bytes")
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self.read_fd], [], [], left)[0]:
                    raise ChannelTimeout(f"no answer in {timeout:g} s")
            chunk = os.read(self.read_fd, 1 << 20)
            if not chunk:
                raise ChannelClosed("the other end closed the channel")
            self.buffer += chunk
        line, _, rest = bytes(self.buffer).partition(b"\n")
        self.buffer = bytearray(rest)
        return wire.loads(line)

    def request(self, op: str, timeout: float | None = None, **fields: Any) -> Any:
        """Send a request and return its reply's encoded value (serving nested requests); wait
        at most `timeout` seconds for each message (None: for ever)."""
        n = next(self.ids)
        self.send({"id": n, "op": op, **fields})
        while True:
            message = self.receive(timeout)
            if "re" in message:
                if message["re"] != n:
                    raise wire.WireError(f"a reply to {message['re']!r}, waiting for {n}")
                if "error" in message:
                    error = message["error"] if isinstance(message["error"], dict) else {}
                    raise RemoteError(str(error.get("type", "Error"))[:100],
                                      str(error.get("message", ""))[:4000])
                return message.get("value")
            self.answer(message)

    def answer(self, message: dict) -> None:
        """Serve one request from the other end and send its reply."""
        n = message.get("id")
        try:
            reply = {"re": n, "value": self.serve(message)}
        except (ChannelClosed, ChannelTimeout):
            raise
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - every error is data, exits too
            # (any other BaseException, an interrupt or the grader's watchdog, goes on up)
            reply = {"re": n, "error": {"type": type(exc).__name__, "message": str(exc)[:4000]}}
        try:
            self.send(reply)
        except wire.WireError as exc:
            self.send({"re": n, "error": {"type": "WireError", "message": str(exc)}})
