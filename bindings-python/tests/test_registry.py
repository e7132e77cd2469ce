"""The registry through the Python API (SPEC §7, v3 §9, docs/registry.md): leases recorded,
kept and released; corrupt, hostile or oversized files refused and left untouched; the kernel
lock (another writer is waited for, then named; a lock file left behind never blocks); the
registry's place; dead writers' temporary files. (Leases kept, expired or re-stamped, through
the CLI of every host: the shared vectors, tests/vectors/leases.json.)"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import TypedDict

import portplan
import pytest
from conftest import lock_is_free, registry_locked


class _Options(TypedDict):
    range: tuple[int, int]
    exclude: list[int]
    probe: bool


# Ten ports of their own, unprobed: the tests hold the registry, not the host, to account.
SMALL: _Options = {"range": (41000, 41009), "exclude": [], "probe": False}


@pytest.fixture
def project(project: Path) -> Path:
    """The `shop` project, with an empty config: its namespace is `shop`."""
    (project / "portplan.toml").write_text("", encoding="utf-8")
    return project


def test_leases_are_recorded_and_kept(registry_home: Path, project: Path) -> None:
    web = portplan.port("web", **SMALL)
    assert portplan.port("web", **SMALL) == web
    [lease] = portplan.leases()
    assert (lease.namespace, lease.name, lease.root, lease.port) == ("shop", "web", str(project), web)
    assert lease.created <= lease.used


def test_another_namespaces_lease_is_busy(project: Path) -> None:
    # In one port, two namespaces cannot both get it: the second finds it leased.
    first = portplan.port("web", range=(41000, 41001), exclude=[], probe=False, namespace="a")
    second = portplan.port("web", range=(41000, 41001), exclude=[], probe=False, namespace="b")
    assert {first, second} == {41000, 41001}
    with pytest.raises(portplan.PlanError) as raised:
        portplan.port("web", range=(41000, 41001), exclude=[], probe=False, namespace="c")
    assert raised.value.kind == "range_exhausted"


def test_probe_never_moves_a_lease(project: Path, free_port: int) -> None:
    web = portplan.port("web", range=(free_port, free_port + 9), exclude=[])
    holder = socket.socket()
    holder.bind(("127.0.0.1", web))
    holder.listen(1)
    try:
        assert portplan.port("web", range=(free_port, free_port + 9), exclude=[]) == web
    finally:
        holder.close()


def test_release(project: Path) -> None:
    portplan.ports(["web", "api"], **SMALL)
    released = portplan.release("web")
    assert [(lease.namespace, lease.name) for lease in released] == [("shop", "web")]
    assert [lease.name for lease in portplan.leases()] == ["api"]
    with pytest.raises(portplan.PlanError) as raised:
        portplan.release()  # an unset variable must not free everything
    assert raised.value.kind == "usage"
    assert [lease.name for lease in portplan.leases()] == ["api"]
    assert [lease.name for lease in portplan.release(all=True)] == ["api"]
    assert portplan.leases() == []
    assert portplan.release("nothing") == []


def test_release_in_another_namespace(project: Path) -> None:
    portplan.port("web", namespace="other", **SMALL)
    assert portplan.release("web") == []
    assert [lease.name for lease in portplan.release("web", namespace="other")] == ["web"]


@pytest.mark.skipif(sys.platform == "win32", reason="Windows has no POSIX file modes (0700 folder, 0600 files)")
def test_files_and_modes(registry_home: Path, project: Path) -> None:
    home = registry_home / "deeper"
    os.environ["PORTPLAN_HOME"] = str(home)  # restored by the fixture's monkeypatch
    portplan.port("web", **SMALL)
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(home / "registry.json").st_mode) == 0o600
    assert not [name for name in os.listdir(home) if ".tmp." in name]  # no temporary file left
    assert json.loads((home / "registry.json").read_text())["version"] == 2


CORRUPT = [
    "{not json",
    "",
    '{"version": 3, "leases": []}',
    '{"version": 1, "leases": [{"namespace": "", "name": "x"}]}',
    '{"version": 2, "leases": [{"namespace": "", "name": "x", "port": 1, "created": 1, "used": 1, "root": 7}]}',
]


@pytest.mark.parametrize("text", CORRUPT, ids=["not-json", "empty", "version-3", "bad-lease", "bad-root"])
def test_a_corrupt_registry_is_reported_and_untouched(text: str, registry_home: Path, project: Path) -> None:
    path = registry_home / "registry.json"
    path.write_text(text, encoding="utf-8")
    before = os.stat(path)
    for call in (lambda: portplan.port("web", **SMALL), portplan.leases, lambda: portplan.release("web")):
        with pytest.raises(portplan.RegistryError) as raised:
            call()
        assert raised.value.path == str(path)
        assert str(path) in str(raised.value)
        assert raised.value.kind == "invalid_registry"
    assert path.read_text(encoding="utf-8") == text
    assert os.stat(path).st_mtime_ns == before.st_mtime_ns
    assert not (registry_home / "registry.json.tmp").exists()


def test_a_symlinked_registry_is_refused(registry_home: Path, tmp_path: Path, project: Path) -> None:
    target = tmp_path / "elsewhere.json"
    target.write_text('{"version": 1, "leases": []}\n', encoding="utf-8")
    (registry_home / "registry.json").symlink_to(target)
    with pytest.raises(portplan.RegistryError) as raised:
        portplan.port("web", **SMALL)
    assert "symbolic link" in str(raised.value)
    assert target.read_text(encoding="utf-8") == '{"version": 1, "leases": []}\n'


def test_a_directory_registry_is_refused(registry_home: Path, project: Path) -> None:
    (registry_home / "registry.json").mkdir()
    with pytest.raises(portplan.RegistryError):
        portplan.leases()


@pytest.mark.parametrize(
    ("variables", "folder"),
    [
        ({"PORTPLAN_HOME": "h"}, "h"),
        ({"PORTPLAN_HOME": "", "XDG_STATE_HOME": "state"}, "user/.local/state/portplan"),
        ({"PORTPLAN_HOME": "", "XDG_STATE_HOME": "{tmp}/state"}, "state/portplan"),
        ({"PORTPLAN_HOME": "", "XDG_STATE_HOME": ""}, "user/.local/state/portplan"),
    ],
    ids=["portplan-home-relative", "xdg-relative-ignored", "xdg-absolute", "home"],
)
def test_registry_location(
    variables: dict[str, str], folder: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    for variable, value in variables.items():
        monkeypatch.setenv(variable, value.format(tmp=tmp_path))
    portplan.port("web", **SMALL)
    # A relative PORTPLAN_HOME is the user's own choice: resolved against the working folder.
    base = work if variables["PORTPLAN_HOME"] else tmp_path
    assert (base / folder / "registry.json").is_file()


def test_an_empty_home_is_refused(monkeypatch: pytest.MonkeyPatch, project: Path) -> None:
    for variable in ("PORTPLAN_HOME", "XDG_STATE_HOME"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("HOME", "")
    with pytest.raises(portplan.PortplanError) as raised:
        portplan.port("web", **SMALL)
    assert "PORTPLAN_HOME" in raised.value.message


def test_a_lock_file_left_behind_never_blocks(registry_home: Path, project: Path) -> None:
    """The lock is the kernel's: the files a killed writer left (any content) are no lock."""
    (registry_home / "registry.lock").write_text("garbage \x00 that no writer wrote")
    (registry_home / "registry.owner").write_text(json.dumps({"pid": os.getpid(), "host": "h", "time": 1}))
    web = portplan.port("web", **SMALL)
    assert [lease.port for lease in portplan.leases()] == [web]
    assert lock_is_free(registry_home)


