"""The registry: leases, corrupt and unsafe files, file modes, the lock (docs/registry.md)."""

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
from portplan import _registry
from portplan._registry import RegistryLock


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


def test_a_lease_is_kept_when_services_are_added(project: Path) -> None:
    web = portplan.port("web", **SMALL)
    # Whatever the homes of the new services, web keeps its port.
    ports = portplan.ports(["a", "b", "c", "d", "web"], **SMALL)
    assert ports["web"] == web
    assert len(set(ports.values())) == 5


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
    assert [lease.name for lease in portplan.release()] == ["api"]
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
    assert sorted(os.listdir(home)) == ["registry.json"]  # no lock or temporary file left
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
    assert sorted(os.listdir(registry_home)) == ["registry.json"]


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


def test_registry_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PORTPLAN_HOME", str(tmp_path / "h"))
    assert _registry.registry_path() == tmp_path / "h" / "registry.json"
    # A relative PORTPLAN_HOME is the user's own choice: resolved against the working folder.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PORTPLAN_HOME", "rel")
    assert _registry.registry_path() == tmp_path / "rel" / "registry.json"
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    for unset in ("", None):  # an empty value counts as unset
        if unset is None:
            monkeypatch.delenv("PORTPLAN_HOME")
        else:
            monkeypatch.setenv("PORTPLAN_HOME", unset)
        if sys.platform.startswith("linux"):
            monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
            assert _registry.registry_path() == tmp_path / "state" / "portplan" / "registry.json"
            # The XDG spec ignores a relative XDG_STATE_HOME.
            monkeypatch.setenv("XDG_STATE_HOME", "relative")
            assert _registry.registry_path() == tmp_path / "user" / ".local" / "state" / "portplan" / "registry.json"
            monkeypatch.setenv("XDG_STATE_HOME", "")
            assert _registry.registry_path() == tmp_path / "user" / ".local" / "state" / "portplan" / "registry.json"


# ---- the lock ----


def _lock_file(home: Path) -> Path:
    return home / "registry.json.lock"


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_dead_owners_lock_is_recovered(registry_home: Path, project: Path) -> None:
    owner = {"pid": _dead_pid(), "host": socket.gethostname(), "time": int(time.time() * 1000)}
    _lock_file(registry_home).write_text(json.dumps(owner), encoding="utf-8")
    portplan.port("web", **SMALL)
    assert not _lock_file(registry_home).exists()
    assert not (registry_home / "registry.json.lock.break").exists()


def test_an_old_lock_is_recovered(registry_home: Path, project: Path) -> None:
    owner = {"pid": os.getpid(), "host": "another-host", "time": int(time.time() * 1000) - 31_000}
    _lock_file(registry_home).write_text(json.dumps(owner), encoding="utf-8")
    portplan.port("web", **SMALL)
    assert not _lock_file(registry_home).exists()


def test_an_unwritten_lock_is_recovered_once_old(registry_home: Path, project: Path) -> None:
    lock = _lock_file(registry_home)
    lock.write_text("", encoding="utf-8")
    old = time.time() - 3
    os.utime(lock, (old, old))
    portplan.port("web", **SMALL)
    assert not lock.exists()


@pytest.mark.skipif(sys.platform == "win32", reason="Windows has no POSIX file modes (the lock is made 0600)")
def test_a_live_lock_makes_others_wait_then_fail(
    registry_home: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_registry, "LOCK_TIMEOUT_S", 0.1)
    lock = RegistryLock(registry_home / "registry.json")
    lock.acquire()
    try:
        owner = json.loads(_lock_file(registry_home).read_text())
        assert owner["pid"] == os.getpid()
        assert owner["host"] == socket.gethostname()
        assert stat.S_IMODE(os.stat(_lock_file(registry_home)).st_mode) == 0o600
        with pytest.raises(portplan.RegistryError) as raised:
            portplan.port("web", **SMALL)
        assert f"is locked by pid {os.getpid()} on {socket.gethostname()} since" in str(raised.value)
        assert str(registry_home / "registry.json") in str(raised.value)
    finally:
        lock.release()
    assert not _lock_file(registry_home).exists()
    portplan.port("web", **SMALL)


def test_a_busy_breaker_is_waited_for(registry_home: Path, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A stale lock that another process is breaking right now: wait, do not delete.
    monkeypatch.setattr(_registry, "LOCK_TIMEOUT_S", 0.1)
    owner = {"pid": _dead_pid(), "host": socket.gethostname(), "time": int(time.time() * 1000)}
    _lock_file(registry_home).write_text(json.dumps(owner), encoding="utf-8")
    # The marker holds its breaker's owner text: this live process.
    breaker = {"pid": os.getpid(), "host": socket.gethostname(), "time": int(time.time() * 1000) - 60_000}
    (registry_home / "registry.json.lock.break").write_text(json.dumps(breaker), encoding="utf-8")
    with pytest.raises(portplan.RegistryError) as raised:
        portplan.port("web", **SMALL)
    assert "is locked by" in str(raised.value)
    assert _lock_file(registry_home).exists()
    assert (registry_home / "registry.json.lock.break").exists()


def test_an_abandoned_breaker_is_removed(registry_home: Path, project: Path) -> None:
    owner = {"pid": _dead_pid(), "host": socket.gethostname(), "time": int(time.time() * 1000)}
    _lock_file(registry_home).write_text(json.dumps(owner), encoding="utf-8")
    breaker = registry_home / "registry.json.lock.break"
    dead_breaker = {"pid": _dead_pid(), "host": socket.gethostname(), "time": int(time.time() * 1000)}
    breaker.write_text(json.dumps(dead_breaker), encoding="utf-8")
    portplan.port("web", **SMALL)
    assert sorted(os.listdir(registry_home)) == ["registry.json"]


def test_release_keeps_a_lock_that_is_not_ours(registry_home: Path) -> None:
    lock = RegistryLock(registry_home / "registry.json")
    lock.acquire()
    foreign = json.dumps({"pid": 1, "host": "x", "time": 1}).encode()
    _lock_file(registry_home).write_bytes(foreign)
    lock.release()
    assert _lock_file(registry_home).read_bytes() == foreign
