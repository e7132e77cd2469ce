"""The `spawn` effect (`portplan run`): starts the command the core chose with its variables over
this process' environment, stdio inherited, passes on exactly the signals the effect lists while
the command runs, and reports how it ended."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from ._os_error import os_error

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from types import FrameType
    from typing import Any, Optional, Union

    Handler = Union[signal.Handlers, int, Any, None]


def spawn(argv: Sequence[str], env: Mapping[str, str], forward: Sequence[str]) -> Mapping[str, Any]:
    """`{"did": "exit", "code": N}`, `{"signal": "SIGTERM"}`, or the error that kept it from starting."""
    full_env = {**os.environ, **env}
    command = list(argv)
    if os.name == "nt":
        # CreateProcess runs only .exe files by name: `npx`, `vite` are .cmd shims found by PATHEXT.
        import shutil

        found = shutil.which(command[0], path=full_env.get("PATH"))
        if found is None:
            return {"did": "exit", "error": {"code": "ENOENT", "reason": "command not found"}}
        command[0] = found
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()  # what portplan printed comes before what the command prints
    try:
        child = subprocess.Popen(command, env=full_env)  # a list: no shell, nothing injected
    except OSError as error:
        return {"did": "exit", "error": os_error(error)}
    previous = _pass_on(child, forward)
    try:
        code = child.wait()
    finally:
        _restore(previous)
    if code < 0:
        return {"did": "exit", "signal": signal.Signals(-code).name}
    return {"did": "exit", "code": code}


def _pass_on(child: subprocess.Popen[bytes], forward: Sequence[str]) -> dict[int, Handler]:
    """Installs the handlers that pass `forward`'s signals on to `child`; Ctrl-C not among them
    reached the child from the terminal already, and must not stop this process before it.
    Only the main thread may set handlers: elsewhere the signals keep their handlers."""

    def pass_on(signum: int, frame: Optional[FrameType]) -> None:
        if child.poll() is None:
            if os.name == "nt":
                child.terminate()  # Windows has no signals to send a process but termination
            else:
                child.send_signal(signum)

    def wait_for_the_child(signum: int, frame: Optional[FrameType]) -> None:
        pass

    wanted: dict[int, Any] = {}
    for name in forward:
        number = getattr(signal, name, None)
        if number is not None:
            wanted[int(number)] = pass_on
    wanted.setdefault(int(signal.SIGINT), wait_for_the_child)
    previous: dict[int, Handler] = {}
    try:
        for number, handler in wanted.items():
            previous[number] = signal.signal(number, handler)
    except ValueError:  # not the main thread
        pass
    return previous


def _restore(previous: Mapping[int, Handler]) -> None:
    for number, handler in previous.items():
        signal.signal(number, handler if handler is not None else signal.SIG_DFL)
