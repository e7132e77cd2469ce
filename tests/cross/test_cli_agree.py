"""The Node CLI and the Python CLI print the same bytes and exit with the same codes, for
the same command lines, each against a registry in the same state."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from conftest import NODE_CLI, PYTHON_CLI, run_cli

CONFIG = """\
range = [41000, 41009]
exclude = [41003]

[services]
web = true
api = true
worker = true
"my app" = true
smtp = 2525
"""

# Run in order, each against both registries; state carries from one step to the next.
STEPS = [
    ["plan", "--no-probe"],
    ["plan", "--json", "--no-probe"],
    ["get", "web", "--no-probe"],
    ["get", "newcomer", "--no-probe"],
    ["why", "web", "--no-probe"],
    ["why", "worker", "--no-probe"],
    ["env", "--no-probe"],
    ["ls"],
    ["ls", "--json"],
    ["plan", "--no-probe", "--range", "41000-41100"],
    ["plan", "--no-probe", "--namespace", "other", "--layout", "sequential"],
    ["release", "web"],
    ["release", "nothing-here"],
    ["release", "--all"],
    ["ls"],
    # bad input: exit 2, one line on stderr
    ["frobnicate"],
    ["get"],
    ["plan", "--range", "nonsense"],
    ["plan", "--range", "9-1", "--no-probe"],
    ["plan", "--layout", "random", "--no-probe"],
    ["plan", "--config", "missing.toml"],
    ["why", "ghost", "--no-probe"],
    ["run", "web"],
    ["--version"],
]


# Lease times are Unix seconds: the two runs of a step may fall in different seconds.
SECONDS = re.compile(r'("(?:created|used|since)": )\d+')


def same_second(text: str) -> str:
    return SECONDS.sub(r"\g<1>0", text)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "portplan.toml").write_text(CONFIG, encoding="utf-8")
    return folder


def test_both_clis_print_the_same(project: Path, tmp_path: Path) -> None:
    homes = {"python": tmp_path / "home-py", "node": tmp_path / "home-js"}
    for home in homes.values():
        home.mkdir()
    for step in STEPS:
        py = run_cli(PYTHON_CLI, step, project, homes["python"])
        js = run_cli(NODE_CLI, step, project, homes["node"])
        assert (js.returncode, same_second(js.stdout), js.stderr) == (
            py.returncode,
            same_second(py.stdout),
            py.stderr,
        ), step
        if py.returncode == 2:
            assert py.stderr.startswith("portplan: error: "), step
            assert py.stderr.count("\n") == 1, step
    registries = [same_second((home / "registry.json").read_text()) for home in homes.values()]
    assert registries[0] == registries[1]


def test_broken_config_and_registry_read_the_same(project: Path, tmp_path: Path) -> None:
    (project / "portplan.toml").write_text("[services]\nweb = 70000\n", encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    py = run_cli(PYTHON_CLI, ["plan"], project, home)
    js = run_cli(NODE_CLI, ["plan"], project, home)
    assert py.returncode == js.returncode == 2
    assert py.stderr == js.stderr
    assert "services.web" in py.stderr
    (project / "portplan.toml").write_text(CONFIG, encoding="utf-8")
    (home / "registry.json").write_text('{"version": 1, "leases": [', encoding="utf-8")
    py = run_cli(PYTHON_CLI, ["get", "web"], project, home)
    js = run_cli(NODE_CLI, ["get", "web"], project, home)
    assert py.returncode == js.returncode == 1
    assert py.stderr == js.stderr
    assert str(home / "registry.json") in py.stderr
    assert (home / "registry.json").read_text() == '{"version": 1, "leases": [', (
        "a corrupt registry is never overwritten"
    )


def test_run_passes_the_port_to_the_command(project: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    script = "import os, sys; print(os.environ['PORT']); sys.exit(7)"
    py = run_cli(PYTHON_CLI, ["run", "web", "--no-probe", "--", sys.executable, "-c", script], project, home)
    js = run_cli(NODE_CLI, ["run", "web", "--no-probe", "--", sys.executable, "-c", script], project, home)
    got = run_cli(PYTHON_CLI, ["get", "web", "--no-probe"], project, home)
    assert py.returncode == js.returncode == 7
    assert py.stdout == js.stdout == got.stdout
