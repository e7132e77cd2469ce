"""Allocation against the registry (core-api.md's host loop), and the API built on it."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Union

from . import _native
from ._config import resolve_config
from ._core import answer as core_answer
from ._host_errors import kept_busy, port_taken, with_path
from ._plan import Plan
from ._probe import probe as probe_port
from ._registry import RegistryLock, read_registry, registry_path, write_registry
from .errors import from_answer
from .typing import ExcludeEntry, HashName, Layout, LeaseDict, ServiceValue

PathArg = Union[str, "os.PathLike[str]"]
RangeArg = Union[Sequence[int], None]


@dataclass(frozen=True)
class Lease:
    """A lease of the registry: `(namespace, name) → port`, with Unix-second timestamps."""

    namespace: str
    name: str
    port: int
    created: int
    used: int


def _registry_call(function: Any, request: Mapping[str, Any], path: Path) -> dict[str, Any]:
    """A core call on registry text; a corrupt registry is a `RegistryError` naming `path`."""
    result = core_answer(function, request)
    if "error" in result:
        error = result["error"]
        raise with_path(str(path), error) if error.get("kind") == "invalid_registry" else from_answer(error)
    return result


def allocate(
    config: Mapping[str, Any],
    lease: Optional[Sequence[str]],
    busy: Iterable[int] = (),
    probe: bool = True,
    fresh: Sequence[str] = (),
) -> Plan:
    """Plans the resolved `config` against the registry, probing until the probes agree,
    and records the leases of `lease` (None: every free service). `fresh` names services
    whose own lease is dropped first, so that they may move (after a failed bind)."""
    path = registry_path()
    busy = list(busy)
    with RegistryLock(path):
        old = read_registry(path)
        text = old
        for name in fresh:
            text = _registry_call(
                _native.release_json, {"registry": text, "namespace": config["namespace"], "name": name}, path
            )["registry"]
        while True:
            request = {"config": config, "busy": busy, "registry": text, "now": int(time.time()), "lease": lease}
            answer = _registry_call(_native.allocate_json, request, path)
            taken = [port for port in answer["probe"] if port not in busy and not probe_port(port)] if probe else []
            if not taken:
                break
            busy += taken
        write_registry(path, old, answer["registry"])
    return Plan(answer)


def _options(
    range: RangeArg,
    namespace: Optional[str],
    layout: Optional[Layout],
    hash: Optional[HashName],
    block_size: Optional[int],
    exclude: Optional[Iterable[ExcludeEntry]],
    browser_safe: Optional[bool],
    services: Optional[Mapping[str, ServiceValue]],
) -> dict[str, Any]:
    """The config options of a call, by the config's key names (None: not given)."""
    return {
        "range": range,
        "namespace": namespace,
        "layout": layout,
        "hash": hash,
        "block_size": block_size,
        "exclude": exclude,
        "browser_safe": browser_safe,
        "services": services,
    }


def ports(
    names: Iterable[str],
    *,
    config: Optional[PathArg] = None,
    cwd: Optional[PathArg] = None,
    busy: Iterable[int] = (),
    probe: bool = True,
    range: RangeArg = None,
    namespace: Optional[str] = None,
    layout: Optional[Layout] = None,
    hash: Optional[HashName] = None,
    block_size: Optional[int] = None,
    exclude: Optional[Iterable[ExcludeEntry]] = None,
    browser_safe: Optional[bool] = None,
    services: Optional[Mapping[str, ServiceValue]] = None,
) -> dict[str, int]:
    """The ports of `names`: the project's config (`portplan.toml`, or `[tool.portplan]` in
    `pyproject.toml`, found upward from `cwd`; or the file `config`) with the keyword options
    over it, planned, probed on the host, and leased in the registry so they stay put.

    The options are the config's keys (SPEC §1): `range=(min, max)`, `namespace`, `layout`,
    `hash`, `block_size`, `exclude` (ports or `(first, last)` ranges), `browser_safe` and
    `services` (`name: True`, a pinned port, or `False`: declared, no port)."""
    if isinstance(names, str):
        raise TypeError("ports() takes a list of names; use port() for one name")
    names = list(names)
    resolved = resolve_config(
        names, _options(range, namespace, layout, hash, block_size, exclude, browser_safe, services), config, cwd
    )
    plan = allocate(resolved, names, busy, probe)
    return {name: plan[name] for name in names}


