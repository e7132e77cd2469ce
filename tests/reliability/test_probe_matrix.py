"""Both probes (Python's and Node's) see a port as taken whichever way it is held:
every address family, dual stack or not, bound but not listening, UDP; a free port as
free; a privileged port as not free for a non-root user."""

from __future__ import annotations

import socket
from contextlib import ExitStack

import pytest
from reliability_helpers import IS_ROOT, node_probe, python_probe

BASE = 45100  # this file's ports: 45100-45129


def hold(
    stack: ExitStack, family: int, kind: int, address: str, port: int, *, v6only=None, listen=True, reuse=False
) -> None:
    sock = stack.enter_context(socket.socket(family, kind))
    if reuse:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if v6only is not None:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1 if v6only else 0)
    sock.bind((address, port))
    if listen and kind == socket.SOCK_STREAM:
        sock.listen(1)


V4, V6, TCP, UDP = socket.AF_INET, socket.AF_INET6, socket.SOCK_STREAM, socket.SOCK_DGRAM

# (case, family, kind, address, options)
HOLDERS = [
    ("tcp 127.0.0.1 listening", V4, TCP, "127.0.0.1", {}),
    ("tcp ::1 (IPv6 only) listening", V6, TCP, "::1", {"v6only": True}),
    ("tcp 0.0.0.0 listening", V4, TCP, "0.0.0.0", {}),
    ("tcp :: dual stack listening", V6, TCP, "::", {"v6only": False}),
    ("tcp :: IPv6 only listening", V6, TCP, "::", {"v6only": True}),
    ("tcp 127.0.0.1 bound, not listening", V4, TCP, "127.0.0.1", {"listen": False}),
    ("tcp :: IPv6 only bound, not listening", V6, TCP, "::", {"listen": False, "v6only": True}),
    ("tcp 0.0.0.0 listening, SO_REUSEADDR (servers)", V4, TCP, "0.0.0.0", {"reuse": True}),
    ("tcp ::1 listening, SO_REUSEADDR", V6, TCP, "::1", {"reuse": True, "v6only": True}),
    ("udp 0.0.0.0", V4, UDP, "0.0.0.0", {}),
    ("udp 127.0.0.1", V4, UDP, "127.0.0.1", {}),
    ("udp ::1", V6, UDP, "::1", {"v6only": True}),
    ("udp :: IPv6 only", V6, UDP, "::", {"v6only": True}),
    ("udp :: dual stack", V6, UDP, "::", {"v6only": False}),
]
FREE = BASE + len(HOLDERS)  # held by nobody


def test_each_way_of_holding_a_port_is_seen_by_both_probes() -> None:
    ports = [BASE + i for i in range(len(HOLDERS))] + [FREE]
    # Before: every port of this test is free (else the host is busy and the test says so).
    assert python_probe(ports) == dict.fromkeys(ports, True), "the test's ports are free at first (Python)"
    assert node_probe(ports) == dict.fromkeys(ports, True), "the test's ports are free at first (Node)"
    with ExitStack() as stack:
        for i, (_, family, kind, address, options) in enumerate(HOLDERS):
            hold(stack, family, kind, address, BASE + i, **options)
        seen = {"python": python_probe(ports), "node": node_probe(ports)}
    missed = [
        (language, case)
        for language, result in seen.items()
        for i, (case, *_) in enumerate(HOLDERS)
        if result[BASE + i]
    ]
    assert not missed, f"ports held but probed free: {missed}"
    assert seen["python"][FREE], "a free port is free in the Python probe"
    assert seen["node"][FREE], "a free port is free in the Node probe"
    # After: released ports are free again (the probes themselves leave nothing behind).
    assert python_probe(ports) == dict.fromkeys(ports, True)
    assert node_probe(ports) == dict.fromkeys(ports, True)


def test_python_probe_sees_a_reusing_socket_bound_but_not_listening() -> None:
    """A socket bound with SO_REUSEADDR and not (yet) listening. Node's native probe sees it
    too (test_probe_reuse.py); only the wasm engine's Node sockets cannot (libuv sets
    SO_REUSEADDR on TCP servers: docs/reliability.md, "not covered")."""
    port = BASE + 27
    with ExitStack() as stack:
        hold(stack, V4, TCP, "0.0.0.0", port, listen=False, reuse=True)
        assert python_probe([port]) == {port: False}


def test_a_port_held_by_the_other_language_is_taken() -> None:
    """A Node server (libuv sets SO_REUSEADDR) is seen by the Python probe and vice versa."""
    import subprocess
    import sys

    from reliability_helpers import NODE

    port = BASE + 28
    server = subprocess.Popen(
        [NODE, "-e", f"require('net').createServer().listen({port}, () => console.log('up'))"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout.readline().strip() == "up"
        assert python_probe([port]) == {port: False}
        assert node_probe([port]) == {port: False}
    finally:
        server.kill()
        server.wait()
    held = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1);"
                f"s.bind(('127.0.0.1', {port})); s.listen(); print('up', flush=True); sys.stdin.read()"
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert held.stdout.readline().strip() == "up"
        assert node_probe([port]) == {port: False}
    finally:
        held.stdin.close()
        held.wait()


@pytest.mark.parametrize("port", [80, 1023])
def test_a_privileged_port_is_not_free_for_a_normal_user(port: int) -> None:
    # As root, the probe runs as `nobody` (setpriv), so the case is still tested.
    user = "nobody" if IS_ROOT else None
    with open("/proc/sys/net/ipv4/ip_unprivileged_port_start") as f:
        start = int(f.read())
    if start <= port:
        pytest.skip(f"this host lets every user bind ports >= {start}")
    assert python_probe([port], user=user) == {port: False}
    assert node_probe([port], user=user) == {port: False}
