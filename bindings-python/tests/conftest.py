"""Shared fixtures: every test that touches a registry gets its own PORTPLAN_HOME."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import portplan
import pytest

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO / "tests" / "vectors" / "plan.json"


@pytest.fixture(autouse=True)
def registry_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private registry folder, so no test ever reads or writes the user's registry."""
    home = tmp_path_factory.mktemp("portplan-home")
    monkeypatch.setenv("PORTPLAN_HOME", str(home))
    return home


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder named `shop`, made the working directory."""
    folder = tmp_path / "shop"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def free_ports(count: int, start: int = 41000) -> list[int]:
    """`count` consecutive ports from 4xxxx that are free on this host right now."""
    port = start
    while port + count <= 49000:
        block = list(range(port, port + count))
        if all(portplan.probe(p) for p in block):
            return block
        port += count
    raise RuntimeError("no free block of ports in 41000-49000")


@pytest.fixture
def free_port() -> int:
    return free_ports(1)[0]


IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def as_plain_user() -> list[str]:
    """A command prefix that drops root to `nobody` (setpriv, util-linux): root reads any file
    and binds any port, so the cases about permissions run as a plain user. Empty when not root."""
    if not IS_ROOT:
        return []
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed to run a case as a plain user"
    return [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A temporary folder the plain user of `as_plain_user` can use (pytest's are root-only)."""
    folder = Path(tempfile.mkdtemp(prefix="portplan-test-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, prefix: tuple[str, ...] | list[str] = ()
) -> subprocess.CompletedProcess[str]:
    """`python -m portplan ARGS` in a fresh process (after `prefix`, a command such as setpriv)."""
    return subprocess.run(
        [*prefix, sys.executable, "-m", "portplan", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def held() -> Iterator[list[socket.socket]]:
    """Sockets a test holds open; closed after it."""
    sockets: list[socket.socket] = []
    yield sockets
    for sock in sockets:
        sock.close()


@contextlib.contextmanager
def registry_locked(home: Path) -> Iterator[None]:
    """The registry's kernel lock (flock of registry.lock, SPEC v3 §9), held by this test as
    another portplan process would hold it while it writes."""
    import fcntl

    home.mkdir(parents=True, exist_ok=True)
    with open(home / "registry.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def lock_is_free(home: Path) -> bool:
    """Whether nobody holds the registry's lock now (flock locks exclude each other's open
    files even within one process)."""
    import fcntl

    path = home / "registry.lock"
    if not path.exists():
        return True
    with open(path, "rb") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(lock, fcntl.LOCK_UN)
        return True


def registry_state(home: Path) -> tuple[bytes, int, int]:
    """The registry's bytes, inode and mtime: a write would change at least one."""
    path = home / "registry.json"
    return path.read_bytes(), os.stat(path).st_ino, os.stat(path).st_mtime_ns
