"""One session (docs/host-protocol.md): the core runs a call as a machine that asks its host for
effects. The extension does every effect but four in Rust; this loop does those four: `sleep`,
`print`, `spawn` (in _spawn.py) and `listen` (by the caller's listener, for `bind`)."""

from __future__ import annotations

import json
import sys

from . import _native

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Callable, Optional, TextIO

    from ._schema import ReplyDone, Start

    Listen = Callable[[int, Optional[str]], ReplyDone]
    """Does a `listen` effect: starts the caller's server on the port (at the address)."""


def run(start: Start, listen: Optional[Listen] = None) -> dict[str, Any]:
    """Runs the session of `start` to its end: its answer, as JSON (`{"error": ...}` included;
    _calls.py types each call's)."""
    session = _native.Session(json.dumps(start))
    reply: Optional[str] = None
    try:
        while True:
            step: Mapping[str, Any] = json.loads(session.step(reply))
            if "done" in step:
                answer: dict[str, Any] = step["done"]
                return answer
            reply = json.dumps(_do(step, listen))
    except BaseException:
        # Stopped early (Ctrl-C, a bug): dropped now rather than with the traceback, so the
        # extension releases the session's locks at once.
        del session
        raise


def _do(effect: Mapping[str, Any], listen: Optional[Listen]) -> Mapping[str, Any]:
    kind = effect["do"]
    if kind == "sleep":
        import time

        time.sleep(effect["ms"] / 1000)
        return {"did": "done"}
    if kind == "print":
        return _print(sys.stdout if effect["stream"] == "stdout" else sys.stderr, effect["text"])
    if kind == "spawn":
        from ._spawn import spawn

        return spawn(effect["argv"], effect["env"], effect["forward"])
    if kind == "listen":
        if listen is None:
            return {"did": "done", "error": {"code": "ENOTSUP", "reason": "this call starts no server"}}
        return listen(effect["port"], effect.get("host"))
    raise RuntimeError(f"portplan's extension left the effect {kind!r} to Python; please report it")


def _print(stream: Optional[TextIO], text: str) -> Mapping[str, Any]:
    if stream is None:  # pythonw: no console
        return {"did": "done"}
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:  # the reader went away (portplan ls | head -1): not our failure
        _to_devnull(stream)
        return {"did": "done", "error": {"code": "EPIPE", "reason": "broken pipe"}}
    return {"did": "done"}


def _to_devnull(stream: TextIO) -> None:
    """Points a closed pipe's descriptor at the null device, so the interpreter's last flush
    at exit does not fail on it again (Python's documented way for SIGPIPE)."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
