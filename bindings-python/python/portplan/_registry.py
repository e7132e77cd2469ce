"""The registry file and its lock, exactly as docs/registry.md says (Node follows it too).

Only bytes are handled here; the contents are parsed and produced by the core.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time

from . import _native
from ._core import call
from ._host_errors import lost_lock, registry_io, registry_locked, unsafe_lock, unsafe_registry
from ._safe_file import FileRead, NotAFile, read_bounded
from .errors import RegistryError

TYPE_CHECKING = False  # typing and pathlib are not imported at run time: a first port loads less
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from typing import Any, Optional, Union

    PathArg = Union[str, "os.PathLike[str]"]

# Bounds of docs/registry.md: a bigger file is refused (or judged by the core), never read whole.
OWNER_TEXT_BOUND = 4096
REGISTRY_BOUND = 64 * 1024 * 1024
LOCK_TIMEOUT_S = 10.0
TEMP_INFIX = ".tmp."
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


def _home() -> Optional[str]:
    home = os.path.expanduser("~")
    return None if home == "~" else home


_PATHS: dict[str, str] = {}


def registry_path() -> Path:
    """`registry_file()` as a `Path`."""
    from pathlib import Path

    return Path(registry_file())


def registry_file() -> str:
    """Where the registry is: the core decides from the environment (`registry_path_json`);
    its answers are remembered per request (a pure function of it)."""
    request = {
        "platform": sys.platform,
        "env": {name: os.environ.get(name) for name in ("PORTPLAN_HOME", "XDG_STATE_HOME", "LOCALAPPDATA")},
        "home": _home(),
        "cwd": os.getcwd(),
    }
    key = json.dumps(request)
    path = _PATHS.get(key)
    if path is None:
        if len(_PATHS) > 64:
            _PATHS.clear()
        path = _PATHS[key] = str(call(_native.registry_path_json, request)["file"])
    return path


def file_signature(path: PathArg) -> Optional[tuple[int, ...]]:
    """What changes whenever a file is replaced or written (device, inode, size, times, mode,
    owner), without following a link; None when there is nothing at `path` or it cannot be
    seen (the locked path then says why)."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_mode, info.st_uid)


def _ensure_dir(path: PathArg) -> None:
    folder = os.path.dirname(os.fspath(path))
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError as error:
        raise registry_io(folder, "create", error) from None


def read_registry(path: PathArg) -> Optional[str]:
    """The registry's text, or None when there is none yet. Refuses unsafe files: opened without
    following links or blocking, a regular file of this user, at most 64 MiB."""
    try:
        read = read_bounded(path, REGISTRY_BOUND)
    except OSError as error:
        raise registry_io(str(path), "read", error) from None
    if read is None:
        return None
    if isinstance(read, NotAFile):
        raise unsafe_registry(str(path), read.why)
    if hasattr(os, "getuid") and read.info.st_uid != os.getuid():
        raise unsafe_registry(str(path), "not_owner")
    if read.longer:
        raise unsafe_registry(str(path), "too_large")
    # Undecodable bytes reach the core as U+FFFD, which it rejects as a corrupt registry.
    return read.data.decode("utf-8", errors="replace")


