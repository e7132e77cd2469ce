"""`bind`: a socket already bound on a service's port, so nothing can take the port between the
allocation and the server's start. The core's `listen` call asks for the socket (the `listen`
effect, _listen.py) before it writes the lease, and says what a failed bind means."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Optional

from . import _calls, _options
from ._listen import SocketListener

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from ._api import ExcludeArg, RangeArg
    from ._options import PathArg
    from ._schema import HashKind, Layout
    from .typing import ServiceValue as Service


def bind(
    name: str,
    *,
    host: Optional[str] = None,
    type: socket.SocketKind = socket.SOCK_STREAM,
    backlog: int = 128,
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
    test: Optional[str] = None,
) -> socket.socket:
    """A socket bound on the port of `name` (listening, for TCP), so no other process can take
    the port between the allocation and the server's start. Hand it to the server
    (`uvicorn.Server(...).run(sockets=[sock])`, `HTTPServer` with `bind_and_activate=False`, ...).

    `host`: the address; None (default) is loopback, `""` every IPv4 interface (as in
    `socket.bind`). Raises `PortInUseError` (an `OSError` with `errno.EADDRINUSE`, `.port`,
    `.name`) when the port is the service's kept lease or pin and another process holds it (free
    a lease with `portplan release NAME`), and `PortplanError` (kind `host`) with the real cause
    when the bind fails otherwise (an address this host lacks, a port it may not bind); a failed
    bind never moves or removes a lease. `test`: the test runner a fixture calls from
    (`"pytest"`: the test session's namespace and slot, as the `portplan_socket` fixture)."""
    _options.name("bind", name)
    if host is not None and not isinstance(host, str):
        raise TypeError(f"host must be an address (str), not {host.__class__.__name__}")
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
    options = _options.call_options(cwd=cwd, config=config, busy=busy, probe=probe, test=test, keys=keys)
    listener = SocketListener(type, backlog)
    try:
        _calls.listen(name, options, host, listener)
    except BaseException:
        listener.close()
        raise
    if listener.socket is None:
        raise RuntimeError("portplan's core answered a port without asking for the socket; please report it")
    return listener.socket
