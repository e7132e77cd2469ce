"""portplan.bind: a socket already bound on the service's port."""

from __future__ import annotations

import socket
from pathlib import Path

import portplan
import pytest
from conftest import free_ports
from portplan import _allocate


@pytest.fixture
def small_range() -> tuple[int, int]:
    ports = free_ports(10, start=43000)
    return ports[0], ports[-1]


def _holder(port: int) -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", port))
    sock.listen(1)
    return sock


def test_bind_gives_a_listening_socket_on_the_leased_port(project: Path, small_range: tuple[int, int]) -> None:
    sock = portplan.bind("web", range=small_range, exclude=[])
    try:
        port = sock.getsockname()[1]
        assert sock.getsockname()[0] == "127.0.0.1"
        assert [(lease.name, lease.port) for lease in portplan.leases()] == [("web", port)]
        with socket.create_connection(("127.0.0.1", port)) as client:
            conn, _ = sock.accept()
            conn.close()
            assert client.getpeername()[1] == port
    finally:
        sock.close()
    # Closed, the same name gets the same port again.
    again = portplan.bind("web", range=small_range, exclude=[])
    assert again.getsockname()[1] == port
    again.close()


def test_bind_udp(project: Path, small_range: tuple[int, int]) -> None:
    sock = portplan.bind("dns", type=socket.SOCK_DGRAM, range=small_range, exclude=[])
    try:
        assert sock.type == socket.SOCK_DGRAM
        assert sock.getsockname()[1] == portplan.leases()[0].port
    finally:
        sock.close()


def test_a_port_taken_after_the_probe_moves_the_new_lease(
    project: Path, small_range: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = portplan.plan({"range": list(small_range), "exclude": [], "namespace": "shop", "services": {"web": True}})[
        "web"
    ]
    holder = _holder(home)
    # The probe saw it free; another process bound it before we did.
    monkeypatch.setattr(_allocate, "probe_port", lambda port: True)
    try:
        sock = portplan.bind("web", range=small_range, exclude=[])
    finally:
        holder.close()
    try:
        port = sock.getsockname()[1]
        assert port != home
        assert small_range[0] <= port <= small_range[1]
        assert [(lease.name, lease.port) for lease in portplan.leases()] == [("web", port)]
    finally:
        sock.close()


def test_a_kept_lease_held_by_another_process_is_an_error(project: Path, small_range: tuple[int, int]) -> None:
    port = portplan.port("web", range=small_range, exclude=[])
    holder = _holder(port)
    try:
        with pytest.raises(portplan.PortInUseError) as raised:
            portplan.bind("web", range=small_range, exclude=[])
    finally:
        holder.close()
    assert f"port {port}" in str(raised.value)
    assert "portplan release web" in str(raised.value)
    assert [(lease.name, lease.port) for lease in portplan.leases()] == [("web", port)]


def test_a_pinned_port_in_use(project: Path, small_range: tuple[int, int]) -> None:
    pinned = small_range[0]
    holder = _holder(pinned)
    try:
        with pytest.raises(portplan.PlanError) as raised:
            portplan.bind("db", services={"db": pinned})
        assert raised.value.kind == "pin_busy"
        with pytest.raises(portplan.PortInUseError):
            portplan.bind("db", services={"db": pinned}, probe=False)
    finally:
        holder.close()
