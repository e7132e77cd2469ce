"""Asking again for a leased name (SPEC §7: writes nothing): answered without the lock and
without a write, from caches that never hide a change of the registry, the config or time."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import TypedDict

import portplan
import pytest
from conftest import registry_locked


class _Options(TypedDict):
    range: tuple[int, int]
    exclude: list[int]
    probe: bool


SMALL: _Options = {"range": (41100, 41149), "exclude": [], "probe": False}


@pytest.fixture
def project(project: Path) -> Path:
    (project / "portplan.toml").write_text('namespace = "shop"\n', encoding="utf-8")
    return project


def _state(home: Path) -> tuple[int, int, int]:
    info = (home / "registry.json").stat()
    return info.st_ino, info.st_mtime_ns, info.st_size


def _waits_for_the_lock(home: Path, cwd: Path, code: str) -> bool:
    """Whether `code` (a portplan call in a fresh process) waits while the lock is held: a
    call that writes takes the lock, one answered from the registry as read does not."""
    with registry_locked(home):
        call = subprocess.Popen([sys.executable, "-c", f"import portplan; {code}"], cwd=cwd)
        with contextlib.suppress(subprocess.TimeoutExpired):
            call.wait(timeout=1.5)
        waited = call.poll() is None
    assert call.wait(timeout=30) == 0
    return waited


def test_asking_again_takes_no_lock_and_writes_nothing(registry_home: Path, project: Path) -> None:
    ports = portplan.ports(["web", "api", "db"], **SMALL)
    before = _state(registry_home)
    with registry_locked(registry_home):  # another writer holds it: a call that took it would wait
        for _ in range(3):
            assert portplan.port("api", **SMALL) == ports["api"]
            assert portplan.ports(["db", "web"], **SMALL) == {"db": ports["db"], "web": ports["web"]}
    assert _state(registry_home) == before


def test_a_leased_name_beside_services_never_leased_takes_no_lock(registry_home: Path, project: Path) -> None:
    # web is leased; api and db are in the config but were never asked for: web's kept port
    # does not depend on them.
    (project / "portplan.toml").write_text(
        'namespace = "shop"\nrange = [41100, 41149]\nexclude = []\n[services]\napi = true\ndb = true\n',
        encoding="utf-8",
    )
    web = portplan.port("web")
    before = _state(registry_home)
    with registry_locked(registry_home):
        for _ in range(3):
            assert portplan.port("web") == web
    assert _state(registry_home) == before
    assert _waits_for_the_lock(registry_home, project, "portplan.port('api')")


def test_a_new_name_still_takes_the_lock_and_writes(registry_home: Path, project: Path) -> None:
    portplan.port("web", **SMALL)
    assert _waits_for_the_lock(registry_home, project, f"portplan.ports(['web', 'api'], **{SMALL!r})")
    assert [lease.name for lease in portplan.leases()] == ["api", "web"]


def _age_lease(home: Path, name: str, seconds: int) -> None:
    """Makes the lease of `name` look used `seconds` ago (as a run that long ago left it)."""
    path = home / "registry.json"
    registry = json.loads(path.read_text(encoding="utf-8"))
    for lease in registry["leases"]:
        if lease["name"] == name:
            lease["used"] -= seconds
            lease["created"] -= seconds
    path.write_text(json.dumps(registry), encoding="utf-8")


def test_a_release_elsewhere_is_seen_at_once(registry_home: Path, project: Path) -> None:
    web = portplan.port("web", **SMALL)
    assert portplan.port("web", **SMALL) == web
    portplan.release("web")  # as another process would
    assert portplan.leases() == []
    # Not answered from the registry as it was: the name is leased again.
    assert portplan.port("web", **SMALL) == web
    assert [(lease.name, lease.port) for lease in portplan.leases()] == [("web", web)]


def test_an_hour_later_the_lease_is_refreshed(registry_home: Path, project: Path) -> None:
    web = portplan.port("web", **SMALL)
    _age_lease(registry_home, "web", 3600)
    used = portplan.leases()[0].used
    assert portplan.port("web", **SMALL) == web
    assert portplan.leases()[0].used >= used + 3600


def test_a_removed_checkout_is_dropped_at_the_next_write(registry_home: Path, tmp_path: Path) -> None:
    gone, here = tmp_path / "gone", tmp_path / "here"
    for folder in (gone, here):
        folder.mkdir()
        (folder / "portplan.toml").write_text('namespace = "shop"\n', encoding="utf-8")
    portplan.port("old", cwd=gone, **SMALL)
    web = portplan.port("web", cwd=here, **SMALL)
    shutil.rmtree(gone)
    # Asking again writes nothing (the core's lock-free path), so the lease waits for a write
    # (SPEC §7: a lease of a folder that is gone is dropped at a write): a new name makes one.
    assert portplan.port("web", cwd=here, **SMALL) == web
    portplan.port("api", cwd=here, **SMALL)
    leases = json.loads((registry_home / "registry.json").read_text(encoding="utf-8"))["leases"]
    assert [lease["name"] for lease in leases] == ["api", "web"]


def test_a_changed_config_is_read_again(registry_home: Path, project: Path) -> None:
    web = portplan.port("web", range=(41100, 41149), exclude=[], probe=False)
    assert portplan.port("web", range=(41100, 41149), exclude=[], probe=False) == web
    # The config now excludes the leased port: the lease is no longer kept.
    (project / "portplan.toml").write_text(f'namespace = "shop"\nexclude = [{web}]\n', encoding="utf-8")
    moved = portplan.port("web", range=(41100, 41149), probe=False)
    assert moved != web
    assert [(lease.name, lease.port) for lease in portplan.leases()] == [("web", moved)]


def test_other_options_are_another_question(registry_home: Path, project: Path) -> None:
    web = portplan.port("web", **SMALL)
    assert portplan.port("web", **SMALL) == web
    # A range without the leased port: the lease moves (and is written).
    elsewhere = portplan.port("web", range=(41150, 41199), exclude=[], probe=False)
    assert 41150 <= elsewhere <= 41199
    assert [(lease.name, lease.port) for lease in portplan.leases()] == [("web", elsewhere)]


def test_a_fresh_lease_needs_no_lock_beside_one_due_for_its_refresh(registry_home: Path, project: Path) -> None:
    api = portplan.port("api", **SMALL)
    web = portplan.port("web", **SMALL)
    _age_lease(registry_home, "api", 7200)
    with registry_locked(registry_home):
        assert portplan.port("web", **SMALL) == web
    # `api` was used two hours ago: asking for it refreshes `used`, a write under the lock.
    assert _waits_for_the_lock(registry_home, project, f"portplan.port('api', **{SMALL!r})")
    assert portplan.port("api", **SMALL) == api
    now = int(time.time())
    assert {lease.name: lease.used >= now - 5 for lease in portplan.leases()} == {"api": True, "web": True}
