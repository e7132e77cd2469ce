"""Opening the registry's files without trusting them (SPEC §7 "Writes"): never follow a
symlink, never block on a FIFO, only regular files, and never read more than a bound."""

from __future__ import annotations

import errno
import os
import stat

TYPE_CHECKING = False  # typing is not imported at run time: a first port loads less
if TYPE_CHECKING:
    from typing import Optional, Union

    from ._registry import PathArg

_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NON_BLOCK = getattr(os, "O_NONBLOCK", 0)
_BINARY = getattr(os, "O_BINARY", 0)
# What O_NOFOLLOW answers on a symlink: ELOOP (Linux, macOS), EMLINK (FreeBSD), EFTYPE (NetBSD).
_SYMLINK_ERRORS = {errno.ELOOP, errno.EMLINK, getattr(errno, "EFTYPE", errno.ELOOP)}


class FileRead:
    """The first `bound` bytes of a regular file, whether it held more, and its fstat."""

    __slots__ = ("data", "info", "longer")

    def __init__(self, data: bytes, longer: bool, info: os.stat_result) -> None:
        self.data = data
        self.longer = longer
        self.info = info


class NotAFile:
    """Why a path is not read: `symlink`, `fifo`, `socket`, `device`, `directory`, `not_file`."""

    __slots__ = ("why",)

    def __init__(self, why: str) -> None:
        self.why = why


def _kind(mode: int) -> Optional[str]:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISLNK(mode):
        return "symlink"
    return "not_file"


def _kind_of_path(path: PathArg) -> str:
    try:
        return _kind(os.lstat(path).st_mode) or "not_file"
    except OSError:
        return "not_file"


def read_bounded(path: PathArg, bound: int) -> Union[FileRead, NotAFile, None]:
    """At most `bound` + 1 bytes of `path` (None: it does not exist). Other OS errors are raised."""
    try:
        fd = os.open(path, os.O_RDONLY | _NO_FOLLOW | _NON_BLOCK | _BINARY)
    except FileNotFoundError:
        return None
    except OSError as error:
        if error.errno in _SYMLINK_ERRORS:
            return NotAFile("symlink")
        if error.errno in (errno.ENXIO, errno.EISDIR):  # a socket, a device without a driver
            return NotAFile(_kind_of_path(path))
        raise
    try:
        info = os.fstat(fd)
        why = _kind(info.st_mode)
        if why is not None:
            return NotAFile(why)
        chunks: list[bytes] = []
        wanted = bound + 1
        while wanted > 0:
            chunk = os.read(fd, min(wanted, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            wanted -= len(chunk)
        data = b"".join(chunks)
        return FileRead(data[:bound], len(data) > bound, info)
    finally:
        os.close(fd)
