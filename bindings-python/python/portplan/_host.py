"""The host's facts a session starts from (docs/host-protocol.md): what only this process knows.
They are told as they are; the core decides what follows from them."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

    from ._schema import HostFacts


def platform() -> str:
    """The platform as Node names it (`process.platform`): `linux`, `darwin`, `win32`, and the
    BSDs without the version Python adds (`freebsd14` is `freebsd`)."""
    return sys.platform.rstrip("0123456789")


def home() -> Optional[str]:
    """The user's home folder as Node's `os.homedir()` finds it: `HOME` when set, even empty (the
    core refuses an empty one), else the user database; Windows: `USERPROFILE`."""
    if os.name == "nt":
        found = os.path.expanduser("~")
        return None if found == "~" else found
    if "HOME" in os.environ:
        return os.environ["HOME"]
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_dir
    except (ImportError, KeyError):
        return None


def in_terminal_foreground() -> bool:
    """Whether a Ctrl-C typed in a terminal reaches this process' children by itself: stdin is a
    terminal whose foreground process group is ours (Windows: every process of the console)."""
    try:
        if not os.isatty(0):
            return False
        if os.name == "nt":
            return True
        return os.tcgetpgrp(0) == os.getpgrp()
    except OSError:
        return False


def facts() -> HostFacts:
    """This process' facts, read now (the working folder and the variables may change between
    calls)."""
    found: HostFacts = {
        "platform": platform(),
        "cwd": _cwd(),
        "home": home(),
        "env": _environment(),
        "pid": os.getpid(),
        "hostname": _hostname(),
        "terminal": in_terminal_foreground(),
        "engine": "native",
    }
    if hasattr(os, "getuid"):
        found["uid"] = os.getuid()
    return found


def _environment() -> dict[str, str]:
    """The variables as JSON can carry them: one whose bytes are not UTF-8 (Python keeps them
    as lone surrogates, which no JSON reader takes) is left out rather than failing the call."""
    found = {}
    for name, value in os.environ.items():
        try:
            name.encode()
            value.encode()
        except UnicodeEncodeError:
            continue
        found[name] = value
    return found


def _hostname() -> str:
    """The host's name (`gethostname`), without importing socket where uname tells it."""
    if hasattr(os, "uname"):
        return os.uname().nodename
    import socket

    return socket.gethostname()


def _cwd() -> str:
    """The working folder; when it was deleted under us, `PWD` as the shell left it (the core
    then works from that path as given)."""
    try:
        return os.getcwd()
    except FileNotFoundError:
        return os.environ.get("PWD") or os.path.abspath(os.sep)
