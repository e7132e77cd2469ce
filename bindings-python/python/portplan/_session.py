"""One use of the registry (docs/core-api.md, host loop): read it, plan against it with
probes, and write what the core answers. A writing session holds the lock throughout; a
reading one (`plan`, `why`, `ls`) takes no lock and can never write."""

from __future__ import annotations

import os
import time

from . import _native
from ._config import base_project, resolve_project
from ._core import answer as core_answer
from ._host_errors import with_path
from ._probe import busy_ports
from ._probe import probe as probe_port
from ._registry import (
    RegistryLock,
    file_signature,
    read_registry,
    registry_file,
    remove_dead_temps,
    write_registry,
)
from .errors import PortplanError, from_answer

TYPE_CHECKING = False  # typing is not imported at run time: a first port loads less
if TYPE_CHECKING:
    from collections.abc import Hashable, Iterable, Mapping, Sequence
    from types import TracebackType
    from typing import Any, Callable, Optional

    from ._config import Project
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


def _taken(ports: list[int]) -> list[int]:
    """The ports of `ports` found busy: one through `probe`, several in one call of the extension."""
    if len(ports) <= 1:
        return [port for port in ports if not probe_port(port)]
    return busy_ports(ports)


class Snapshot:
    """One version of the registry file as read, and what `leases_json` says of it."""

    __slots__ = ("names", "path", "roots", "signature", "text")

    def __init__(
        self,
        path: str,
        signature: Optional[tuple[int, ...]],
        text: Optional[str],
        names: frozenset[tuple[str, str]],  # (namespace, name) of every lease
        roots: tuple[str, ...],
    ) -> None:
        self.path = path
        self.signature = signature
        self.text = text
        self.names = names
        self.roots = roots


_last: list[Snapshot] = []  # the last registry read (one per process is enough)


def _leases_of(path: str, text: Optional[str]) -> Snapshot:
    """The snapshot of `text`: from the last one when the text is the same (a pure function)."""
    if _last and _last[0].path == path and _last[0].text == text:
        return _last[0]
    result = core_answer(_native.leases_json, {"registry": text})
    if "error" in result:
        error = result["error"]
        raise with_path(str(path), error) if error.get("kind") == "invalid_registry" else from_answer(error)
    names = frozenset((lease["namespace"], lease["name"]) for lease in result["leases"])
    found = Snapshot(path, None, text, names, tuple(result["roots"]))
    _last[:] = [found]
    return found


def current_snapshot(path: str) -> Optional[Snapshot]:
    """The registry as it is now, read without the lock (renames make every read whole),
    reused while its file signature is unchanged. None when there is none or it cannot be
    read or parsed (the locked path then reports why)."""
    signature = file_signature(path)
    if signature is None:
        return None
    if _last and _last[0].path == path and _last[0].signature == signature:
        return _last[0]
    try:
        text = read_registry(path)
        snapshot = _leases_of(path, text)
    except PortplanError:
        return None
    if file_signature(path) != signature:
        return None  # replaced while read: let the locked path read it
    snapshot = Snapshot(path, signature, text, snapshot.names, snapshot.roots)
    _last[:] = [snapshot]
    return snapshot


class _Known:
    """What one key of `_KNOWN` has learned: ports the core keeps with nothing to write."""

    __slots__ = ("asked_all", "ports")

    def __init__(self) -> None:
        self.ports: dict[str, int] = {}
        self.asked_all = False  # whether every leased name of the project was asked at once


# Per (registry version, project, busy, second, roots seen).
_KNOWN: dict[Hashable, _Known] = {}


def kept_ports(
    names: Sequence[str], options: Mapping[str, Any], cwd: Any, busy: Sequence[int]
) -> Optional[dict[str, int]]:
    """The ports of `names` when each is a lease the core keeps and nothing is to be written
    (SPEC §7: asking again for a leased name writes nothing): answered without the lock and
    without writing. None when that is not so (or not known): the caller takes the locked path.

    The first question of a key asks the core exactly the caller's (`allocate_json` with these
    names as `lease`, on the registry as read). A second one asks it once for every leased
    name of the project at once; when that keeps them all and writes nothing, a call for any of
    them asks nothing more (the core records per name, and expires and drops the same whatever
    names are asked). A key is the registry version, the project, `busy`, the second and which
    checkout roots exist: any change is another key."""
    path = registry_file()
    snapshot = current_snapshot(path)
    if snapshot is None:
        return None
    found = base_project(options, cwd)
    if found is None:
        return None
    project_key, project = found
    if any((project.namespace, name) not in snapshot.names for name in names):
        return None
    existing = {root: folder_exists(root) for root in snapshot.roots}
    now = int(time.time())
    key = (path, snapshot.signature, project_key, tuple(busy), now, tuple(existing.values()))
    known = _KNOWN.get(key)
    if known is None:
        if len(_KNOWN) > 64:
            _KNOWN.clear()
        known = _KNOWN[key] = _Known()
        asked = _ask_kept(names, options, cwd, snapshot, existing, list(busy), now)
    elif not known.asked_all and not all(name in known.ports for name in names):
        known.asked_all = True
        asked = _every_kept(project, options, cwd, snapshot, existing, list(busy), now)
    else:
        asked = {}
    known.ports.update(asked)
    if not all(name in known.ports for name in names):
        return None
    return {name: known.ports[name] for name in names}


