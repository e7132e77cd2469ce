"""The pytest plugin of portplan (entry point `pytest11`: loaded by every pytest run of an
environment that has portplan; `-p no:portplan` turns it off).

    def test_api(portplan_port):
        port = portplan_port("api")     # this worker's and this checkout's port of "api"

    def test_server(portplan_socket):
        sock = portplan_socket("api")   # bound and listening on that port: no race to start

A test session is a call of the core with `test = "pytest"` (SPEC v3 §9 "Test sessions"): its
leases are in a test namespace of the project's namespace, the xdist worker
(`PYTEST_XDIST_WORKER`, else `main`) and the checkout, and in a slot this process holds while it
runs, so two sessions at once in one checkout get different ports, and a rerun gets the ports of
the last run. The leases are kept at the end: that is what keeps them stable.

This module is imported at every pytest start, also where no test asks for a port: beyond
the package itself it imports nothing of portplan until a test does.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Protocol

import pytest

if TYPE_CHECKING:
    import socket

# The core's name for this runner (CallOptions.test).
RUNNER = "pytest"


class PortFactory(Protocol):
    """The type of the `portplan_port` fixture: `portplan_port("api") -> 21225`."""

    @property
    def namespace(self) -> str:
        """The session's test namespace (`shop:test-gw0-1a2b3c4d`)."""
        ...

    def __call__(self, name: str) -> int: ...


class SocketFactory(Protocol):
    """The type of the `portplan_socket` fixture: a listening socket on the port of a name."""

    def __call__(self, name: str, *, host: Optional[str] = None) -> socket.socket: ...


class TestPorts:
    """The ports of one test session (one xdist worker), leased on first use."""

    __test__ = False  # named Test*, but not a test case for pytest to collect

    def __init__(self, start: Path) -> None:
        self._start = str(start)
        self._namespace: Optional[str] = None
        self._ports: dict[str, int] = {}

    def _ask(self, names: list[str]) -> dict[str, int]:
        from . import _calls, _options

        options = _options.call_options(cwd=self._start, test=RUNNER)
        answer = _calls.ports(names, options)
        self._namespace = answer["namespace"]
        return answer["ports"]

    @property
    def namespace(self) -> str:
        """This session's namespace: the project's (found from the pytest rootdir), the worker,
        the checkout and the session's slot folded in by the core."""
        if self._namespace is None:
            self._ask([])
        return str(self._namespace)

    def __call__(self, name: str) -> int:
        if name not in self._ports:
            self._ports.update(self._ask([name]))
        return self._ports[name]


class TestSockets:
    """Listening sockets on a test session's ports; closed when the session ends (a server that
    took one may have closed it already)."""

    __test__ = False

    def __init__(self, ports: TestPorts) -> None:
        self._ports = ports
        self._sockets: list[socket.socket] = []

    def __call__(self, name: str, *, host: Optional[str] = None) -> socket.socket:
        from ._bind import bind

        sock = bind(name, host=host, cwd=self._ports._start, test=RUNNER)
        self._sockets.append(sock)
        return sock

    def close(self) -> None:
        for sock in self._sockets:
            sock.close()
        self._sockets.clear()


@pytest.fixture(scope="session")
def portplan_port(request: pytest.FixtureRequest) -> PortFactory:
    """`portplan_port(name)`: the port of `name` for this worker of this checkout (probed free,
    leased, the same on every run, another in a session running at the same time)."""
    return TestPorts(request.config.rootpath)


@pytest.fixture(scope="session")
def portplan_socket(portplan_port: TestPorts) -> Iterator[SocketFactory]:
    """`portplan_socket(name)`: a socket bound and listening on `portplan_port(name)` (loopback;
    `host=""` for every interface), for a server to take over (`uvicorn.Server.run(sockets=[...])`,
    `--fd`): it serves on a port nothing can take in between, and a test that connects first
    waits in the backlog instead of failing."""
    sockets = TestSockets(portplan_port)
    try:
        yield sockets
    finally:
        sockets.close()
