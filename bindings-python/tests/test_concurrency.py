"""Processes allocating at the same time never hand out one port twice (the registry lock)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import portplan

WORKERS = 4
ROUNDS = 12
NAMES = ["a", "b"]
FIRST = 41000
# Exactly as many ports as all workers together need: a lost update shows up as a
# duplicate, a missing lease or range_exhausted.
LAST = FIRST + WORKERS * ROUNDS * len(NAMES) - 1

WORKER = (
    f"ROUNDS, NAMES, FIRST, LAST = {ROUNDS!r}, {NAMES!r}, {FIRST!r}, {LAST!r}\n"
    """
import json, os, sys, time
import portplan
go, worker = sys.argv[1], sys.argv[2]
while not os.path.exists(go):  # start together
    time.sleep(0.001)
got = {}
for round in range(ROUNDS):
    namespace = f"w{worker}-{round}"
    got[namespace] = portplan.ports(NAMES, namespace=namespace, range=(FIRST, LAST), exclude=[], probe=False)
print(json.dumps(got))
"""
)


def test_concurrent_allocations_share_the_registry(tmp_path: Path, registry_home: Path) -> None:
    go = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(go), str(i)],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(WORKERS)
    ]
    go.write_text("", encoding="utf-8")
    handed_out: dict[tuple[str, str], int] = {}
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        for namespace, ports in json.loads(out).items():
            handed_out.update({(namespace, name): port for name, port in ports.items()})
    assert len(handed_out) == WORKERS * ROUNDS * len(NAMES)
    assert sorted(handed_out.values()) == list(range(FIRST, LAST + 1))
    leases = {(lease.namespace, lease.name): lease.port for lease in portplan.leases()}
    assert leases == handed_out
    assert not [name for name in os.listdir(registry_home) if ".tmp." in name]
