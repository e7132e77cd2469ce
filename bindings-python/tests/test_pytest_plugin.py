"""The pytest plugin (`portplan_port`, `portplan_socket`), in real pytest sessions of a generated
project: the test namespace of the worker and the checkout, ports stable across reruns (the
leases are kept), distinct between sessions at the same time in one checkout, with and without
pytest-xdist."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Optional

import portplan
import pytest

PYPROJECT = '[project]\nname = "shop"\nversion = "1"\n\n[tool.portplan]\nrange = [30000, 32767]\n'

# The project's test records what the fixture gave, and the registry as seen during the session.
TEST = """\
import json
import os

import portplan


def test_ports(portplan_port):
    api = portplan_port("api")
    assert portplan_port("api") == api
    seen = {"api": api, "web": portplan_port("web"), "namespace": portplan_port.namespace}
    seen["leases"] = [(l.namespace, l.name, l.root, l.port) for l in portplan.leases()]
    with open(os.environ["RECORD"], "a") as file:
        file.write(json.dumps(seen) + "\\n")
"""

# Waits until the test of the other session has recorded too (the parent says go).
WAIT_TEST = """

def test_wait():
    import time
    while not os.path.exists(os.environ["GO"]):
        time.sleep(0.05)
"""

# A server on the session's socket that closes its connection first (TIME_WAIT on its port).
SERVER_TEST = """import socket


def test_server(portplan_socket, portplan_port):
    server = portplan_socket("api")
    assert server.getsockname()[1] == portplan_port("api")
    client = socket.create_connection(server.getsockname())
    conn, _ = server.accept()
    conn.close()
    client.recv(1)
    client.close()
    server.close()
