"""The exceptions of portplan: every error carries the core's kind and one clear sentence.

The core words every error (`{"error": {"kind", "message", ...data}}`); `from_answer` only picks
the Python class that fits its shape: a port held by another process is an `OSError` with
`errno.EADDRINUSE`, as a failed `socket.bind` would be."""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time: a first port loads less
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Optional

    from ._schema import ErrorKind
    from ._schema import PlanError as ErrorDict


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
    """A config, a plan, a call or a command line the core rejects (kinds of SPEC §2 and
    core-api.md: `duplicate_pin`, `range_exhausted`, `invalid_config`, `usage`, ...)."""


class RegistryError(PortplanError):
    """The registry cannot be used: corrupt, locked, unsafe or unreadable. Names its path."""

    def __init__(self, kind: ErrorKind, message: str, path: str, data: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__(kind, message, {**(data or {}), "path": path})
        self.path = path


class PortInUseError(PortplanError, OSError):
    """A service's port is held by another process and portplan may not move it (a kept
    lease, a pin). An `OSError` with `errno.EADDRINUSE`; `.port` is the port and `.name` the
    service."""

    def __init__(self, kind: ErrorKind, message: str, data: Optional[Mapping[str, Any]] = None) -> None:
        import errno

        PortplanError.__init__(self, kind, message, data)
        self.errno = errno.EADDRINUSE
        self.strerror = message
        self.port: Optional[int] = self.data.get("port")
        self.name: Optional[str] = self.data.get("service")

    def __str__(self) -> str:
        return self.message


# The registry's own files (docs/registry.md): an error about one of them is a RegistryError.
_REGISTRY_FILES = ("registry.json", "registry.lock", "registry.owner")


def _about_the_registry(path: str) -> bool:
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return name in _REGISTRY_FILES or name.startswith("registry.json.tmp.")


def from_answer(error: Mapping[str, Any]) -> PortplanError:
    """The exception for the error of an `{"error": ...}` answer of the core."""
    kind: ErrorKind = error.get("kind", "host")
    message = str(error.get("message", "unknown error"))
    data = {k: v for k, v in error.items() if k not in ("kind", "message") and v is not None}
    if data.get("code") == "EADDRINUSE":
        return PortInUseError(kind, message, data)
    path = data.get("path")
    if kind == "invalid_registry" or (kind == "host" and isinstance(path, str) and _about_the_registry(path)):
        return RegistryError(kind, message, str(data.pop("path", "")), data)
    if kind == "host":
        return PortplanError(kind, message, data)
    return PlanError(kind, message, data)
