"""One use of the registry (docs/core-api.md, host loop): read it, plan against it with
probes, and write what the core answers. A writing session holds the lock throughout; a
reading one (`plan`, `why`, `ls`) takes no lock and can never write."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Callable, Optional

from . import _native
from ._config import Project
from ._core import answer as core_answer
from ._host_errors import with_path
from ._probe import probe as probe_port
from ._registry import RegistryLock, read_registry, registry_path, remove_dead_temps, write_registry
from .errors import from_answer
from .typing import LeaseDict


def folder_exists(path: str) -> bool:
    """Whether a lease's root is still there: only "no such file" counts as gone."""
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:  # unreadable, say: it may well exist, so its leases stay
        return True
    return True


class RegistrySession:
    """`with RegistrySession(write=...) as session:` reads the registry once; `allocate` and
    `release` answer against it; `write` replaces it (only in a writing session)."""

    def __init__(self, write: bool) -> None:
        self.writes = write
        self.path: Path = registry_path()
        self._lock: Optional[RegistryLock] = RegistryLock(self.path) if write else None
        self.text: Optional[str] = None
        self._existing: Optional[dict[str, bool]] = None

    def __enter__(self) -> RegistrySession:
        if self._lock is not None:
            self._lock.acquire()
        try:
            self.text = read_registry(self.path)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self, kind: Optional[type[BaseException]], error: Optional[BaseException], trace: Optional[TracebackType]
    ) -> None:
        if self._lock is not None:
            self._lock.release()

    def call(self, function: Callable[[str], str], request: Mapping[str, Any]) -> dict[str, Any]:
        """A core call on the registry's text; a corrupt registry is a `RegistryError` naming it."""
        result = core_answer(function, request)
        if "error" in result:
            error = result["error"]
            raise with_path(str(self.path), error) if error.get("kind") == "invalid_registry" else from_answer(error)
        return result

    def leases(self) -> list[LeaseDict]:
        result: list[LeaseDict] = self.call(_native.leases_json, {"registry": self.text})["leases"]
        return result

    def existing_roots(self) -> Optional[dict[str, bool]]:
        """Whether each root of the registry still exists (asked of writing sessions only)."""
        if not self.writes:
            return None
        if self._existing is None:
            roots: list[str] = self.call(_native.leases_json, {"registry": self.text})["roots"]
            self._existing = {root: folder_exists(root) for root in roots}
        return self._existing

    def allocate(
        self,
        project: Project,
        lease: Optional[Sequence[str]],
        busy: Iterable[int] = (),
        probe: bool = True,
        env: bool = False,
    ) -> dict[str, Any]:
        """The plan of `project` against the registry, probing the ports it hands out until a
        round finds none newly busy. `lease`: the names to record (None: every service).
        `env`: the `env` command: colliding variable names fail before any lease is answered."""
        busy = list(busy)
        request = {
            "config": project.config,
            "root": project.root,
            "config_file": project.config_file,
            "registry": self.text,
            "lease": None if lease is None else list(lease),
            "existing_roots": self.existing_roots(),
            "env": env,
        }
        while True:
            answer = self.call(_native.allocate_json, {**request, "busy": busy, "now": int(time.time())})
            taken = [port for port in answer["probe"] if port not in busy and not probe_port(port)] if probe else []
            if not taken:
                return answer
            busy += taken

    def release(self, project: Project, name: Optional[str]) -> dict[str, Any]:
        """The registry without the leases of `name` (None: all) in the project's namespace and root."""
        request = {
            "registry": self.text,
            "namespace": project.namespace,
            "root": project.root,
            "name": name,
            "now": int(time.time()),
            "existing_roots": self.existing_roots(),
        }
        return self.call(_native.release_json, request)

    def write(self, answer: Mapping[str, Any]) -> None:
        """Writes the answer's new registry, if it has one (null: nothing changed)."""
        if not self.writes:
            raise RuntimeError("a reading session never writes the registry")
        new: Optional[str] = answer.get("registry")
        if new is not None and new != self.text:
            remove_dead_temps(self.path)
            write_registry(self.path, self.text, new, self._lock)
            self.text = new
