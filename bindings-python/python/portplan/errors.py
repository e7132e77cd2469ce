"""The exceptions of portplan: every error carries the core's kind and one clear sentence."""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time: a first port loads less
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Optional

    from .typing import ErrorDict, ErrorKind


class PortplanError(Exception):
    """Base of portplan's errors. `kind` is a kind of the spec or of the host layer."""

    def __init__(self, kind: ErrorKind, message: str, data: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.message = message
        self.data: dict[str, Any] = {k: v for k, v in (data or {}).items() if k not in ("kind", "message")}

    def to_dict(self) -> ErrorDict:
        """The error in the core's JSON form (`{"kind", "message", ...data}`)."""
        error: ErrorDict = {**self.data, "kind": self.kind, "message": self.message}  # type: ignore[typeddict-item]
        return error

    def __str__(self) -> str:
        return self.message


class PlanError(PortplanError, ValueError):
    """A config, a plan or a command line the core rejects (kinds of SPEC §2 and core-api.md)."""


class RegistryError(PortplanError):
    """The registry cannot be used: corrupt, locked, unsafe or unreadable. Names its path."""

    def __init__(self, kind: ErrorKind, message: str, path: str, data: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__(kind, message, {**(data or {}), "path": path})
        self.path = path


class PortInUseError(PortplanError, OSError):
    """A service's port is held by another process and portplan may not move it."""


def from_answer(error: Mapping[str, Any]) -> PortplanError:
    """The exception for the error of an `{"error": ...}` answer of the core."""
    kind: ErrorKind = str(error.get("kind", "host"))  # type: ignore[assignment]
    message = str(error.get("message", "unknown error"))
    data = {k: v for k, v in error.items() if k not in ("kind", "message")}
    if kind == "invalid_registry":
        return RegistryError(kind, message, str(data.pop("path", "")), data)
    return PlanError(kind, message, data)
