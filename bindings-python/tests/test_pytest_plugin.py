"""The pytest plugin (`portplan_port`), in pytest sessions of a generated project: the test
namespace of the worker and the checkout, ports stable across runs, leases held during the
session and released at its end. (Real pytest-xdist runs: tests/tools/test_pytest_xdist.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Optional

import portplan
import pytest
from portplan import _native

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
    with open(os.environ["RECORD"], "w") as file:
        json.dump(seen, file)
"""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (folder / "test_ports.py").write_text(TEST, encoding="utf-8")
    return folder.resolve()


def _session(
    checkout: Path, worker: Optional[str] = None, *options: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, object]]:
    """One pytest session in `checkout` (as xdist worker `worker`); what its test recorded."""
    record = checkout.parent / "record.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["RECORD"] = str(record)
    if worker is not None:
        env["PYTEST_XDIST_WORKER"] = worker
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options]
    done = subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True, check=False)
    seen: dict[str, object] = json.loads(record.read_text(encoding="utf-8")) if record.exists() else {}
    record.unlink(missing_ok=True)
    return done, seen


def _namespace(checkout: Path, worker: Optional[str]) -> str:
    request = {"what": "test_namespace", "namespace": "shop", "root": str(checkout), "worker": worker}
    text: str = json.loads(_native.render_json(json.dumps(request)))["text"]
    return text


def _homes(namespace: str) -> dict[str, int]:
    return portplan.plan(
        {"range": [30000, 32767], "namespace": namespace, "services": {"api": True, "web": True}}
    ).ports


def test_a_session_leases_its_ports_and_releases_them(checkout: Path) -> None:
    done, seen = _session(checkout)
    assert done.returncode == 0, done.stdout + done.stderr
    namespace = _namespace(checkout, None)
    assert namespace.startswith("shop:test-main-")
    assert seen["namespace"] == namespace
    homes = _homes(namespace)
    assert (seen["api"], seen["web"]) == (homes["api"], homes["web"])
    assert sorted(map(tuple, seen["leases"])) == [  # type: ignore[call-overload]
        (namespace, "api", str(checkout), homes["api"]),
        (namespace, "web", str(checkout), homes["web"]),
    ]
    assert portplan.leases() == [], "released when the session ended"


def test_the_same_ports_on_every_run(checkout: Path) -> None:
    first = _session(checkout)[1]
    second = _session(checkout)[1]
    assert first
    assert (first["api"], first["web"]) == (second["api"], second["web"])


def test_each_worker_has_its_own_namespace(checkout: Path) -> None:
    seen = {worker: _session(checkout, worker)[1] for worker in ("gw0", "gw1")}
    for worker, record in seen.items():
        assert record["namespace"] == _namespace(checkout, worker)
        assert record["api"] == _homes(_namespace(checkout, worker))["api"]
    assert seen["gw0"]["namespace"] != seen["gw1"]["namespace"]


def test_each_checkout_has_its_own_namespace(checkout: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / "shop"
    other.mkdir(parents=True)
    for name in ("pyproject.toml", "test_ports.py"):
        (other / name).write_text((checkout / name).read_text(encoding="utf-8"), encoding="utf-8")
    here, there = _session(checkout)[1], _session(other.resolve())[1]
    assert str(here["namespace"]).startswith("shop:test-main-")
    assert str(there["namespace"]).startswith("shop:test-main-")
    assert here["namespace"] != there["namespace"]


def test_a_session_that_asks_for_no_port_touches_no_registry(checkout: Path, registry_home: Path) -> None:
    (checkout / "test_ports.py").write_text("def test_nothing():\n    pass\n", encoding="utf-8")
    done, _ = _session(checkout)
    assert done.returncode == 0, done.stdout
    assert not (registry_home / "registry.json").exists()


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
