"""The registry under faults in the Python API (issue 17, docs/registry.md): the core's lock
verdicts, the ownership check before the rename, dead writers' temp files, bounded no-follow
reads, a full disk that leaves nothing behind, and leases used "in the future"."""

from __future__ import annotations

import errno
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TypedDict

import portplan
import pytest
from portplan import _registry, _session
from portplan._registry import RegistryLock


class _Options(TypedDict):
    range: tuple[int, int]
    exclude: list[int]
    probe: bool


# Ten ports of their own, unprobed: the tests hold the registry, not the host, to account.
SMALL: _Options = {"range": (41100, 41109), "exclude": [], "probe": False}


@pytest.fixture
def project(project: Path) -> Path:
    (project / "portplan.toml").write_text("", encoding="utf-8")
    return project


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _owner(pid: int, age_ms: int = 0) -> str:
    return json.dumps({"pid": pid, "host": socket.gethostname(), "time": int(time.time() * 1000) - age_ms})


def _files(home: Path) -> list[str]:
    return sorted(os.listdir(home))


def test_a_live_owner_is_never_stale_however_old(
    registry_home: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_registry, "LOCK_TIMEOUT_S", 0.2)
    lock = registry_home / "registry.json.lock"
    ancient = _owner(os.getpid(), age_ms=31 * 24 * 3600 * 1000)
    lock.write_text(ancient)
    with pytest.raises(portplan.RegistryError) as raised:
        portplan.port("web", **SMALL)
    assert raised.value.kind == "host"
    assert f"is locked by pid {os.getpid()}" in str(raised.value)
    assert lock.read_text() == ancient


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"pid": 9223372036854775808, "host": "h", "time": 1}',
        '{"pid": 1, "host": "h", "time": NaN}',
    ],
    ids=["deep", "pid 2**63", "NaN"],
)
def test_hostile_lock_contents_are_registry_errors(registry_home: Path, project: Path, text: str) -> None:
    lock = registry_home / "registry.json.lock"
    lock.write_text(text)
    with pytest.raises(portplan.RegistryError) as raised:
        portplan.port("web", **SMALL)
    message = str(raised.value)
    assert str(lock) in message
    assert "is not a portplan lock" in message
    assert len(message) < 600
    assert lock.read_text() == text


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param("fifo", marks=pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")),
        "dangling",
        pytest.param("zero", marks=pytest.mark.skipif(sys.platform == "win32", reason="Windows has no /dev/zero")),
        "directory",
    ],
)
def test_a_lock_that_is_not_a_file_is_an_error_at_once(registry_home: Path, project: Path, kind: str) -> None:
    lock = registry_home / "registry.json.lock"
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


def test_the_registry_is_read_bounded(registry_home: Path, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_registry, "REGISTRY_BOUND", 64)
    (registry_home / "registry.json").write_text(json.dumps({"version": 2, "leases": [], "pad": "x" * 100}))
    with pytest.raises(portplan.RegistryError) as raised:
        portplan.leases()
    assert str(registry_home / "registry.json") in str(raised.value)


def test_a_lock_taken_away_during_the_write_writes_nothing(
    registry_home: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portplan.port("first", **SMALL)
    before = (registry_home / "registry.json").read_bytes()
    write = _registry.write_registry
    thief = _owner(1)  # another owner (pid 1 lives: its lock is never broken)

    def steal_then_write(*args: object, **kwargs: object) -> None:
        (registry_home / "registry.json.lock").write_text(thief)  # another owner broke in
        write(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_session, "write_registry", steal_then_write)
    with pytest.raises(portplan.RegistryError) as raised:
        portplan.port("second", **SMALL)
    assert str(registry_home / "registry.json.lock") in str(raised.value)
    assert (registry_home / "registry.json").read_bytes() == before
    assert (registry_home / "registry.json.lock").read_text() == thief, "someone else's lock stays"
    assert _files(registry_home) == ["registry.json", "registry.json.lock"], "no temp file left"


def test_dead_writers_temp_files_are_removed_live_ones_kept(registry_home: Path, project: Path) -> None:
    dead = registry_home / f"registry.json.tmp.{_dead_pid()}.0123456789abcdef"
    live = registry_home / f"registry.json.tmp.{os.getpid()}.fedcba9876543210"
    other = registry_home / "registry.json.tmp.not-a-writer"
    for path in (dead, live, other):
        path.write_text("{}")
    portplan.port("web", **SMALL)
    assert _files(registry_home) == sorted(["registry.json", live.name, other.name])


def _no_space(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_while_writing_leaves_nothing(
    registry_home: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portplan.port("first", **SMALL)
    before = (registry_home / "registry.json").read_bytes()
    monkeypatch.setattr(os, "fsync", _no_space)
    with pytest.raises(portplan.RegistryError) as raised:
        portplan.port("second", **SMALL)
    assert "Errno" not in str(raised.value)
    assert str(registry_home / "registry.json") in str(raised.value)
    assert _files(registry_home) == ["registry.json"]
    assert (registry_home / "registry.json").read_bytes() == before


def test_a_lock_that_cannot_be_written_is_removed_at_once(registry_home: Path) -> None:
    lock = RegistryLock(registry_home / "registry.json")
    real_fdopen = os.fdopen

    class FullFile:
        def __init__(self, fd: int, mode: str) -> None:
            self.file = real_fdopen(fd, mode)

        def __enter__(self) -> FullFile:
            return self

        def __exit__(self, *exc: object) -> None:
            self.file.close()

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "fdopen", FullFile)
        with pytest.raises(portplan.RegistryError) as raised:
            lock.acquire()
    assert "Errno" not in str(raised.value)
    assert _files(registry_home) == []


def test_a_lease_used_in_the_future_is_kept(registry_home: Path, project: Path) -> None:
    ahead = int(time.time()) + 31 * 24 * 3600  # a clock that jumped ahead wrote it
    lease = {"namespace": "other", "name": "db", "root": None, "port": 41100, "created": ahead, "used": ahead}
    (registry_home / "registry.json").write_text(json.dumps({"version": 2, "leases": [lease]}))
    portplan.port("web", **SMALL)
    kept = [(x.namespace, x.name, x.port) for x in portplan.leases()]
    assert ("other", "db", 41100) in kept
