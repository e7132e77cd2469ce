"""Leases v2 (SPEC §7, issue 14) in both CLIs: the same bytes for every new case, the five
places where the hosts used to differ, and one registry shared by both languages."""

from __future__ import annotations

import json
import os
import re
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CLIS, NODE_CLI, PYTHON_CLI, as_plain_user, lock_held, run_cli

LOW, HIGH = 43100, 43199  # this file's ports
CONFIG = f"""\
range = [{LOW}, {HIGH}]
exclude = []

[services]
web = true
api = true
tmp = true
db = {{db}}
"""

# Lease times are Unix seconds and `ls` shows dates: two runs of a step may fall apart.
SECONDS = re.compile(r'("(?:created|used|since)": )\d+')
DATES = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def same_time(text: str) -> str:
    return DATES.sub("DATE", SECONDS.sub(r"\g<1>0", text))


@pytest.fixture
def pinned_server() -> Iterator[int]:
    """A real server listening on the port a service is pinned to (postgres on 5432)."""
    sock = socket.socket()
    sock.bind(("0.0.0.0", 0))
    sock.listen(1)
    yield sock.getsockname()[1]
    sock.close()


def agree(args: list[str], cwd: Path, homes: dict[str, Path | None], **options: object) -> tuple[int, str, str]:
    """Runs `args` in both CLIs (each with its home) and checks they print the same bytes."""
    done = {language: run_cli(cli, args, cwd, homes[language], **options) for language, cli in CLIS.items()}
    python, node = done["python"], done["node"]
    assert (node.returncode, same_time(node.stdout), node.stderr) == (
        python.returncode,
        same_time(python.stdout),
        python.stderr,
    ), args
    return python.returncode, python.stdout, python.stderr


def seed_v1(home: Path, web: int) -> None:
    now = int(time.time())
    leases = [
        {"namespace": "other", "name": "api", "port": HIGH, "created": now - 50, "used": now - 50},
        {"namespace": "shop", "name": "web", "port": web, "created": now - 100, "used": now - 7200},
        # A name the config does not declare (any more), with a lease this checkout would adopt.
        {"namespace": "shop", "name": "scratch", "port": HIGH - 1, "created": now - 100, "used": now - 100},
    ]
    home.mkdir()
    (home / "registry.json").write_text(json.dumps({"version": 1, "leases": leases}, indent=2), encoding="utf-8")


def test_both_clis_agree_on_every_new_case(tmp_path: Path, pinned_server: int) -> None:
    project = tmp_path / "shop"
    project.mkdir()
    (project / "portplan.toml").write_text(CONFIG.format(db=pinned_server), encoding="utf-8")
    homes: dict[str, Path | None] = {language: tmp_path / f"home-{language}" for language in CLIS}
    for home in homes.values():
        assert home is not None
        seed_v1(home, LOW + 7)
    steps = [
        ["plan"],  # the pinned server runs: nothing fails, and the v1 lease shows as kept
        ["plan", "--json"],
        ["get", "web"],  # adopts the v1 lease
        ["get", "db"],
        ["env"],
        ["get", "scratch", "--no-probe"],  # refused: the config declares services, not this one
        ["why", "scratch", "--no-probe"],  # a name with a lease, not in the config
        ["why", "db"],
        ["get", "tmp", "--range", "43500-43599", "--no-probe"],  # a one-off range: tmp moves, no other
        ["ls"],
        ["ls", "--json"],
        ["plan", "--no-probe"],
        ["release", "scratch"],
        ["release", "scratch"],
        ["why", "scratch", "--no-probe"],
        ["ls"],
    ]
    for step in steps:
        agree(step, project, homes)
    assert homes["python"] is not None
    assert homes["node"] is not None
    registries = [same_time((home / "registry.json").read_text(encoding="utf-8")) for home in homes.values() if home]
    assert registries[0] == registries[1]
    data = json.loads(registries[0])
    assert data["version"] == 2
    rows = {(lease["namespace"], lease["name"], lease["root"], lease["port"]) for lease in data["leases"]}
    assert ("shop", "web", str(project), LOW + 7) in rows, "the v1 lease was adopted, its port kept"
    assert ("other", "api", None, HIGH) in rows, "a v1 lease nobody adopted stays"
    assert "db" not in {name for _, name, _, _ in rows}, "a pin is never leased"
    ports = {name: port for _, name, _, port in rows}
    assert 43500 <= ports["tmp"] <= 43599, "the one-off range moved tmp's lease"
    assert LOW <= ports["api"] <= HIGH, "... and no other"
    assert "scratch" not in ports, "released"


