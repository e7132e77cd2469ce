"""The file of `portplan env --write [FILE]` (docs/core-api.md, `env_file`): read it bounded and
without trusting it, and replace it atomically. The core decides its new text; this module only
moves bytes, and is the one place that may write a file of the user's project."""

from __future__ import annotations

import contextlib
import errno
import json
import os
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Optional

from . import _native
from ._safe_file import FileRead, NotAFile, read_bounded
from .errors import PortplanError, from_answer

# A .env file portplan edits is small; more than this is refused by the core (`too_large`).
ENV_FILE_BOUND = 1024 * 1024
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


def _host_error(request: dict[str, Any]) -> PortplanError:
    answer: dict[str, Any] = json.loads(_native.host_error_json(json.dumps(request)))["error"]
    return from_answer(answer)


def _io_error(shown: str, action: str, error: OSError) -> PortplanError:
    return _host_error(
        {
            "problem": "io",
            "path": shown,
            "action": action,
            "code": errno.errorcode.get(error.errno or 0),
            "reason": error.strerror or str(error),
        }
    )


@dataclass(frozen=True)
class EnvFile:
    """FILE as the user wrote it (`shown`, for messages), the regular file really read and
    written (`target`: a symlink's target, so the link stays), and what it holds now."""

    shown: str
    target: str
    existing: Optional[str]
    utf8: bool
    too_large: bool
    info: Optional[os.stat_result]

    def render_request(self) -> dict[str, Any]:
        """The fields of the core's `env_file` render that describe the file."""
        request: dict[str, Any] = {"path": self.shown, "existing": self.existing, "utf8": self.utf8}
        if self.too_large:
            request["too_large"] = True
        return request


def read_env_file(shown: str) -> EnvFile:
    """Reads FILE: a missing file is `existing: None`; a symlink is followed (a dangling one to
    where it points, so the link is kept); a FIFO, a directory, a device or an unreadable file
    is an error (never written); so is a file or folder this user may not write."""
    target = os.path.realpath(shown)
    try:
        read = read_bounded(Path(target), ENV_FILE_BOUND)
    except OSError as error:  # EACCES, EIO, ...
        raise _io_error(shown, "read", error) from None
    if isinstance(read, NotAFile):
        raise _host_error({"problem": "not_regular_file", "path": shown, "why": read.why})
    # The file is replaced by a rename in its folder: a read-only file stays as it is, as an
    # editor would leave it; a folder that cannot take the new file fails before any write.
    for place in (os.path.dirname(target), target) if read is not None else (os.path.dirname(target),):
        _check_writable(shown, place)
    if read is None:
        return EnvFile(shown, target, None, True, False, None)
    assert isinstance(read, FileRead)
    if read.longer:
        return EnvFile(shown, target, None, True, True, read.info)
    try:
        text = read.data.decode("utf-8")
        utf8 = True
    except UnicodeDecodeError:
        text = read.data.decode("utf-8", errors="replace")
        utf8 = False
    return EnvFile(shown, target, text, utf8, False, read.info)


def _check_writable(shown: str, place: str) -> None:
    if os.access(place, os.W_OK):
        return
    code = errno.EACCES if os.path.lexists(place) else errno.ENOENT
    raise _io_error(shown, "write", OSError(code, os.strerror(code)))


class PreparedWrite:
    """The new text, already written and flushed to a temporary file beside the target, so a
    folder that cannot take it fails before anything else is written. `commit()` renames it
    over the target; leaving the `with` block without committing removes it."""

    def __init__(self, env_file: EnvFile, text: str) -> None:
        self.env_file = env_file
        folder, name = os.path.split(env_file.target)
        self.temporary = os.path.join(folder, f".{name}.portplan-tmp.{os.getpid()}.{os.urandom(8).hex()}")
        self._write(text.encode("utf-8"))

    def _write(self, data: bytes) -> None:
        info = self.env_file.info
        try:
            # A new file gets the usual 0666 less the umask; an existing one keeps its mode.
            fd = os.open(self.temporary, _CREATE_FLAGS, 0o600 if info is not None else 0o666)
            with os.fdopen(fd, "wb") as file:
                if info is not None:
                    _keep_owner_and_mode(file.fileno(), info)
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
        except BaseException as error:
            self.discard()
            if isinstance(error, OSError):
                raise _io_error(self.env_file.shown, "write", error) from None
            raise

    def commit(self) -> None:
        try:
            os.replace(self.temporary, self.env_file.target)
        except OSError as error:
            self.discard()
            raise _io_error(self.env_file.shown, "write", error) from None
        _sync_folder(os.path.dirname(self.env_file.target))

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self.temporary)

    def __enter__(self) -> PreparedWrite:
        return self

    def __exit__(
        self, kind: Optional[type[BaseException]], error: Optional[BaseException], trace: Optional[TracebackType]
    ) -> None:
        if os.path.lexists(self.temporary):
            self.discard()


def _keep_owner_and_mode(fd: int, info: os.stat_result) -> None:
    if hasattr(os, "fchown") and hasattr(os, "getuid") and (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
        # Root editing a user's .env leaves it the user's; anyone else cannot give files away.
        with contextlib.suppress(OSError):
            os.fchown(fd, info.st_uid, info.st_gid)
    if hasattr(os, "fchmod"):
        os.fchmod(fd, info.st_mode & 0o7777)


def _sync_folder(folder: str) -> None:
    """Makes the rename itself durable where the platform allows (POSIX)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder or ".", os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
