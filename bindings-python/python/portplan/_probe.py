"""The host probe (SPEC §7): is a port free for TCP and UDP on every local address?

The binds run in the extension (`probe_json`, src/probe.rs): a Python socket object per bind
cost more than the syscalls themselves. Any refusal (in use, privileged, excluded) means not
free. No SO_REUSEADDR: a port in TIME_WAIT, or bound by a reusing socket that does not
listen, counts as taken."""

from __future__ import annotations

import json

from . import _native

_ipv6: list[bool] = []


def _ask(request: dict[str, object]) -> dict[str, object]:
    answer: dict[str, object] = json.loads(_native.probe_json(json.dumps(request)))
    if "error" in answer:
        raise RuntimeError(f"portplan's probe refused its request: {answer['error']}")
    return answer


def host_has_ipv6() -> bool:
    """True when this host can bind IPv6 loopback (checked once, on first use)."""
    if not _ipv6:
        _ipv6.append(_ask({"ports": [], "ipv6": True})["ipv6"] is True)
    return _ipv6[0]


def busy_ports(ports: list[int], as_server: bool = False) -> list[int]:
    """The ports of `ports` that are not free, in their order: each bound TCP and UDP on
    127.0.0.1, 0.0.0.0, and (where the host has IPv6) ::1 and ::, in one call of the extension."""
    if not ports:
        return []
    busy = _ask({"ports": ports, "ipv6": host_has_ipv6(), "as_server": as_server})["busy"]
    return list(busy) if isinstance(busy, list) else []


def probe(port: int) -> bool:
    """True only if `port` can be bound for TCP and UDP on 127.0.0.1, 0.0.0.0, and (where the
    host has IPv6) ::1 and ::. Any refusal (in use, privileged, excluded) means not free."""
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValueError(f"probe takes a port (1-65535), not {port!r}")
    return not busy_ports([port])


def free_for_a_server(port: int) -> bool:
    """`probe` as a server about to start sees it: a kept port checked before `run` or `bind`.
    Connections of the service's previous run, still in TIME_WAIT, do not make it busy (a
    restart would otherwise be refused for a minute); a listener or a bound socket does."""
    return not busy_ports([port], as_server=True)