def test_plan_without_a_config_reads_the_same(tmp_path: Path) -> None:
    alone = tmp_path / "scratch-dir"
    alone.mkdir()
    home = tmp_path / "home"
    assert run_cli(PYTHON_CLI, ["get", "first-svc", "--no-probe"], alone, home).returncode == 0
    assert run_cli(NODE_CLI, ["get", "second-svc", "--no-probe"], alone, home).returncode == 0
    code, out, _ = agree(["plan", "--no-probe"], alone, {"python": home, "node": home})
    assert code == 0
    assert out.startswith("no portplan config found")
    assert "first-svc" in out
    assert "second-svc" in out


def test_reading_commands_never_write_in_either_language(tmp_path: Path) -> None:
    project = tmp_path / "shop"
    project.mkdir()
    (project / "portplan.toml").write_text(CONFIG.format(db=HIGH), encoding="utf-8")
    home = tmp_path / "home"
    assert run_cli(PYTHON_CLI, ["env"], project, home).returncode == 0
    path = home / "registry.json"
    before = (path.read_bytes(), path.stat().st_ino, path.stat().st_mtime_ns)
    for args in (["plan"], ["plan", "--no-probe"], ["why", "web"], ["why", "api", "--no-probe"], ["ls"]):
        for cli in (PYTHON_CLI, NODE_CLI):
            done = run_cli(cli, args, project, home)
            assert (done.returncode, done.stderr) == (0, ""), (cli, args)
    assert (path.read_bytes(), path.stat().st_ino, path.stat().st_mtime_ns) == before
    # Asking again for leased names writes nothing either.
    for cli in (PYTHON_CLI, NODE_CLI):
        assert run_cli(cli, ["get", "web"], project, home).returncode == 0
        assert run_cli(cli, ["env"], project, home).returncode == 0
    assert (path.read_bytes(), path.stat().st_ino, path.stat().st_mtime_ns) == before


# ---- the five places where the hosts differed (issue 14) ----


def test_a_relative_xdg_state_home_is_ignored_by_both(tmp_path: Path) -> None:
    project = tmp_path / "shop"
    project.mkdir()
    user = tmp_path / "user"
    env = {"XDG_STATE_HOME": "state", "HOME": str(user)}
    agree(["get", "web", "--no-probe"], project, {"python": None, "node": None}, env=env)
    registries = [path.relative_to(tmp_path) for path in tmp_path.rglob("registry.json")]
    assert registries == [Path("user/.local/state/portplan/registry.json")], "one registry, the default one"


def test_a_symlinked_registry_is_refused_by_both(tmp_path: Path) -> None:
    project = tmp_path / "shop"
    project.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    target = tmp_path / "elsewhere.json"
    target.write_text('{"version": 2, "leases": []}\n', encoding="utf-8")
    (home / "registry.json").symlink_to(target)
    for args in (["get", "web"], ["ls"], ["plan"], ["release", "web"]):
        code, _, err = agree(args, project, {"python": home, "node": home})
        assert code == 1, args
        assert "symbolic link" in err
    assert target.read_text(encoding="utf-8") == '{"version": 2, "leases": []}\n'
    assert (home / "registry.json").is_symlink()


