"""The package itself: a cheap import, typed surface, stubs that match the extension."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import portplan
from portplan import _native

PACKAGE = Path(portplan.__file__).parent


def test_import_runs_no_git(tmp_path: Path) -> None:
    marker = tmp_path / "git-ran"
    fake_git = tmp_path / "bin" / "git"
    fake_git.parent.mkdir()
    fake_git.write_text(f"#!/bin/sh\ntouch {marker}\n", encoding="utf-8")
    fake_git.chmod(0o755)
    env = {**os.environ, "PATH": f"{fake_git.parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        [sys.executable, "-c", "import portplan, sys; print('subprocess' in sys.modules)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert not marker.exists()
    assert done.stdout == "False\n"


def test_stubs_match_the_extension() -> None:
    stub = (PACKAGE / "_native.pyi").read_text(encoding="utf-8")
    stubbed = set(re.findall(r"^(?:def|class) (\w+)\b", stub, flags=re.M))
    exported = {name for name in dir(_native) if not name.startswith("_")}
    assert stubbed == exported == {"Session", "plan_json", "plan_text", "probe"}


def test_no_module_calls_the_old_entry_points() -> None:
    """Every call goes through a session (_calls.py), the pure plan or the probe (issue 23)."""
    old = ("allocate_json", "load_config_json", "render_json", "release_json", "leases_json", "cli_json")
    for module in PACKAGE.glob("*.py"):
        if module.name == "_schema.py":  # the schema's own descriptions name them
            continue
        text = module.read_text(encoding="utf-8")
        assert not [name for name in old if name in text], module.name


def test_typed_package() -> None:
    assert (PACKAGE / "py.typed").exists()
    for name in portplan.__all__:
        assert hasattr(portplan, name)
    assert portplan.port.__annotations__["return"] in ("int", int)


def test_version_is_the_cores() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", portplan.__version__)


def test_a_first_port_loads_only_what_it_needs(tmp_path: Path) -> None:
    """A process that only asks for a port imports none of the heavy modules (typing,
    dataclasses, pathlib, socket): they are loaded where first used."""
    (tmp_path / "portplan.toml").write_text('namespace = "lean"\n', encoding="utf-8")
    heavy = ("typing", "dataclasses", "inspect", "pathlib", "socket", "urllib.parse", "subprocess")
    code = (
        "import sys, portplan; port = portplan.port('web'); "
        f"print(port, sorted(m for m in {heavy!r} if m in sys.modules)); "
        "print(type(portplan.leases()[0]).__name__, portplan.leases()[0].port == port)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**os.environ, "PORTPLAN_HOME": str(tmp_path / "home")},
        capture_output=True,
        text=True,
        check=True,
    )
    first, second = done.stdout.splitlines()
    assert first.split(" ", 1)[1] == "[]", first
    assert second == "Lease True"
