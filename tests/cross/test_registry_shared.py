"""Node and Python processes allocate in one registry at the same time: no port is handed
out twice, no lease is lost, and the same names get the same ports again."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from conftest import NODE_CLI, PYTHON_CLI, lock_held

PROCESSES = 64


def start_all(project: Path, home: Path, names: list[str]) -> list[subprocess.Popen]:
    env = {**os.environ, "PORTPLAN_HOME": str(home)}
    processes = []
    for i, name in enumerate(names):
        cli = PYTHON_CLI if i % 2 == 0 else NODE_CLI
        processes.append(
            subprocess.Popen(
                [*cli, "get", name], cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
        )
    return processes


def ports_of(processes: list[subprocess.Popen], names: list[str]) -> dict[str, int]:
    ports = {}
    for name, process in zip(names, processes):
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, (name, err)
        ports[name] = int(out)
    return ports


def test_64_processes_of_two_languages_share_one_registry(tmp_path: Path) -> None:
    project = tmp_path / "crowd"
    project.mkdir()
    # A small range: many homes collide, so only the lock keeps ports apart.
    (project / "portplan.toml").write_text("range = [42000, 42099]\nexclude = []\n", encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    names = [f"svc-{i}" for i in range(PROCESSES)]
    first = ports_of(start_all(project, home, names), names)
    assert len(set(first.values())) == PROCESSES, "64 distinct ports"
    leases = json.loads((home / "registry.json").read_text())["leases"]
    assert len(leases) == PROCESSES, "64 leases, none twice"
    assert {(lease["name"], lease["port"]) for lease in leases} == set(first.items()), "every reported port is leased"
    # Languages swap in the second run: a name leased by Python is asked from Node and back.
    again = ports_of(start_all(project, home, names[1:] + names[:1]), names[1:] + names[:1])
    assert again == first, "the same names keep the same ports"
    after = json.loads((home / "registry.json").read_text())["leases"]
    assert len(after) == PROCESSES
    assert {(lease["name"], lease["port"], lease["created"]) for lease in after} == {
        (lease["name"], lease["port"], lease["created"]) for lease in leases
    }, "kept leases keep their creation time"
    assert not lock_held(home), "the lock is released"
    assert not list(home.glob("registry.json.tmp*")), "no temporary file left"