def kept_answer(project: Project, names: Sequence[str], probe: bool = True) -> Optional[dict[str, Any]]:
    """The answer a writing session would give to leasing `names` of `project` (the same
    request, probes included), when each name is a lease the core keeps and it writes nothing
    (SPEC §7): from the registry read without the lock, for the CLI's `get` and `run` of a
    leased name. None otherwise: the caller takes the locked path, which reports any error."""
    snapshot = current_snapshot(registry_file())
    if snapshot is None or not names or any((project.namespace, name) not in snapshot.names for name in names):
        return None
    existing = {root: folder_exists(root) for root in snapshot.roots}
    request = allocate_request(project, snapshot.text, names, existing, env=False)
    try:
        answer = probed_answer(_checked_answer, request, [], probe)
    except PortplanError:
        return None
    if answer.get("registry") is not None:
        return None
    kept = {entry["name"] for entry in answer["plan"] if entry["reason"]["kind"] == "kept"}
    return answer if kept.issuperset(names) else None


def _checked_answer(function: Callable[[str], str], request: Mapping[str, Any]) -> dict[str, Any]:
    result = core_answer(function, request)
    if "error" in result:
        raise from_answer(result["error"])
    return result


def allocate_request(
    project: Project,
    text: Optional[str],
    lease: Optional[Sequence[str]],
    existing: Optional[dict[str, bool]],
    env: bool,
) -> dict[str, Any]:
    """`allocate_json`'s request for `project` on the registry `text` (without busy and now)."""
    return {
        "config": project.config,
        "root": project.root,
        "config_file": project.config_file,
        "registry": text,
        "lease": None if lease is None else list(lease),
        "existing_roots": existing,
        "env": env,
    }


def probed_answer(
    call: Callable[[Callable[[str], str], Mapping[str, Any]], dict[str, Any]],
    request: Mapping[str, Any],
    busy: list[int],
    probe: bool,
) -> dict[str, Any]:
    """`allocate_json`'s answer to `request`, probing the ports it hands out until a round
    finds none newly busy (`probe` False: none is probed)."""
    # Ports found free in an earlier round are not probed again: a round only adds busy ports.
    found_free: set[int] = set()
    while True:
        answer = call(_native.allocate_json, {**request, "busy": busy, "now": int(time.time())})
        unprobed = [port for port in answer["probe"] if port not in busy and port not in found_free]
        taken = _taken(unprobed) if probe else []
        found_free.update(unprobed)
        found_free.difference_update(taken)
        if not taken:
            return answer
        busy = busy + taken


def _kept_request(
    project: Project, snapshot: Snapshot, existing: dict[str, bool], busy: list[int], now: int
) -> dict[str, Any]:
    return {
        "config": project.config,
        "root": project.root,
        "config_file": project.config_file,
        "registry": snapshot.text,
        "busy": busy,
        "now": now,
        "existing_roots": existing,
    }


def _kept_in(answer: Mapping[str, Any], names: Iterable[str]) -> dict[str, int]:
    """The kept ports of `names` in an `allocate_json` answer that writes nothing. Ports it asks
    to probe (other services' homes) are not probed: probes never move a lease (SPEC §7), so
    a kept port is final whatever they would find."""
    if "error" in answer or answer.get("registry") is not None:
        return {}
    wanted = set(names)
    return {e["name"]: e["port"] for e in answer["plan"] if e["name"] in wanted and e["reason"]["kind"] == "kept"}


def _ask_kept(
    names: Sequence[str],
    options: Mapping[str, Any],
    cwd: Any,
    snapshot: Snapshot,
    existing: dict[str, bool],
    busy: list[int],
    now: int,
) -> dict[str, int]:
    """The core's answer to exactly this call, on the registry as read: its kept ports when it
    writes nothing ({} otherwise)."""
    try:
        project = resolve_project(names, options, None, cwd)
        request = _kept_request(project, snapshot, existing, busy, now)
        return _kept_in(core_answer(_native.allocate_json, {**request, "lease": list(names)}), names)
    except PortplanError:
        return {}


def _every_kept(
    project: Project,
    options: Mapping[str, Any],
    cwd: Any,
    snapshot: Snapshot,
    existing: dict[str, bool],
    busy: list[int],
    now: int,
) -> dict[str, int]:
    """Every name of the project whose lease the core keeps, if asking for all of them at
    once writes nothing ({} otherwise)."""
    request = _kept_request(project, snapshot, existing, busy, now)
    try:
        # The read-only plan lists every name with a lease of this project.
        shown = core_answer(_native.allocate_json, {**request, "lease": []})
        leased = [entry["name"] for entry in shown.get("plan", []) if entry["reason"]["kind"] == "kept"]
        if not leased:
            return {}
        every = resolve_project(leased, options, None, cwd)
        answer = core_answer(_native.allocate_json, {**request, "config": every.config, "lease": leased})
    except PortplanError:
        return {}
    return _kept_in(answer, leased)


class RegistrySession:
    """`with RegistrySession(write=...) as session:` reads the registry once; `allocate` and
    `release` answer against it; `write` replaces it (only in a writing session)."""

    def __init__(self, write: bool) -> None:
        self.writes = write
        self.path: str = registry_file()
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
            raise with_path(self.path, error) if error.get("kind") == "invalid_registry" else from_answer(error)
        return result

    def leases(self) -> list[LeaseDict]:
        result: list[LeaseDict] = self.call(_native.leases_json, {"registry": self.text})["leases"]
        return result

    def existing_roots(self) -> Optional[dict[str, bool]]:
        """Whether each root of the registry still exists (asked of writing sessions only)."""
        if not self.writes:
            return None
        if self._existing is None:
            roots = _leases_of(self.path, self.text).roots
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
        request = allocate_request(project, self.text, lease, self.existing_roots(), env)
        return probed_answer(self.call, request, list(busy), probe)

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
