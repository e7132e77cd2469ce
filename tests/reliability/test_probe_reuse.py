"""The probe matrix's SO_REUSEADDR cases: a TCP socket bound with SO_REUSEADDR that does not
listen (a server between bind and listen, a client bound to a fixed port) is seen as taken by
the Python probe and by the npm package's native probe (the napi addon binds without
SO_REUSEADDR); Node's own sockets cannot see it (libuv sets SO_REUSEADDR on every TCP server),
so the wasm engine's probe is left out here (docs/reliability.md, "Probe matrix")."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from contextlib import ExitStack

from reliability_helpers import HERE, NODE, python_probe

BASE = 45140  # this file's ports: 45140-45149

V4, V6 = socket.AF_INET, socket.AF_INET6

# (case, family, address)
REUSING_HOLDERS = [
    ("tcp 0.0.0.0 bound, not listening, SO_REUSEADDR", V4, "0.0.0.0"),
    ("tcp 127.0.0.1 bound, not listening, SO_REUSEADDR", V4, "127.0.0.1"),
    ("tcp :: IPv6 only bound, not listening, SO_REUSEADDR", V6, "::"),
    ("tcp ::1 bound, not listening, SO_REUSEADDR", V6, "::1"),
]


def native_probe(ports: list[int]) -> dict[int, bool]:
    """probe_driver.cjs with the native engine forced (it fails if no addon loads)."""
    out = subprocess.run(
        [NODE, str(HERE / "probe_driver.cjs"), *map(str, ports)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "PORTPLAN_ENGINE": "native"},
    ).stdout
    return {int(k): v for k, v in json.loads(out).items()}


def hold_reusing(stack: ExitStack, family: int, address: str, port: int) -> None:
    sock = stack.enter_context(socket.socket(family, socket.SOCK_STREAM))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == V6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    sock.bind((address, port))


def test_a_reusing_socket_bound_but_not_listening_is_taken_for_both_probes() -> None:
    ports = [BASE + i for i in range(len(REUSING_HOLDERS))]
    assert python_probe(ports) == dict.fromkeys(ports, True), "the test's ports are free at first (Python)"
    assert native_probe(ports) == dict.fromkeys(ports, True), "the test's ports are free at first (Node)"
    with ExitStack() as stack:
        for i, (_, family, address) in enumerate(REUSING_HOLDERS):
            hold_reusing(stack, family, address, BASE + i)
        seen = {"python": python_probe(ports), "node": native_probe(ports)}
    missed = [
        (language, case)
        for language, result in seen.items()
        for i, (case, *_) in enumerate(REUSING_HOLDERS)
        if result[BASE + i]
    ]
    assert not missed, f"ports held but probed free: {missed}"
    # The probes leave nothing bound: free again once the holders are gone.
    assert native_probe(ports) == dict.fromkeys(ports, True)