def port(
    name: str,
    *,
    config: Optional[PathArg] = None,
    cwd: Optional[PathArg] = None,
    busy: Iterable[int] = (),
    probe: bool = True,
    range: RangeArg = None,
    namespace: Optional[str] = None,
    layout: Optional[Layout] = None,
    hash: Optional[HashName] = None,
    block_size: Optional[int] = None,
    exclude: Optional[Iterable[ExcludeEntry]] = None,
    browser_safe: Optional[bool] = None,
    services: Optional[Mapping[str, ServiceValue]] = None,
) -> int:
    """The port of `name` (see `ports`): stable across runs, free on this host, leased."""
    return ports(
        [name],
        config=config,
        cwd=cwd,
        busy=busy,
        probe=probe,
        range=range,
        namespace=namespace,
        layout=layout,
        hash=hash,
        block_size=block_size,
        exclude=exclude,
        browser_safe=browser_safe,
        services=services,
    )[name]


# Binds tried when other processes keep taking the planned port after its probe.
_BIND_ATTEMPTS = tuple(range(5))


def _bound_socket(host: str, port: int, kind: socket.SocketKind, backlog: int) -> socket.socket:
    family, _, _, _, address = socket.getaddrinfo(host, port, socket.AF_UNSPEC, kind, 0, socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind)
    try:
        if os.name == "posix" and kind == socket.SOCK_STREAM:
            # As servers do: restart at once over our own old connections in TIME_WAIT.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        if kind == socket.SOCK_STREAM:
            sock.listen(backlog)
    except BaseException:
        sock.close()
        raise
    return sock


def bind(
    name: str,
    *,
    host: str = "127.0.0.1",
    type: socket.SocketKind = socket.SOCK_STREAM,
    backlog: int = 128,
    config: Optional[PathArg] = None,
    cwd: Optional[PathArg] = None,
    busy: Iterable[int] = (),
    probe: bool = True,
    range: RangeArg = None,
    namespace: Optional[str] = None,
    layout: Optional[Layout] = None,
    hash: Optional[HashName] = None,
    block_size: Optional[int] = None,
    exclude: Optional[Iterable[ExcludeEntry]] = None,
    browser_safe: Optional[bool] = None,
    services: Optional[Mapping[str, ServiceValue]] = None,
) -> socket.socket:
    """A socket bound to `host` on the port of `name` (listening, for TCP), so no other
    process can take the port between the allocation and the server's start. Hand it to
    the server (`uvicorn.Server(...).run(sockets=[sock])`, `HTTPServer` with
    `bind_and_activate=False`, ...). Raises `PortInUseError` when the port is a kept lease
    held by another process (free it with `portplan release NAME`)."""
    resolved = resolve_config(
        [name], _options(range, namespace, layout, hash, block_size, exclude, browser_safe, services), config, cwd
    )
    busy = list(busy)
    fresh: list[str] = []
    last_error: OSError = OSError("no try")
    port_tried = 0
    for _attempt in _BIND_ATTEMPTS:  # (the keyword `range` hides the builtin here)
        entry = allocate(resolved, [name], busy, probe, fresh).entries[name]
        try:
            return _bound_socket(host, entry.port, type, backlog)
        except OSError as error:
            if entry.kind == "kept":
                raise kept_busy(resolved["namespace"], name, entry.port) from error
            if entry.kind == "pinned":
                raise port_taken(name, entry.port, error) from error
            # Someone took it after the probe: plan again without it, and let our new lease move.
            busy.append(entry.port)
            fresh = [name]
            last_error, port_tried = error, entry.port
    raise port_taken(name, port_tried, last_error)


def release(
    name: Optional[str] = None,
    *,
    namespace: Optional[str] = None,
    config: Optional[PathArg] = None,
    cwd: Optional[PathArg] = None,
) -> list[Lease]:
    """Frees the lease of `name` (None: every lease of the namespace) and returns what was
    freed. The namespace defaults to the project's (as `port()` would resolve it)."""
    if namespace is None or namespace == "git":
        namespace = resolve_config((), {"namespace": namespace}, config, cwd)["namespace"]
    path = registry_path()
    with RegistryLock(path):
        old = read_registry(path)
        answer = _registry_call(_native.release_json, {"registry": old, "namespace": namespace, "name": name}, path)
        if answer["released"]:
            write_registry(path, old, answer["registry"])
    return [Lease(**lease) for lease in answer["released"]]


def leases() -> list[Lease]:
    """Every lease of the registry, sorted by (namespace, name)."""
    return [Lease(**lease) for lease in _leases_answer()]


def _leases_answer() -> list[LeaseDict]:
    path = registry_path()
    answer = _registry_call(_native.leases_json, {"registry": read_registry(path)}, path)
    result: list[LeaseDict] = answer["leases"]
    return result
