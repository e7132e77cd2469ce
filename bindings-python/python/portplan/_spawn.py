"""The `spawn` effect (`portplan run`): starts the command the core chose with its variables over
this process' environment, stdio inherited, passes on exactly the signals the effect lists while
the command runs, and reports how it ended."""

from __future__ import annotations

import ntpath
import os
import re
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
        if found.lower().endswith((".exe", ".com")):
            command[0] = found
        else:
            # A .cmd/.bat shim (npx, vite, pnpm): only cmd.exe runs it, and cmd reads its own
            # metacharacters in the arguments, so the line is escaped for cmd as cross-spawn
            # (the Node host's library) escapes it, and passed to CreateProcess verbatim.
            return _run(cmd_line(command, found), full_env, forward, executable=cmd_exe(full_env))
    return _run(command, full_env, forward)


def _run(
    command: Union[list[str], str], env: Mapping[str, str], forward: Sequence[str], executable: Optional[str] = None
) -> Mapping[str, Any]:
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()  # what portplan printed comes before what the command prints
    try:
        # A list: no shell, nothing injected. A string (a shim through cmd.exe): escaped by
        # `cmd_line`, given to CreateProcess as it is.
        child = subprocess.Popen(command, env=env, executable=executable)
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


# cmd.exe's metacharacters (cross-spawn's lib/util/escape.js, after robvanderwoude.com).
_CMD_META = re.compile(r'([()\][%!^"`<>&|;, *?])')
_SHIM = re.compile(r"node_modules[\\/].bin[\\/][^\\/]+\.cmd$", re.IGNORECASE)


def cmd_escape_command(command: str) -> str:
    """The command's name for cmd.exe: each metacharacter escaped with `^`."""
    return _CMD_META.sub(r"^\1", command)


def cmd_escape_argument(argument: str, double: bool) -> str:
    """One argument for cmd.exe running a program that splits its command line as the C
    runtime does (after https://qntm.org/cmd): each quote escaped, quoted whole, then each
    metacharacter escaped with `^` (twice for an npm shim, which cmd reads a second time).
    As cross-spawn does, byte for byte, so both CLIs start a shim alike: its expressions
    (written without backtracking) double only the one backslash right before a quote or
    at the end, not a run of them."""
    argument = re.sub(r'(\\?)"', lambda found: found.group(1) * 2 + '\\"', argument)
    argument = re.sub(r"(\\?)\Z", lambda found: found.group(1) * 2, argument, count=1)
    argument = _CMD_META.sub(r"^\1", f'"{argument}"')
    return _CMD_META.sub(r"^\1", argument) if double else argument


def cmd_line(argv: Sequence[str], found: str) -> str:
    """The command line that has cmd.exe run `argv` (its program found at `found`, not an
    .exe): `/d /s /c "..."` with everything escaped, as cross-spawn builds it."""
    double = _SHIM.search(found) is not None
    words = [cmd_escape_command(ntpath.normpath(argv[0]))]
    words += [cmd_escape_argument(argument, double) for argument in argv[1:]]
    return f'cmd.exe /d /s /c "{" ".join(words)}"'


def cmd_exe(env: Mapping[str, str]) -> str:
    """cmd.exe, where the environment says it is."""
    return env.get("COMSPEC") or env.get("ComSpec") or "cmd.exe"
