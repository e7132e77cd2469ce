"""`bind`: a socket already bound on a service's port, so nothing can take the port between
the allocation and the server's start. The bind happens under the registry lock, and the
lease is written only once it succeeded: a failed bind never moves or removes a lease."""

from __future__ import annotations

import errno
import itertools
import os
import socket
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Optional

from ._allocate import _options
from ._config import resolve_project
from ._host_errors import bind_failed, kept_busy
from ._probe import free_for_a_server
from ._session import RegistrySession
from .typing import ExcludeEntry, HashName, Layout, ServiceValue

if TYPE_CHECKING:
    from ._allocate import PathArg, RangeArg

# Fresh ports tried when other processes keep taking the planned one after its probe.
_FRESH_ATTEMPTS = 5


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
    `bind_and_activate=False`, ...).

    Raises `PortInUseError` when the port is the service's kept lease and another process
    holds it (free it with `portplan release NAME`), and `PortplanError` (kind `host`) with
    the real cause when the bind fails otherwise (an address this host lacks, a port it may
    not bind); the lease is never moved or removed by a failed bind."""
    project = resolve_project(
        [name], _options(range, namespace, layout, hash, block_size, exclude, browser_safe, services), config, cwd
    )
    busy = list(busy)
    port, last_error = 0, OSError(errno.EADDRINUSE, os.strerror(errno.EADDRINUSE))
    with RegistrySession(write=True) as session:
        for _ in itertools.repeat(None, _FRESH_ATTEMPTS):  # (the keyword `range` hides the builtin)
            answer = session.allocate(project, [name], busy, probe)
            entry = next(e for e in answer["plan"] if e["name"] == name)
            port, kind = entry["port"], entry["reason"]["kind"]
            if kind == "kept" and probe and not free_for_a_server(port):
                raise kept_busy(project.namespace, name, port)
            try:
                sock = _bound_socket(host, port, type, backlog)
            except OSError as error:
                in_use = error.errno == errno.EADDRINUSE
                if in_use and kind == "kept":
                    raise kept_busy(project.namespace, name, port) from error
                if in_use and kind != "pinned":
                    # Taken since its probe: this fresh port was never ours; plan without it.
                    busy.append(port)
                    last_error = error
                    continue
                raise bind_failed(name, port, host, error) from error
            try:
                session.write(answer)
            except BaseException:
                sock.close()
                raise
            return sock
    raise bind_failed(name, port, host, last_error)