def write_registry(path: PathArg, old: Optional[str], new: str, lock: Optional[RegistryLock] = None) -> None:
    """Replaces the registry atomically (temporary file, fsync, a last check that the lock is
    still ours, rename); skips an unchanged one. Whatever fails takes the temp file away."""
    if new == old:
        return
    _ensure_dir(path)
    # os.urandom, not secrets: importing secrets (hashlib, random, hmac) costs ~10 ms at import.
    temporary = f"{os.fspath(path)}{TEMP_INFIX}{os.getpid()}.{os.urandom(8).hex()}"
    try:
        fd = os.open(temporary, _CREATE_FLAGS, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(new.encode("utf-8"))
            file.flush()
            os.fsync(file.fileno())
        if lock is not None:
            lock.check_owned()
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise registry_io(str(path), "write", error) from None
        raise


def remove_dead_temps(path: PathArg) -> None:
    """Removes the temp files that dead writers left beside `path`: the core reads their names
    (docs/core-api.md `temp_files_json`) and names the pids to check; the host unlinks them."""
    folder, base = os.path.split(os.fspath(path))
    folder = folder or os.curdir
    prefix = base + TEMP_INFIX
    try:
        names = [name for name in os.listdir(folder) if name.startswith(prefix)]
    except FileNotFoundError:
        return
    except OSError as error:
        raise registry_io(str(folder), "read", error) from None
    if not names:
        return
    alive: dict[str, bool] = {}
    while True:
        answer = call(_native.temp_files_json, {"names": names, "alive": alive})
        unchecked = [pid for pid in answer.get("check_pids", []) if str(pid) not in alive]
        if not unchecked:
            break
        alive.update({str(pid): _pid_alive(pid) for pid in unchecked})
    try:
        for name in answer.get("remove", []):
            _unlink(os.path.join(folder, name))
    except OSError as error:
        raise registry_io(str(folder), "write", error) from None


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


def _hostname() -> str:
    """socket.gethostname() without importing socket: both are the kernel's node name."""
    if hasattr(os, "uname"):
        return os.uname().nodename
    import socket

    return socket.gethostname()


def _owner_text() -> bytes:
    """This process's owner text (pid, host, time in Unix ms)."""
    return json.dumps({"pid": os.getpid(), "host": _hostname(), "time": _now_ms()}).encode()


def _create_exclusive(path: PathArg, data: bytes) -> bool:
    """Creates `path` with `data` (mode 0600, never through a link); False when something is
    there already. A text that cannot be written (a full disk) takes the file away again."""
    try:
        fd = os.open(path, _CREATE_FLAGS, 0o600)
    except FileExistsError:
        return False
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    return True


def _read_owner(path: PathArg) -> Optional[FileRead]:
    """The lock or marker at `path`, read safely (None: it is gone); not a regular file is an error."""
    read = read_bounded(path, OWNER_TEXT_BOUND)
    if isinstance(read, NotAFile):
        raise unsafe_lock(str(path), read.why)
    return read


def _unlink(path: PathArg) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _remove_if_same(path: PathArg, data: bytes) -> None:
    """Deletes `path` only if it still holds `data`: every decision was made on that text."""
    now = _read_owner(path)
    if now is not None and now.data == data:
        _unlink(path)


def _judge(path: PathArg, owner: FileRead) -> Mapping[str, Any]:
    """The core's verdict on an owner text (`lock_verdict_json`): asks, checks the pid it names,
    asks again. Hostile content is the core's error, raised naming `path`."""
    now = _now_ms()
    request: dict[str, Any] = {
        "path": str(path),
        "text": owner.data.decode("utf-8", errors="replace"),
        "longer": owner.longer,
        "this_host": _hostname(),
        "now": now,
        "age_ms": now - int(owner.info.st_mtime * 1000),
        "alive": None,
    }
    while True:
        answer: dict[str, Any] = json.loads(_native.lock_verdict_json(json.dumps(request)))
        if "error" in answer:
            error = answer["error"]
            raise RegistryError(error.get("kind", "host"), error.get("message", ""), str(path), error)
        if answer.get("verdict") == "check_pid" and request["alive"] is None:
            request["alive"] = _pid_alive(int(answer["pid"]))
            continue
        if answer.get("verdict") in ("stale", "wait"):
            return answer
        raise RegistryError("host", f"the core gave an unknown lock verdict for {path}", str(path))


class RegistryLock:
    """The cross-language lock of registry.md: `registry.json.lock`, created exclusively. The core
    judges every owner text; this class does the syscalls."""

    def __init__(self, path: PathArg) -> None:
        self.registry = os.fspath(path)
        self.lock = self.registry + ".lock"
        self.breaker = self.registry + ".lock.break"
        self._owner = b""

    def _break(self, stale: bytes) -> bool:
        """Deletes the lock if it still holds the `stale` text, guarded by the break marker (which
        holds its breaker's owner text and is judged like a lock): a slow breaker never deletes
        a fresh lock. False when a live breaker holds the marker (then wait)."""
        own = _owner_text()
        if not _create_exclusive(self.breaker, own):
            breaker = _read_owner(self.breaker)
            if breaker is None:
                return True  # its breaker just finished: look again
            if _judge(self.breaker, breaker)["verdict"] == "wait":
                return False
            _remove_if_same(self.breaker, breaker.data)  # its breaker died mid-way
            return True
        try:
            _remove_if_same(self.lock, stale)
        finally:
            _remove_if_same(self.breaker, own)
        return True

    def acquire(self) -> None:
        _ensure_dir(self.registry)
        # The wait is per owner: a change of owner is progress and restarts it (registry.md).
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        last_owner: Optional[bytes] = None
        delay = 0.002
        while True:
            own = _owner_text()
            try:
                if _create_exclusive(self.lock, own):
                    self._owner = own
                    return
                owner = _read_owner(self.lock)
                if owner is None:
                    continue  # released between our create and our read: try again at once
                verdict = _judge(self.lock, owner)
                if verdict["verdict"] == "stale" and self._break(owner.data):
                    continue
            except OSError as error:
                raise registry_io(str(self.registry), "lock", error) from None
            if owner.data != last_owner:
                last_owner = owner.data
                deadline = time.monotonic() + LOCK_TIMEOUT_S
            if time.monotonic() > deadline:
                raise registry_locked(str(self.registry), verdict.get("owner") or {})
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    def check_owned(self) -> None:
        """Raises `lost_lock` unless the lock still holds this process's text (checked right
        before the registry is renamed into place)."""
        try:
            owner = _read_owner(self.lock)
        except RegistryError:
            raise lost_lock(str(self.lock)) from None
        if owner is None or not self._owner or owner.data != self._owner:
            raise lost_lock(str(self.lock))

    def release(self) -> None:
        # Only our own lock: a lock broken as stale may since belong to someone else.
        if self._owner:
            with contextlib.suppress(OSError, RegistryError):
                _remove_if_same(self.lock, self._owner)
        self._owner = b""

    def __enter__(self) -> RegistryLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
