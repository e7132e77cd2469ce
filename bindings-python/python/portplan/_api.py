"""The allocating API: `port`, `ports`, `release`, `leases`. Each is one call of the core
(_calls.py); this module only turns Python arguments into the call and its answer into Python."""

from __future__ import annotations

from . import _calls, _options

TYPE_CHECKING = False  # typing is not imported at run time: a first port loads less
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Optional, Union

    from ._lease import Lease
    from ._options import PathArg
    from ._schema import HashKind, Layout
    from .typing import ServiceValue as Service

    RangeArg = Union[Sequence[int], range, None]
    ExcludeArg = Optional[Iterable[Union[int, Sequence[int], range]]]


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
    hash: Optional[HashKind] = None,
    block_size: Optional[int] = None,
    exclude: ExcludeArg = None,
    browser_safe: Optional[bool] = None,
    services: Optional[Mapping[str, Service]] = None,
) -> dict[str, int]:
    """The ports of `names`: the project's config (`portplan.toml`, or `[tool.portplan]` in
    `pyproject.toml`, found upward from `cwd`; or the file `config`) with the keyword options
    over it, planned, probed on the host, and leased in the registry so they stay put.

    The options are the config's keys (SPEC §1): `range=(min, max)` (inclusive; or a Python
    `range(min, stop)`), `namespace`, `layout`, `hash`, `block_size`, `exclude` (ports or
    `(first, last)` ranges), `browser_safe` and `services` (`name: True`, a pinned port, or
    `False`: declared, no port)."""
    asked = _options.names("ports", names)
    keys = {
        "range": range,
        "namespace": namespace,
        "layout": layout,
        "hash": hash,
        "block_size": block_size,
        "exclude": exclude,
        "browser_safe": browser_safe,
        "services": services,
    }
    options = _options.call_options(cwd=cwd, config=config, busy=busy, probe=probe, keys=keys)
    found = _calls.ports(asked, options)["ports"]
    return {name: found[name] for name in asked}


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
    hash: Optional[HashKind] = None,
    block_size: Optional[int] = None,
    exclude: ExcludeArg = None,
    browser_safe: Optional[bool] = None,
    services: Optional[Mapping[str, Service]] = None,
) -> int:
    """The port of `name` (see `ports`): stable across runs, free on this host, leased."""
    return ports(
        [_options.name("port", name)],
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
    all: bool = False,
    namespace: Optional[str] = None,
    config: Optional[PathArg] = None,
    cwd: Optional[PathArg] = None,
) -> list[Lease]:
    """Frees the lease of `name` held by this checkout (the project root found from `cwd`), or
    with `all=True` every lease of the project's namespace, and returns what was freed. A call
    with neither is an error (`PlanError`, kind `usage`): an unset variable must not free
    everything. The namespace defaults to the project's (as `port()` resolves it)."""
    from ._lease import Lease

    if name is not None:
        _options.name("release", name)
    options = _options.call_options(cwd=cwd, config=config, keys={"namespace": namespace})
    return [Lease(**lease) for lease in _calls.release(name, all, options)]


def leases() -> list[Lease]:
    """Every lease of the registry, sorted by (namespace, name, root). Reads without the lock."""
    from ._lease import Lease

    return [Lease(**lease) for lease in _calls.leases()]
