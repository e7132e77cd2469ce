"""The pytest plugin with real pytest-xdist, as its users run it: two checkouts of one project
(like-named folders) each run `pytest -n 4` at the same time, twice. Every worker of every
checkout holds its ports until all eight sessions have theirs, so a port given twice fails to
bind; each session must get its namespace's home ports (not ports that depend on who asked
first), the same on the second run, and no lease may be left."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import portplan
from conftest import leases
from portplan import _native

RANGE = (30000, 32767)

PYPROJECT = """\
[project]
name = "shop"
version = "1.0"

[tool.portplan]
range = [30000, 32767]
"""

# The users' own conftest: a session fixture of each worker takes its ports, binds them, records
# them, and waits until every session of the run holds its own (a barrier over files).
CONFTEST = """\
import json
import os
import socket
import time
from pathlib import Path

import pytest

OUT = Path(os.environ["PORTS_OUT"])


@pytest.fixture(scope="session", autouse=True)
def held_ports(portplan_port):
    ports = {name: portplan_port(name) for name in ("api", "web")}
    sockets = []
    for port in ports.values():
        sock = socket.socket()
        sock.bind(("127.0.0.1", port))
        sock.listen()
        sockets.append(sock)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    checkout = Path.cwd().parent.name
    record = {"checkout": checkout, "worker": worker, "namespace": portplan_port.namespace, "ports": ports}
    run = os.environ["PORTS_RUN"]
    (OUT / f"{run}-{record['checkout']}-{worker}.json").write_text(json.dumps(record))
    deadline = time.monotonic() + 300  # a guard against a hang, not a measured time
    while len(list(OUT.glob(f"{run}-*.json"))) < int(os.environ["PORTS_PARTIES"]):
        assert time.monotonic() < deadline, "not every session of the run got its ports"
        time.sleep(0.05)
    yield ports
    for sock in sockets:
        sock.close()
"""

# Sixteen tests: xdist's first batch gives each of the four workers some.
TESTS = """\
import pytest


@pytest.mark.parametrize("case", range(16))
def test_ports_are_this_sessions(case, portplan_port, held_ports):
    assert portplan_port("api") == held_ports["api"]
    assert portplan_port("web") == held_ports["web"]
    assert portplan_port("api") != portplan_port("web")
"""


def _test_namespace(root: Path, worker: str) -> str:
    request = {"what": "test_namespace", "namespace": "shop", "root": str(root), "worker": worker}
    text: str = json.loads(_native.render_json(json.dumps(request)))["text"]
    return text


def _home_ports(root: Path) -> dict[tuple[str, str], dict[str, int]]:
    """The ports each worker of the checkout at ROOT gets when no other lease is in the way:
    the pure plan of its test namespace."""
    homes = {}
    for worker in ("gw0", "gw1", "gw2", "gw3"):
        config = {
            "range": list(RANGE),
            "namespace": _test_namespace(root, worker),
            "services": {"api": True, "web": True},
        }
        homes[(root.parent.name, worker)] = portplan.plan(config).ports
    return homes


def _checkout_folders(base: Path) -> list[Path]:
    """Two parent folders whose checkouts' sixteen home ports differ. Homes are hashes: two
    sessions may share one (a few per cent in this range), and then the first to ask keeps it,
    which no test can hold stable; the folders are chosen so this test never meets that case."""
    for n in itertools.count():
        folders = [base / f"alice{n}", base / f"bob{n}"]
        homes = [
            port for folder in folders for ports in _home_ports(folder / "shop").values() for port in ports.values()
        ]
        if len(set(homes)) == len(homes):
            return folders
    raise AssertionError("unreachable")


def _checkout(folder: Path) -> Path:
    """A checkout of the project in FOLDER/shop (every checkout's folder is named alike)."""
    project = folder / "shop"
    project.mkdir(parents=True)
    (project / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (project / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (project / "test_ports.py").write_text(TESTS, encoding="utf-8")
    return project


def _run_both(checkouts: list[Path], env: dict[str, str], out: Path, run: str) -> dict[tuple[str, str], dict[str, int]]:
    """`pytest -n 4` in every checkout at once; the ports each (checkout, worker) held."""
    env = {**env, "PORTS_OUT": str(out), "PORTS_RUN": run, "PORTS_PARTIES": str(4 * len(checkouts))}
    command = [sys.executable, "-m", "pytest", "-n", "4", "-q", "-p", "no:cacheprovider"]
    started = [
        subprocess.Popen(command, cwd=checkout, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for checkout in checkouts
    ]
    for checkout, process in zip(checkouts, started):
        output, _ = process.communicate(timeout=600)
        assert process.returncode == 0, f"pytest -n 4 in {checkout} failed:\n{output}"
        assert "16 passed" in output, output
    records = [json.loads(path.read_text()) for path in sorted(out.glob(f"{run}-*.json"))]
    assert len(records) == 4 * len(checkouts)
    namespaces = {record["namespace"] for record in records}
    assert len(namespaces) == len(records), "every worker of every checkout has a namespace of its own"
    assert all(ns.startswith("shop:test-gw") for ns in namespaces), namespaces
    return {(record["checkout"], record["worker"]): record["ports"] for record in records}


def test_two_checkouts_each_with_four_workers_twice(tmp_path: Path) -> None:
    home = tmp_path / "portplan-home"
    home.mkdir()
    out = tmp_path / "records"
    out.mkdir()
    # pytest's tmp_path may hold symlinks: the roots the plugin sees are realpaths.
    checkouts = [_checkout(folder) for folder in _checkout_folders(tmp_path.resolve())]
    expected = {key: ports for checkout in checkouts for key, ports in _home_ports(checkout).items()}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PORTPLAN_"))}
    env["PORTPLAN_HOME"] = str(home)

    first = _run_both(checkouts, env, out, "first")
    given = [port for ports in first.values() for port in ports.values()]
    assert len(set(given)) == len(given) == 16, f"a port was given twice: {first}"
    assert first == expected, "every session got its own namespace's home ports"
    assert leases(checkouts[0], env) == [], "the sessions released their leases"

    second = _run_both(checkouts, env, out, "second")
    assert second == first, "the second run got the same ports"
    assert leases(checkouts[0], env) == []