def test_a_live_writer_is_waited_for_then_named(registry_home: Path, project: Path) -> None:
    owner = {"pid": 4242, "host": socket.gethostname(), "time": int(time.time() * 1000)}
    (registry_home / "registry.owner").write_text(json.dumps(owner))
    started = time.monotonic()
    with registry_locked(registry_home), pytest.raises(portplan.RegistryError) as raised:
        portplan.port("web", **SMALL)
    assert time.monotonic() - started >= 9, "10 s of one holder are waited for"
    assert "is locked by pid 4242" in raised.value.message
    assert not (registry_home / "registry.json").exists()


@pytest.mark.parametrize("kind", ["fifo", "dangling", "zero", "directory"])
def test_a_lock_that_is_not_a_file_is_an_error_at_once(registry_home: Path, project: Path, kind: str) -> None:
    lock = registry_home / "registry.lock"
    if kind == "fifo":
        os.mkfifo(lock)
    elif kind == "dangling":
        lock.symlink_to(registry_home / "nowhere")
    elif kind == "zero":
        lock.symlink_to("/dev/zero")
    else:
        lock.mkdir()
    with pytest.raises(portplan.RegistryError) as raised:
        portplan.port("web", **SMALL)
    assert str(lock) in str(raised.value)
    assert not (registry_home / "registry.json").exists()


def test_the_registry_is_read_bounded(registry_home: Path, project: Path) -> None:
    path = registry_home / "registry.json"
    with open(path, "wb") as file:  # 65 MiB without writing them: a sparse file
        file.truncate(65 * 1024 * 1024)
    with pytest.raises(portplan.RegistryError) as raised:
        portplan.leases()
    assert str(path) in str(raised.value)


def test_dead_writers_temp_files_are_removed(registry_home: Path, project: Path) -> None:
    """Under the lock no other writer is between its write and its rename: every temporary
    file there was left by a writer that died."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = [registry_home / f"registry.json.tmp.{dead.stdout.strip()}", registry_home / "registry.json.tmp.9"]
    for path in left:
        path.write_text("{}")
    portplan.port("web", **SMALL)
    assert not [path for path in left if path.exists()]
