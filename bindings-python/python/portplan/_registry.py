"""The registry file and its lock, exactly as docs/registry.md says (Node follows it too).

Only bytes are handled here; the contents are parsed and produced by the core.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import stat
import sys
import time
from pathlib import Path
from typing import Optional

from . import _native
from ._core import call
from ._host_errors import registry_io, registry_locked, unsafe_registry

STALE_LOCK_MS = 30_000
UNWRITTEN_LOCK_S = 2.0
STALE_BREAK_S = 5.0
LOCK_TIMEOUT_S = 10.0


def _home() -> Optional[str]:
    home = os.path.expanduser("~")
    return None if home == "~" else home


def registry_path() -> Path:
    """Where the registry is: the core decides from the environment (`registry_path_json`)."""
    request = {
        "platform": sys.platform,
        "env": {name: os.environ.get(name) for name in ("PORTPLAN_HOME", "XDG_STATE_HOME", "LOCALAPPDATA")},
        "home": _home(),
        "cwd": os.getcwd(),
    }
    return Path(call(_native.registry_path_json, request)["file"])


def _ensure_dir(path: Path) -> None:
    try:
        os.makedirs(path.parent, mode=0o700, exist_ok=True)
    except OSError as error:
        raise registry_io(str(path.parent), "create", error) from None


def read_registry(path: Path) -> Optional[str]:
    """The registry's text, or None when there is none yet. Refuses a symlink, a directory,
    or a file of another user."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise registry_io(str(path), "read", error) from None
    if stat.S_ISLNK(info.st_mode):
        raise unsafe_registry(str(path), "symlink")
    if not stat.S_ISREG(info.st_mode):
        raise unsafe_registry(str(path), "not_file")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise unsafe_registry(str(path), "not_owner")
    try:
        # O_NOFOLLOW closes the gap between the lstat above and the open.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as file:
            data = file.read()
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise unsafe_registry(str(path), "symlink") from None
        raise registry_io(str(path), "read", error) from None
    # Undecodable bytes reach the core as U+FFFD, which it rejects as a corrupt registry.
    return data.decode("utf-8", errors="replace")


def write_registry(path: Path, old: Optional[str], new: str) -> None:
    """Replaces the registry atomically (temporary file, fsync, rename); skips an unchanged one."""
    if new == old:
        return
    _ensure_dir(path)
    # os.urandom, not secrets: importing secrets (hashlib, random, hmac) costs ~10 ms at import.
    temporary = path.with_name(f"{path.name}.tmp.{os.getpid()}.{os.urandom(6).hex()}")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(new.encode("utf-8"))
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise registry_io(str(path), "write", error) from None


def _pid_alive(pid: int) -> bool:
    if sys.platform == "win32":
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: alive, owned by someone else
        return True
    return True


def _windows_pid_alive(pid: int) -> bool:
    # os.kill on Windows terminates the process, so ask the kernel instead.
    import ctypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return bool(ctypes.get_last_error() != 87)  # type: ignore[attr-defined]  # 87: no such process
    try:
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _create_exclusive(path: Path, data: bytes) -> bool:
    """Creates `path` with `data` (mode 0600); False when it already exists."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    return True


def _read_bytes(path: Path) -> Optional[bytes]:
    try:
        with open(path, "rb") as file:
            return file.read()
    except FileNotFoundError:
        return None


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


class RegistryLock:
    """The cross-language lock of registry.md: `registry.json.lock`, created exclusively."""

    def __init__(self, path: Path) -> None:
        self.registry = path
        self.lock = path.with_name(path.name + ".lock")
        self.breaker = path.with_name(path.name + ".lock.break")
        self._owner = b""

    def _is_stale(self, content: bytes) -> bool:
        try:
            owner = json.loads(content)
            pid, host, since = owner["pid"], owner["host"], owner["time"]
        except (ValueError, KeyError, TypeError):
            # An owner killed between creating and writing the lock leaves it unparsable.
            try:
                return time.time() - os.stat(self.lock).st_mtime > UNWRITTEN_LOCK_S
            except FileNotFoundError:
                return False
        if host == socket.gethostname() and isinstance(pid, int) and not _pid_alive(pid):
            return True
        return not isinstance(since, (int, float)) or _now_ms() - since > STALE_LOCK_MS

    def _break(self, content: bytes) -> bool:
        """Deletes a stale lock unless someone replaced it meanwhile. False when another
        process is breaking it (then wait)."""
        if not _create_exclusive(self.breaker, str(os.getpid()).encode()):
            try:
                if time.time() - os.stat(self.breaker).st_mtime <= STALE_BREAK_S:
                    return False
                _unlink(self.breaker)  # its breaker died mid-way
            except FileNotFoundError:
                pass
            return True
        try:
            if _read_bytes(self.lock) == content:
                _unlink(self.lock)
        finally:
            _unlink(self.breaker)
        return True

    def acquire(self) -> None:
        _ensure_dir(self.registry)
        # The wait is per owner: a change of owner is progress and restarts it (registry.md).
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        last_owner: Optional[bytes] = None
        delay = 0.002
        while True:
            owner = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "time": _now_ms()}).encode()
            try:
                if _create_exclusive(self.lock, owner):
                    self._owner = owner
                    return
                content = _read_bytes(self.lock)
            except OSError as error:
                raise registry_io(str(self.registry), "lock", error) from None
            if content is None:
                continue  # released between our create and our read: try again at once
            if self._is_stale(content) and self._break(content):
                continue
            if content != last_owner:
                last_owner = content
                deadline = time.monotonic() + LOCK_TIMEOUT_S
            if time.monotonic() > deadline:
                raise self._locked_error(content)
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    def _locked_error(self, content: bytes) -> Exception:
        try:
            owner = json.loads(content)
        except ValueError:
            owner = None
        return registry_locked(str(self.registry), owner if isinstance(owner, dict) else {})

    def release(self) -> None:
        # Only our own lock: a lock broken as stale may since belong to someone else.
        if self._owner and _read_bytes(self.lock) == self._owner:
            _unlink(self.lock)
        self._owner = b""

    def __enter__(self) -> RegistryLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
