"""portplan.probe against ports held on each address family, address and protocol."""

from __future__ import annotations

import errno
import socket

import portplan
import pytest
from portplan._probe import host_has_ipv6

ADDRESSES = [(socket.AF_INET, "127.0.0.1"), (socket.AF_INET, "0.0.0.0")]
if host_has_ipv6():
    ADDRESSES += [(socket.AF_INET6, "::1"), (socket.AF_INET6, "::")]
HOLDERS = [(family, address, kind) for family, address in ADDRESSES for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM)]


def _hold(
    family: socket.AddressFamily, address: str, kind: socket.SocketKind, port: int, reuse: bool = False
) -> socket.socket:
    sock = socket.socket(family, kind)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    if reuse:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((address, port))
    if kind == socket.SOCK_STREAM:
        sock.listen(1)
    return sock


def test_a_free_port_is_free(free_port: int) -> None:
    assert portplan.probe(free_port) is True


@pytest.mark.parametrize(
    ("family", "address", "kind"),
    HOLDERS,
    ids=[f"{'tcp' if k == socket.SOCK_STREAM else 'udp'}-{a}" for _, a, k in HOLDERS],
)
def test_a_port_held_anywhere_is_not_free(
    family: socket.AddressFamily, address: str, kind: socket.SocketKind, free_port: int
) -> None:
    holder = _hold(family, address, kind, free_port)
    try:
        assert portplan.probe(free_port) is False
    finally:
        holder.close()
    assert portplan.probe(free_port) is True


def test_a_holder_with_reuseaddr_still_counts(free_port: int) -> None:
    holder = _hold(socket.AF_INET, "0.0.0.0", socket.SOCK_STREAM, free_port, reuse=True)
    try:
        assert portplan.probe(free_port) is False
    finally:
        holder.close()


@pytest.mark.parametrize("code", [errno.EACCES, errno.EPERM, errno.EADDRINUSE])
def test_refusals_mean_not_free(code: int, free_port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    real_bind = socket.socket.bind

    def refuse_udp(self: socket.socket, address: tuple[str, int]) -> None:
        if self.type == socket.SOCK_DGRAM:
            raise OSError(code, "refused")
        real_bind(self, address)

    monkeypatch.setattr(socket.socket, "bind", refuse_udp)
    assert portplan.probe(free_port) is False


@pytest.mark.parametrize("port", [0, -1, 65536, True, "80"])
def test_probe_takes_ports_only(port: object) -> None:
    with pytest.raises(ValueError, match="probe takes a port"):
        portplan.probe(port)  # type: ignore[arg-type]


def _time_wait_on(port: int) -> None:
    """Leaves a connection of a server on `port` in TIME_WAIT (the server closes first), as a
    dev server that just stopped does."""
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen(1)
        with socket.create_connection(("127.0.0.1", port)) as client:
            conn, _ = server.accept()
            conn.close()
            client.recv(1)


def test_a_restarting_server_is_not_kept_out_by_its_own_time_wait(free_port: int) -> None:
    from portplan._probe import free_for_a_server

    _time_wait_on(free_port)
    assert not portplan.probe(free_port), "the plain probe counts TIME_WAIT as taken"
    assert free_for_a_server(free_port), "a server about to start binds over it"
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("0.0.0.0", free_port))
        listener.listen(1)
        assert not free_for_a_server(free_port), "a listener, even a reusing one, is busy"