def test_an_unreadable_config_is_the_same_read_error(shared_tmp: Path) -> None:
    project = shared_tmp / "shop"
    (project / "sub").mkdir(parents=True)
    (project / "portplan.toml").write_text(CONFIG.format(db=HIGH), encoding="utf-8")
    (project / "portplan.toml").chmod(0o000)
    homes: dict[str, Path | None] = {language: shared_tmp / f"home-{language}" for language in CLIS}
    for args in (["get", "web"], ["plan"], ["why", "web"], ["env"]):
        code, _, err = agree(args, project / "sub", homes, prefix=as_plain_user())
        assert code == 1, args
        assert err == f"portplan: error: cannot read {project / 'portplan.toml'}: Permission denied\n"
    assert not any(home.exists() for home in homes.values() if home), "nothing written"


def test_the_root_comes_from_markers_never_from_git(tmp_path: Path) -> None:
    import subprocess

    repo = tmp_path / "repo"
    app = repo / "apps" / "front"
    (app / "src").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (app / "package.json").write_text('{"name": "front-app"}', encoding="utf-8")
    home = tmp_path / "home"
    agree(["get", "api", "--no-probe"], app / "src", {"python": home, "node": home})
    agree(["get", "api", "--no-probe"], repo / "apps", {"python": home, "node": home})
    rows = {(lease["namespace"], lease["root"]) for lease in json.loads((home / "registry.json").read_text())["leases"]}
    # In apps/front/src: package.json's folder (not the git toplevel); in apps: the .git folder.
    assert rows == {("front-app", str(app)), ("repo", str(repo))}


def test_run_on_a_busy_kept_port_fails_in_both(tmp_path: Path) -> None:
    project = tmp_path / "shop"
    project.mkdir()
    (project / "portplan.toml").write_text(CONFIG.format(db=HIGH), encoding="utf-8")
    home = tmp_path / "home"
    got = run_cli(PYTHON_CLI, ["get", "web"], project, home)
    assert got.returncode == 0
    port = int(got.stdout)
    marker = tmp_path / "started"
    command = [sys.executable, "-c", f"open({str(marker)!r}, 'w').close()"]
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen(1)
        code, _, err = agree(["run", "web", "--", *command], project, {"python": home, "node": home})
    assert code == 1
    assert f"port {port} is leased to web" in err
    assert "portplan release web" in err
    assert not marker.exists(), "the command never started"
    done = run_cli(NODE_CLI, ["run", "web", "--", *command], project, home)
    assert done.returncode == 0, done.stderr
    assert marker.exists()


# ---- one registry, both languages, at once ----

PER_CHECKOUT = 24


def test_node_and_python_in_two_checkouts_allocate_at_once(tmp_path: Path) -> None:
    import subprocess

    checkouts = [tmp_path / "alice" / "shop", tmp_path / "bob" / "shop"]
    for checkout in checkouts:
        checkout.mkdir(parents=True)
        # Few ports for many names: homes collide, so only the lock keeps ports apart.
        (checkout / "portplan.toml").write_text("range = [43200, 43299]\nexclude = []\n", encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "PORTPLAN_HOME": str(home)}
    names = [f"svc-{i}" for i in range(PER_CHECKOUT)]

    def run_all(swap: bool) -> dict[tuple[str, str], int]:
        jobs = []
        for c, checkout in enumerate(checkouts):
            for i, name in enumerate(names):
                node = (i + c + swap) % 2 == 1  # each checkout, each name: both languages take turns
                cli = NODE_CLI if node else PYTHON_CLI
                process = subprocess.Popen(
                    [*cli, "get", name],
                    cwd=checkout,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                jobs.append((str(checkout), name, process))
        got = {}
        for checkout, name, process in jobs:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, (checkout, name, err)
            got[(checkout, name)] = int(out)
        return got

    first = run_all(swap=False)
    assert len(set(first.values())) == len(first) == 2 * PER_CHECKOUT, "no port twice, across both checkouts"
    leases = json.loads((home / "registry.json").read_text())["leases"]
    assert {(lease["root"], lease["name"]): lease["port"] for lease in leases} == first
    again = run_all(swap=True)  # the other language asks for each name this time
    assert again == first, "each checkout keeps its ports"
    assert not lock_held(home), "the lock is released"
