"""Security: user-only files whatever the umask (the registry, its folder, the lock, the owner
file, the temporary file), no symlink followed, no injection through names into `env` output
or `run` commands."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest
from reliability_helpers import (
    CLIS,
    LOCK_FILE,
    OWNER_FILE,
    Frozen,
    cli_env,
    leases,
    lock_holders,
    project,
    run_cli,
    snapshot,
)

LOW, HIGH = 48000, 48199  # this file's ports


@pytest.mark.parametrize("language", list(CLIS))
def test_registry_home_and_lock_are_user_only_even_with_umask_0(language: str, tmp_path: Path) -> None:
    folder = project(tmp_path, "perm", LOW, HIGH)
    home = tmp_path / "new-home"  # does not exist yet: created by the CLI
    # The lock and the owner file, seen while the CLI holds the lock (stopped mid-write).
    umask_0 = ["sh", "-c", 'umask 0; exec "$@"', "sh"]
    frozen = Frozen(language, ["get", "web"], folder, cli_env(home), prefix=umask_0)
    try:
        assert stat.S_IMODE(home.stat().st_mode) == 0o700
        assert stat.S_IMODE((home / LOCK_FILE).stat().st_mode) == 0o600
        assert stat.S_IMODE((home / OWNER_FILE).stat().st_mode) == 0o600
        assert json.loads((home / OWNER_FILE).read_text())["pid"] == frozen.pid
        temp = home / f"registry.json.tmp.{frozen.pid}"
        assert stat.S_IMODE(temp.stat().st_mode) == 0o600
    finally:
        frozen.resume()
    done = frozen.finish()
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE((home / "registry.json").stat().st_mode) == 0o600
    assert lock_holders(home) == []


@pytest.mark.parametrize("language", list(CLIS))
@pytest.mark.parametrize("planted", ["registry.json", LOCK_FILE, OWNER_FILE])
def test_a_planted_symlink_is_never_followed(language: str, planted: str, tmp_path: Path) -> None:
    """Someone plants registry.json, its lock or its owner file as a symlink to a file of ours:
    the target is never read into, written or replaced. The registry and the lock are errors
    that name them (the link stays for the user to see); the owner file is only ever replaced
    by a rename, which replaces the link itself."""
    folder = project(tmp_path, "sym", LOW, HIGH)
    home = tmp_path / "home"
    home.mkdir()
    victim = tmp_path / "victim" / "precious.txt"
    victim.parent.mkdir()
    victim.write_text('{"version": 1, "leases": []}\n')
    os.chmod(victim, 0o644)
    (home / planted).symlink_to(victim)
    before = snapshot(victim.parent)
    for command in (["get", "web"], ["release", "web"], ["ls"], ["env"]):
        done = run_cli(language, command, folder, home, timeout=30)
        if planted == "registry.json":
            assert done.returncode == 1, (command, done.stderr)
            assert "symbolic link" in done.stderr, (command, done.stderr)
        elif planted == OWNER_FILE or command == ["ls"]:  # ls takes no lock
            assert done.returncode == 0, (command, done.stderr)
        else:  # a planted lock is an error naming it, never followed
            assert done.returncode == 1, (command, done.stderr)
            assert str(home / planted) in done.stderr, (command, done.stderr)
        assert snapshot(victim.parent) == before, "the symlink's target is untouched"
        assert stat.S_IMODE(victim.stat().st_mode) == 0o644
    if planted == OWNER_FILE:
        assert not (home / planted).is_symlink(), "replaced by the owner's own text"
    else:
        assert (home / planted).is_symlink(), "the planted link is reported, not replaced"


NASTY = ["a b", "x=1;touch PWNED", "$(touch PWNED2)", "`touch PWNED3`", "'q'\"", "é-web", "web;PORT=1", "a\\", "-n"]


@pytest.mark.parametrize("language", list(CLIS))
def test_names_cannot_inject_into_env_output_or_run(language: str, tmp_path: Path) -> None:
    services = "".join(f"{_toml_key(name)} = true\n" for name in NASTY)
    folder = project(tmp_path, "inject", LOW, HIGH, "[services]\n" + services)
    home = tmp_path / "home"
    home.mkdir()
    done = run_cli(language, ["env"], folder, home)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == len(NASTY), lines
    assert all(re.fullmatch(r"[A-Z_][A-Z0-9_]*=[0-9]+", line) for line in lines), lines
    # Sourcing it in a shell runs nothing and sets only *_PORT variables.
    (folder / "env.out").write_text(done.stdout)
    shell = subprocess.run(
        ["sh", "-c", "set -a; . ./env.out; env"],
        cwd=folder,
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"]},
        timeout=30,
    )
    assert shell.returncode == 0, shell.stderr
    assert {
        line.split("=")[0]
        for line in shell.stdout.splitlines()
        if line.endswith(tuple("0123456789")) and "_PORT=" in line
    } == {line.split("=")[0] for line in lines}
    assert not list(folder.glob("PWNED*"))
    # `run NAME -- CMD`: the name is never given to a shell; PORT is a plain number.
    for name in (n for n in NASTY if not n.startswith("-")):  # "-n" is an option, as in every CLI
        ran = run_cli(language, ["run", name, "--", "sh", "-c", 'printf "%s" "$PORT"'], folder, home)
        assert ran.returncode == 0, (name, ran.stderr)
        assert ran.stdout.isdigit(), (name, ran.stdout)
        assert LOW <= int(ran.stdout) <= HIGH
    assert not list(folder.glob("PWNED*"))
    assert not list(Path.cwd().glob("PWNED*"))
    ports = {lease["name"]: lease["port"] for lease in leases(home)}
    assert set(NASTY) <= set(ports)


def _toml_key(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
