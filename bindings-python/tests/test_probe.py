"""portplan.probe against ports held on each address family, address and protocol."""

from __future__ import annotations

import socket
import subprocess
import sys

import portplan
import pytest
from conftest import as_plain_user, free_ports
from portplan import _native


def host_has_ipv6() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


def busy_ports(ports: list[int]) -> list[int]:
    """The ports the extension's probe (the one every session runs) finds busy, in order."""
    return [port for port, free in zip(ports, _native.probe(ports, False)) if not free]


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


def test_a_reusing_socket_bound_but_not_listening_counts(free_port: int) -> None:
    # A server between bind and listen, or a client bound to a fixed port: only a bind
    # without SO_REUSEADDR (the probe's) sees it.
    for family, address in ADDRESSES:
        holder = socket.socket(family, socket.SOCK_STREAM)
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            holder.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        holder.bind((address, free_port))
        try:
            assert portplan.probe(free_port) is False, address
        finally:
            holder.close()


@pytest.mark.skipif(
    not sys.platform.startswith("linux"),
    reason="reads Linux's /proc/sys/net/ipv4/ip_unprivileged_port_start (macOS, Windows: every user may bind port 80)",
)
def test_a_privileged_port_is_refused_for_a_plain_user() -> None:
    # EACCES counts as not free (SPEC §7); as root, the probe runs as `nobody`.
    with open("/proc/sys/net/ipv4/ip_unprivileged_port_start") as file:
        if int(file.read()) <= 80:
            pytest.skip("this host lets every user bind port 80")
    free = free_ports(1, start=42000)[0]
    code = f"import portplan; print(portplan.probe(80), portplan.probe({free}))"
    done = subprocess.run([*as_plain_user(), sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"]


def test_a_batch_names_exactly_the_busy_ports_in_order() -> None:
    # One call for many ports, a few of them held in different ways.
    ports = free_ports(40, start=43000)
    held = [ports[3], ports[17], ports[38]]
    holders = [_hold(socket.AF_INET, "127.0.0.1", socket.SOCK_STREAM, held[0])]
    holders.append(_hold(socket.AF_INET, "0.0.0.0", socket.SOCK_DGRAM, held[1]))
    holders.append(_hold(*ADDRESSES[-1], socket.SOCK_DGRAM, held[2]))
    try:
        assert busy_ports(list(reversed(ports))) == list(reversed(held))
    finally:
        for holder in holders:
            holder.close()
    assert busy_ports(ports) == []


@pytest.mark.parametrize(
    ("port", "error"), [(0, ValueError), (-1, ValueError), (65536, ValueError), (True, TypeError), ("80", TypeError)]
)
def test_probe_takes_ports_only(port: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="probe takes a port"):
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
    def free_for_a_server(port: int) -> bool:
        return _native.probe([port], True)[0]

    _time_wait_on(free_port)
    assert not portplan.probe(free_port), "the plain probe counts TIME_WAIT as taken"
    assert free_for_a_server(free_port), "a server about to start binds over it"
    # SPEC v3 §9: an allocation counts it free (issue 25 #1: a rerun's port does not move).
    assert portplan.port("web", range=(free_port, free_port), exclude=[], namespace="tw") == free_port
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("0.0.0.0", free_port))
        listener.listen(1)
        assert not free_for_a_server(free_port), "a listener, even a reusing one, is busy"
