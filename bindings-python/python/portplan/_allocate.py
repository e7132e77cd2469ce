"""The allocating API: `port`, `ports`, `release`, `leases` (docs/core-api.md's host loop)."""

from __future__ import annotations

from ._config import resolve_project
from ._session import RegistrySession, kept_ports

TYPE_CHECKING = False  # typing is not imported at run time: a first port loads less
if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any, Optional, Union

    from ._config import Project
    from ._lease import Lease
    from .typing import ExcludeEntry, HashName, Layout, LeaseDict, ServiceValue

    PathArg = Union[str, "os.PathLike[str]"]
    RangeArg = Union[Sequence[int], None]


def allocate(project: Project, names: Sequence[str], busy: Iterable[int] = (), probe: bool = True) -> dict[str, int]:
    """Hands out the ports of `names` (probed, then leased in the registry): name → port."""
    with RegistrySession(write=True) as session:
        answer = session.allocate(project, names, busy, probe)
        session.write(answer)
    handed_out = set(names)
    return {entry["name"]: entry["port"] for entry in answer["plan"] if entry["name"] in handed_out}


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
    busy = list(busy)
    options = _options(range, namespace, layout, hash, block_size, exclude, browser_safe, services)
    if config is None and names and all(isinstance(name, str) for name in names):
        # Names leased already, that the core keeps with nothing to write: no lock, no write.
        kept = kept_ports(names, options, cwd, busy)
        if kept is not None:
            return kept
    project = resolve_project(names, options, config, cwd)
    handed_out = allocate(project, names, busy, probe)
    return {name: handed_out[name] for name in names}


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


def release(
    name: Optional[str] = None,
    *,
    namespace: Optional[str] = None,
    config: Optional[PathArg] = None,
    cwd: Optional[PathArg] = None,
) -> list[Lease]:
    """Frees the lease of `name` (None: every lease of the namespace) held by this checkout (the
    project root found from `cwd`) and returns what was freed. The namespace defaults to the
    project's (as `port()` would resolve it)."""
    from ._lease import Lease

    project = resolve_project((), {"namespace": namespace}, config, cwd)
    with RegistrySession(write=True) as session:
        answer = session.release(project, name)
        session.write(answer)
    return [Lease(**lease) for lease in answer["released"]]


def leases() -> list[Lease]:
    """Every lease of the registry, sorted by (namespace, name, root). Reads without the lock."""
    from ._lease import Lease

    return [Lease(**lease) for lease in lease_dicts()]


def lease_dicts() -> list[LeaseDict]:
    with RegistrySession(write=False) as session:
        return session.leases()
