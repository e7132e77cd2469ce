"""`probe(port)`: is a port free for TCP and UDP on every local address? The binds run in the
extension (`portplan-native`'s probe, the one every session uses)."""

from __future__ import annotations

from . import _native


def probe(port: int) -> bool:
    """True only if `port` can be bound for TCP and UDP on 127.0.0.1, 0.0.0.0, and (where the
    host has IPv6) ::1 and ::. Any refusal (in use, privileged, excluded) means not free, and so
    does a connection in TIME_WAIT (allocations count it free: a server binds over it)."""
    if isinstance(port, bool) or not isinstance(port, int):
        raise TypeError(f"probe takes a port (an int), not {type(port).__name__}")
    if not 1 <= port <= 65535:
        raise ValueError(f"probe takes a port (1-65535), not {port!r}")
    return _native.probe([port], False)[0]
