"""The host probe (SPEC §7): is a port free for TCP and UDP on every local address?"""

from __future__ import annotations

import functools
import os
import socket

_IPV4 = ("127.0.0.1", "0.0.0.0")
_IPV6 = ("::1", "::")


@functools.lru_cache(maxsize=1)
def host_has_ipv6() -> bool:
    """True when this host can bind IPv6 loopback (checked once, on first use)."""
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


def _can_bind(
    family: socket.AddressFamily, kind: socket.SocketKind, address: str, port: int, as_server: bool = False
) -> bool:
    try:
        with socket.socket(family, kind) as sock:
            # No SO_REUSEADDR: a port in TIME_WAIT or shared by a reusing listener counts as taken.
            # As a server binds (POSIX), connections left in TIME_WAIT do not count, a listener does.
            if as_server and os.name == "posix" and kind == socket.SOCK_STREAM:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                # Test IPv6 alone; the IPv4 addresses are tested by their own binds.
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind((address, port))
            if kind == socket.SOCK_STREAM:
                sock.listen(1)
        return True
    except OSError:  # EADDRINUSE, EACCES, EPERM, ...: not free
        return False


def _targets() -> list[tuple[socket.AddressFamily, str]]:
    targets = [(socket.AF_INET, address) for address in _IPV4]
    if host_has_ipv6():
        targets += [(socket.AF_INET6, address) for address in _IPV6]
    return targets


def probe(port: int) -> bool:
    """True only if `port` can be bound for TCP and UDP on 127.0.0.1, 0.0.0.0, and (where the
    host has IPv6) ::1 and ::. Any refusal (in use, privileged, excluded) means not free."""
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValueError(f"probe takes a port (1-65535), not {port!r}")
    return all(
        _can_bind(family, kind, address, port)
        for family, address in _targets()
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM)
    )


def free_for_a_server(port: int) -> bool:
    """`probe` as a server about to start sees it: a kept port checked before `run` or `bind`.
    Connections of the service's previous run, still in TIME_WAIT, do not make it busy (a
    restart would otherwise be refused for a minute); a listener or a bound socket does."""
    return all(
        _can_bind(family, kind, address, port, as_server=True)
        for family, address in _targets()
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM)
    )
