"""Errors the host layer itself raises (files, lock, sockets, spawning). Their words come
from the core (`host_error_json`), so the Node and Python CLIs print the same line."""

from __future__ import annotations

import errno
import json

from . import _native
from .errors import PlanError, PortInUseError, PortplanError, RegistryError, from_answer

TYPE_CHECKING = False  # typing is not imported at run time: a first port loads less
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Optional


def _error(request: Mapping[str, Any]) -> dict[str, Any]:
    error: dict[str, Any] = json.loads(_native.host_error_json(json.dumps(request)))["error"]
    return error


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def _os_error(error: OSError) -> dict[str, Any]:
    """What the core needs to word an OS error: its errno name, and Python's text as a fallback."""
    return {"code": _error_code(error), "reason": _reason(error)}


def with_path(path: str, error: Mapping[str, Any]) -> PortplanError:
    """A core error about the file at `path` (a config file, the registry), naming it."""
    answer = _error({"problem": "with_path", "path": path, "error": error})
    if answer["kind"] == "invalid_registry":
        return RegistryError(answer["kind"], answer["message"], path, answer)
    return from_answer(answer)


def registry_locked(path: str, owner: Mapping[str, Any]) -> RegistryError:
    answer = _error(
        {
            "problem": "locked",
            "path": path,
            "pid": owner.get("pid"),
            "host": owner.get("host"),
            "time": owner.get("time"),
        }
    )
    return RegistryError(answer["kind"], answer["message"], path, answer)


def unsafe_registry(path: str, why: str) -> RegistryError:
    answer = _error({"problem": "unsafe_registry", "path": path, "why": why})
    return RegistryError(answer["kind"], answer["message"], path, answer)


def unsafe_lock(path: str, why: str) -> RegistryError:
    """The lock or its break marker (`path`) is not a regular file."""
    answer = _error({"problem": "unsafe_lock", "path": path, "why": why})
    return RegistryError(answer["kind"], answer["message"], path, answer)


def lost_lock(path: str) -> RegistryError:
    """Another process took the lock (`path`) during the write: nothing was written."""
    answer = _error({"problem": "lost_lock", "path": path})
    return RegistryError(answer["kind"], answer["message"], path, answer)


def registry_io(path: str, action: str, error: OSError) -> RegistryError:
    answer = _error({"problem": "io", "path": path, "action": action, **_os_error(error)})
    return RegistryError(answer["kind"], answer["message"], path, answer)


def config_io(path: str, error: OSError) -> PlanError:
    if isinstance(error, FileNotFoundError):
        answer = _error({"problem": "config_missing", "path": path})
    else:
        answer = _error({"problem": "io", "path": path, "action": "read", **_os_error(error)})
    return PlanError(answer["kind"], answer["message"], answer)


def config_without_section(path: str) -> PlanError:
    answer = _error({"problem": "config_has_no_section", "path": path})
    return PlanError(answer["kind"], answer["message"], answer)


def kept_busy(namespace: str, name: str, port: int) -> PortInUseError:
    answer = _error({"problem": "kept_busy", "namespace": namespace, "name": name, "port": port})
    return PortInUseError(answer["kind"], answer["message"], answer)


def spawn_failed(command: str, error: OSError) -> PortplanError:
    answer = _error(
        {"problem": "spawn", "command": command, **_os_error(error), "not_found": isinstance(error, FileNotFoundError)}
    )
    return PortplanError(answer["kind"], answer["message"], answer)


def _error_code(error: OSError) -> Optional[str]:
    """The errno name of an OS error; for a failed address lookup, its `EAI_*` name."""
    import socket  # here, not at the top: only failures need it

    if isinstance(error, socket.gaierror):
        names = {getattr(socket, n): n for n in dir(socket) if n.startswith("EAI_")}
        return names.get(error.errno)
    return errno.errorcode.get(error.errno or 0)


def bind_failed(name: str, port: int, host: Optional[str], error: OSError) -> PortplanError:
    """A bind that failed for its own reason (an address this host lacks, not permitted, ...)."""
    answer = _error(
        {
            "problem": "bind_failed",
            "name": name,
            "port": port,
            "host": host,
            "code": _error_code(error),
            "reason": _reason(error),
        }
    )
    if error.errno == errno.EADDRINUSE:
        return PortInUseError(answer["kind"], answer["message"], answer)
    return PortplanError(answer["kind"], answer["message"], answer)
