"""The `listen` effect of `bind`: the caller's socket, created, bound and listening on the port the
session chose, kept for the caller. A failure is reported by its errno name; the session decides
whether to try another port."""

from __future__ import annotations

import os
import socket

from ._os_error import os_error

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

    from ._schema import ReplyDone

# Where a session names no address (it always names one today): loopback, as the core's default.
_LOOPBACK = "127.0.0.1"


def open_socket(host: str, port: int, kind: socket.SocketKind, backlog: int) -> socket.socket:
    """A socket bound on `host` at `port` (listening, for TCP). `""` is every IPv4 interface,
    as in Python's `socket.bind(("", port))`."""
    family: socket.AddressFamily = socket.AF_INET
    address: tuple[object, ...] = ("", port)
    if host != "":
        found = socket.getaddrinfo(host, port, socket.AF_UNSPEC, kind, 0, socket.AI_PASSIVE)[0]
        family, address = found[0], found[4]
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


class SocketListener:
    """Does a session's `listen` effects and keeps the last socket it made."""

    def __init__(self, kind: socket.SocketKind, backlog: int) -> None:
        self.kind = kind
        self.backlog = backlog
        self.socket: Optional[socket.socket] = None

    def __call__(self, port: int, host: Optional[str]) -> ReplyDone:
        self.close()  # a try on another port: the last one's socket is not the caller's
        try:
            self.socket = open_socket(_LOOPBACK if host is None else host, port, self.kind, self.backlog)
        except OSError as error:
            return {"did": "done", "error": os_error(error)}
        return {"did": "done"}

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close()
            self.socket = None
