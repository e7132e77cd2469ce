"""The pytest plugin with real pytest-xdist, as its users run it (SPEC v3 §9 "Test sessions"):
two checkouts of one project (like-named folders) each run `pytest -n 4` at the same time,
twice. Every worker of every checkout holds its ports until all eight sessions have theirs, so
a port given twice fails to bind; each session must get its namespace's home ports (not ports
that depend on who asked first), the same on the second run; the leases are kept between runs
(that is what keeps them stable). Two sessions at once in one checkout (an IDE's runner and a
terminal) get different slots, so different ports; a rerun alone gets the first slot's again."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import portplan
from conftest import leases

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
    (OUT / f"{run}-{record['checkout']}-{worker}-{os.getpid()}.json").write_text(json.dumps(record))
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
    """The core's test namespace of a worker of the checkout at ROOT, first slot
    (core/src/project/test_namespace.rs): `<namespace>:test-<worker>-<8 hex digits of the
    SHA-256 of the root>`."""
    return f"shop:test-{worker}-{hashlib.sha256(str(root).encode()).hexdigest()[:8]}"


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


def _run_at_once(
    checkouts: list[Path], env: dict[str, str], out: Path, run: str, workers: int = 4
) -> dict[tuple[str, str], dict[str, object]]:
    """`pytest -n WORKERS` in every checkout at once (a checkout may be listed twice: two
    sessions of it); the record of each session: {(checkout, namespace): {worker, ports}}."""
    env = {**env, "PORTS_OUT": str(out), "PORTS_RUN": run, "PORTS_PARTIES": str(workers * len(checkouts))}
    command = [sys.executable, "-m", "pytest", "-n", str(workers), "-q", "-p", "no:cacheprovider"]
    started = [
        subprocess.Popen(command, cwd=checkout, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for checkout in checkouts
    ]
    for checkout, process in zip(checkouts, started):
        output, _ = process.communicate(timeout=600)
        assert process.returncode == 0, f"pytest -n {workers} in {checkout} failed:\n{output}"
        assert "16 passed" in output, output
    records = [json.loads(path.read_text()) for path in sorted(out.glob(f"{run}-*.json"))]
    assert len(records) == workers * len(checkouts)
    namespaces = {record["namespace"] for record in records}
    assert len(namespaces) == len(records), "every worker of every session has a namespace of its own"
    assert all(ns.startswith("shop:test-gw") for ns in namespaces), namespaces
    return {
        (record["checkout"], record["namespace"]): {"worker": record["worker"], "ports": record["ports"]}
        for record in records
    }


def _run_both(checkouts: list[Path], env: dict[str, str], out: Path, run: str) -> dict[tuple[str, str], dict[str, int]]:
    """`pytest -n 4` in every checkout at once; the ports each (checkout, worker) held."""
    records = _run_at_once(checkouts, env, out, run)
    return {(checkout, str(record["worker"])): record["ports"] for (checkout, _ns), record in records.items()}


def _leased(checkout: Path, env: dict[str, str]) -> dict[tuple[str, str], int]:
    return {(str(lease["namespace"]), str(lease["name"])): int(lease["port"]) for lease in leases(checkout, env)}


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
    kept = _leased(checkouts[0], env)
    assert sorted(kept.values()) == sorted(given), "the sessions' leases are kept after the run"

    second = _run_both(checkouts, env, out, "second")
    assert second == first, "the second run got the same ports"
    assert _leased(checkouts[0], env) == kept, "the same leases, none added"


def test_two_sessions_at_once_in_one_checkout_get_different_slots(tmp_path: Path) -> None:
    """`pytest -n 2` twice at once in one checkout: four workers, four namespaces (the second
    session's with its slot, `-1`), four pairs of distinct ports; then a session alone takes the
    first slot again, and with it the ports of the first slot's session."""
    home = tmp_path / "portplan-home"
    home.mkdir()
    out = tmp_path / "records"
    out.mkdir()
    checkout = _checkout(tmp_path.resolve() / "solo")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PORTPLAN_"))}
    env["PORTPLAN_HOME"] = str(home)

    both = _run_at_once([checkout, checkout], env, out, "both", workers=2)
    given = [port for record in both.values() for port in record["ports"].values()]
    assert len(set(given)) == len(given) == 8, f"a port was given twice: {both}"
    bases = {worker: _test_namespace(checkout, worker) for worker in ("gw0", "gw1")}
    namespaces = {ns for _checkout_name, ns in both}
    assert namespaces == {*bases.values(), *(f"{base}-1" for base in bases.values())}, namespaces

    alone = _run_at_once([checkout], env, out, "alone", workers=2)
    assert {ns for _c, ns in alone} == set(bases.values()), "alone, a session takes the first slot"
    for key, record in alone.items():
        assert record["ports"] == both[key]["ports"], "... and that slot's ports"
