"""What the host sees on the way from a folder up to the filesystem root (docs/core-api.md,
`load_config_json`): the candidate config files of each folder and the project markers.
Only I/O happens here; which file is the config, and which folder the root, the core decides."""

from __future__ import annotations

import errno
import os
import stat

TYPE_CHECKING = False  # typing is not imported at run time: a first port loads less
if TYPE_CHECKING:
    from typing import Any, Optional

# In the order tried within one folder (the core's `config_files_json`).
CANDIDATES = ("portplan.toml", "package.json", "pyproject.toml")
MARKERS = (".git", "package.json", "pyproject.toml")
# Files that hold more than portplan's section (a package's manifest) are read only up to this.
LARGE_FILES = ("package.json", "pyproject.toml")
MAX_MANIFEST_BYTES = 1 << 20
_ABSENT = (errno.ENOENT, errno.ENOTDIR)
_SIGNED = (*CANDIDATES, ".git")
_SEPARATORS = tuple({os.sep, os.altsep or os.sep})


def os_error(error: OSError) -> dict[str, Any]:
    """An OS error as the core takes it: the errno name and the OS's own text."""
    return {"code": errno.errorcode.get(error.errno or 0), "reason": error.strerror or str(error)}


def read_text(path: str) -> str:
    """A file's text as Node reads it too: UTF-8, undecodable bytes as U+FFFD. Opened without
    blocking, so a FIFO named as a config reads as empty instead of hanging."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as file:
        return file.read().decode("utf-8", errors="replace")


def _candidate(path: str, limit: Optional[int]) -> Optional[dict[str, Any]]:
    """`{"text"}` or `{"error"}` for a regular file (symlinks followed); None when there is none."""
    try:
        info = os.stat(path)
    except OSError as error:
        return None if error.errno in _ABSENT else {"error": os_error(error)}
    if not stat.S_ISREG(info.st_mode):
        return None
    if limit is not None and info.st_size > limit:
        return {"error": {"code": "EFBIG"}}
    try:
        return {"text": read_text(path)}
    except OSError as error:
        return {"error": os_error(error)}


def folder_view(folder: str) -> dict[str, Any]:
    """One folder of the walk: its candidate files and its markers."""
    files = {}
    for name in CANDIDATES:
        seen = _candidate(os.path.join(folder, name), MAX_MANIFEST_BYTES if name in LARGE_FILES else None)
        if seen is not None:
            files[name] = seen
    markers = [name for name in MARKERS if os.path.exists(os.path.join(folder, name))]
    return {"path": folder, "files": files, "markers": markers}


def walk(start: str) -> list[dict[str, Any]]:
    """Every folder from `start` (absolute, symlinks resolved) up to the root, `start` first."""
    folders = []
    folder = start
    while True:
        folders.append(folder_view(folder))
        parent = os.path.dirname(folder)
        if parent == folder:
            return folders
        folder = parent


def walk_signature(start: str) -> tuple[object, ...]:
    """What the walk from `start` would see change: the stat of every candidate file and of
    `.git` in each folder up to the root (a missing one as its errno). Taken before a walk,
    an equal signature later means the walk would read the same files (safe to reuse it)."""
    seen: list[object] = []
    folder = start
    while True:
        # Joined by hand: os.path.join was most of the time of this loop.
        prefix = folder if folder.endswith(_SEPARATORS) else folder + os.sep
        for name in _SIGNED:
            try:
                info = os.stat(prefix + name)
            except OSError as error:
                seen.append(error.errno)
                continue
            seen.append((info.st_mode, info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns))
        parent = os.path.dirname(folder)
        if parent == folder:
            return tuple(seen)
        folder = parent


def config_file_view(config_path: str, cwd: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The file the caller named (`--config FILE`), resolved against `cwd`: its real path and
    text, or the error reading it, or that it is missing; and the walk from its folder up."""
    absolute = os.path.normpath(os.path.join(cwd, config_path))
    try:
        os.stat(absolute)  # what a strict realpath would fail on (Python 3.9 has none)
    except OSError as error:
        if error.errno in _ABSENT:
            return {"path": absolute, "missing": True}, []
        return {"path": absolute, "error": os_error(error)}, []
    real = os.path.realpath(absolute)
    try:
        seen: dict[str, Any] = {"path": real, "text": read_text(real)}
    except OSError as error:
        seen = {"path": real, "error": os_error(error)}
    return seen, walk(os.path.dirname(real))