"""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (folder / "test_ports.py").write_text(TEST, encoding="utf-8")
    return folder.resolve()


def _pytest(checkout: Path, record: Path, *options: str, env: Optional[dict[str, str]] = None) -> subprocess.Popen[str]:
    """A pytest session in `checkout` (started, not waited for); its test records into `record`."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    environment.update({"RECORD": str(record), **(env or {})})
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options]
    return subprocess.Popen(
        command, cwd=checkout, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def _records(record: Path) -> list[dict[str, Any]]:
    """What the tests of a session recorded (one line each), then forgotten."""
    if not record.exists():
        return []
    lines = [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()]
    record.unlink()
    return lines


def _session(
    checkout: Path, worker: Optional[str] = None, *options: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """One pytest session in `checkout` (as xdist worker `worker`); what its test recorded."""
    record = checkout.parent / "record.jsonl"
    session = _pytest(checkout, record, *options, env={"PYTEST_XDIST_WORKER": worker} if worker else None)
    out, _ = session.communicate(timeout=120)
    done = subprocess.CompletedProcess(session.args, session.returncode, out, "")
    found = _records(record)
    return done, found[0] if found else {}


def _homes(namespace: str) -> dict[str, int]:
    return portplan.plan(
        {"range": [30000, 32767], "namespace": namespace, "services": {"api": True, "web": True}}
    ).ports


def test_a_session_leases_its_ports_and_keeps_them(checkout: Path) -> None:
    done, seen = _session(checkout)
    assert done.returncode == 0, done.stdout
    namespace = seen["namespace"]
    assert namespace.startswith("shop:test-main-")
    homes = _homes(namespace)
    assert (seen["api"], seen["web"]) == (homes["api"], homes["web"])
    leases = sorted((lease.namespace, lease.name, lease.root, lease.port) for lease in portplan.leases())
    assert leases == [(namespace, "api", str(checkout), homes["api"]), (namespace, "web", str(checkout), homes["web"])]
    assert sorted(map(tuple, seen["leases"])) == leases, "kept at the end of the session (issue 25 #1)"


def test_the_same_ports_on_every_run_also_after_a_server_closed_first(checkout: Path) -> None:
    first = _session(checkout)[1]
    # The test's server closed its connection first: its port is in TIME_WAIT at the rerun.
    (checkout / "test_server.py").write_text(SERVER_TEST, encoding="utf-8")
    second = _session(checkout)[1]
    third = _session(checkout)[1]
    assert first
    assert (first["api"], first["web"]) == (second["api"], second["web"]) == (third["api"], third["web"])


def test_each_worker_has_its_own_namespace(checkout: Path) -> None:
    seen = {worker: _session(checkout, worker)[1] for worker in ("gw0", "gw1")}
    for worker, record in seen.items():
        assert record["namespace"].startswith(f"shop:test-{worker}-")
        assert record["api"] == _homes(record["namespace"])["api"]
    assert seen["gw0"]["api"] != seen["gw1"]["api"]


def test_each_checkout_has_its_own_namespace(checkout: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / "shop"
    other.mkdir(parents=True)
    for name in ("pyproject.toml", "test_ports.py"):
        (other / name).write_text((checkout / name).read_text(encoding="utf-8"), encoding="utf-8")
    here, there = _session(checkout)[1], _session(other.resolve())[1]
    assert str(here["namespace"]).startswith("shop:test-main-")
    assert str(there["namespace"]).startswith("shop:test-main-")
    assert here["namespace"] != there["namespace"]


@pytest.mark.parametrize("xdist", [(), ("-n", "2")], ids=["plain", "xdist-2"])
def test_two_sessions_at_once_get_their_own_ports_and_a_rerun_the_first_ones(
    checkout: Path, xdist: tuple[str, ...]
) -> None:
    """Issue 25 #2: an IDE's runner and a terminal in one checkout at the same time."""
    go = checkout.parent / "go"
    # Two tests record (one file each, so xdist gives each worker one), then one waits.
    (checkout / "test_more.py").write_text(TEST.replace("def test_ports", "def test_more"), encoding="utf-8")
    (checkout / "test_zwait.py").write_text("import os\n" + WAIT_TEST, encoding="utf-8")
    records = [checkout.parent / f"record-{i}.jsonl" for i in range(2)]
    options = (*xdist, "--dist", "loadfile") if xdist else ()
    sessions = [_pytest(checkout, record, *options, env={"GO": str(go)}) for record in records]
    deadline = time.monotonic() + 60
    while not all(record.exists() and len(record.read_text().splitlines()) >= 2 for record in records):
        assert time.monotonic() < deadline, [session.poll() for session in sessions]
        time.sleep(0.05)
    go.touch()  # both sessions held their ports at once until now
    for session in sessions:
        out, _ = session.communicate(timeout=120)
        assert session.returncode == 0, out
    seen = [_records(record) for record in records]
    ports = [{(r["namespace"], r["api"], r["web"]) for r in session} for session in seen]
    all_ports = [p for session in ports for _, api, web in session for p in (api, web)]
    assert len(all_ports) == len(set(all_ports)) == (8 if xdist else 4), "no port is shared"
    # A rerun alone takes the first slot again: the ports of one of the two sessions.
    go.unlink()
    go.touch()
    rerun = _pytest(checkout, records[0], *options, env={"GO": str(go)})
    out, _ = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, out
    again = {(r["namespace"], r["api"], r["web"]) for r in _records(records[0])}
    assert again in ports
    assert not [ns for ns, _, _ in again if ns.endswith("-1")], "the first slot: the namespace as it is"


def test_a_session_that_asks_for_no_port_touches_no_registry(checkout: Path, registry_home: Path) -> None:
    (checkout / "test_ports.py").write_text("def test_nothing():\n    pass\n", encoding="utf-8")
    done, _ = _session(checkout)
    assert done.returncode == 0, done.stdout
    assert not (registry_home / "registry.json").exists()


def test_the_socket_fixture_serves_on_the_sessions_port(checkout: Path) -> None:
    (checkout / "test_server.py").write_text(SERVER_TEST, encoding="utf-8")
    done, _ = _session(checkout)
    assert done.returncode == 0, done.stdout
    assert "2 passed" in done.stdout


def test_an_error_names_its_cause(checkout: Path) -> None:
    (checkout / "pyproject.toml").write_text(PYPROJECT.replace("[30000, 32767]", "[9, 1]"), encoding="utf-8")
    done, _ = _session(checkout)
    assert done.returncode == 1
    assert "PlanError" in done.stdout
    assert "range" in done.stdout


def test_the_plugin_can_be_turned_off(checkout: Path) -> None:
    done, seen = _session(checkout, None, "-p", "no:portplan")
    assert done.returncode == 1
    assert "fixture 'portplan_port' not found" in done.stdout
    assert seen == {}


def test_the_entry_point_names_the_plugin() -> None:
    from importlib.metadata import entry_points

    found = [e for e in entry_points(group="pytest11") if e.name == "portplan"]
    assert [e.value for e in found] == ["portplan.pytest_plugin"]


def test_the_plugin_module_imports_nothing_more() -> None:
    """pytest imports the plugin at every start, also where no test asks for a port: beyond
    pytest and the package itself, it may load nothing until a test asks."""
    code = (
        "import sys, pytest, portplan\n"
        "before = set(sys.modules)\n"
        "import portplan.pytest_plugin\n"
        "print(sorted(set(sys.modules) - before))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "['portplan.pytest_plugin']\n"
