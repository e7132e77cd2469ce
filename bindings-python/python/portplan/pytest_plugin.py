"""The pytest plugin of portplan (entry point `pytest11`: loaded by every pytest run of an
environment that has portplan; `-p no:portplan` turns it off).

    def test_api(portplan_port):
        port = portplan_port("api")     # this worker's and this checkout's port of "api"

A test session leases its names in a test namespace the core derives from the project's
namespace, the xdist worker (`PYTEST_XDIST_WORKER`, else `main`) and a hash of the project root
(docs/core-api.md, `test_namespace`): each worker of each checkout gets its own ports, the same
on every run, whoever starts first; the session frees them when it ends.

This module is imported at every pytest start, also where no test asks for a port: beyond
the package itself it imports nothing of portplan until a test does.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Optional, Protocol

import pytest


class PortFactory(Protocol):
    """The type of the `portplan_port` fixture: `portplan_port("api") -> 21225`."""

    @property
    def namespace(self) -> str:
        """The session's test namespace (`shop:test-gw0-1a2b3c4d`)."""
        ...

    def __call__(self, name: str) -> int: ...


class TestPorts:
    """The ports of one test session (one xdist worker): leased on first use, freed at the end."""

    __test__ = False  # named Test*, but not a test case for pytest to collect

    def __init__(self, start: Path) -> None:
        self._start = str(start)
        self._namespace: Optional[str] = None
        self._ports: dict[str, int] = {}

    @property
    def namespace(self) -> str:
        """This session's namespace: the project's (found from the pytest rootdir), the worker
        and the checkout folded in by the core."""
        if self._namespace is None:
            from . import _native
            from ._config import resolve_project
            from ._core import call

            project = resolve_project(cwd=self._start)
            request = {
                "what": "test_namespace",
                "namespace": project.namespace,
                "root": project.root,
                "worker": os.environ.get("PYTEST_XDIST_WORKER"),
                "hash": project.config["hash"],
            }
            self._namespace = str(call(_native.render_json, request)["text"])
        return self._namespace

    def __call__(self, name: str) -> int:
        if name not in self._ports:
            from ._allocate import port

            self._ports[name] = port(name, cwd=self._start, namespace=self.namespace)
        return self._ports[name]

    def release(self) -> None:
        """Frees every lease of this session's namespace held by this checkout."""
        if self._ports:
            from ._allocate import release

            release(None, namespace=self.namespace, cwd=self._start)
            self._ports.clear()


@pytest.fixture(scope="session")
def portplan_port(request: pytest.FixtureRequest) -> Iterator[PortFactory]:
    """`portplan_port(name)`: the port of `name` for this worker of this checkout (probed free,
    leased, the same on every run); every port it gave is released when the session ends."""
    ports = TestPorts(request.config.rootpath)
    try:
        yield ports
    finally:
        ports.release()
