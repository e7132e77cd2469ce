"""Asking again for a leased name (SPEC §7: writes nothing): answered without the lock and
without a write, from caches that never hide a change of the registry, the config or time."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import TypedDict

import portplan
import pytest
from portplan import _registry, _session


class _Options(TypedDict):
    range: tuple[int, int]
    exclude: list[int]
    probe: bool


SMALL: _Options = {"range": (41100, 41149), "exclude": [], "probe": False}


@pytest.fixture
def project(project: Path) -> Path:
    (project / "portplan.toml").write_text('namespace = "shop"\n', encoding="utf-8")
    return project


def _no_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: _registry.RegistryLock) -> None:
        raise AssertionError("the registry lock was taken")

    monkeypatch.setattr(_registry.RegistryLock, "acquire", refuse)


def _state(home: Path) -> tuple[list[str], tuple[int, int, int]]:
    info = (home / "registry.json").stat()
    return sorted(os.listdir(home)), (info.st_ino, info.st_mtime_ns, info.st_size)


def test_asking_again_takes_no_lock_and_writes_nothing(
    registry_home: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ports = portplan.ports(["web", "api", "db"], **SMALL)
    before = _state(registry_home)
    _session._last.clear()
    _session._KNOWN.clear()  # as a fresh process would start
    _no_lock(monkeypatch)
    for _ in range(3):
        assert portplan.port("api", **SMALL) == ports["api"]
        assert portplan.ports(["db", "web"], **SMALL) == {"db": ports["db"], "web": ports["web"]}
    assert _state(registry_home) == before


def test_a_leased_name_beside_services_never_leased_takes_no_lock(
    registry_home: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # web is leased; api and db are in the config but were never asked for, so the core's
    # answer asks to probe their homes: web's kept port does not depend on what they find.
    (project / "portplan.toml").write_text(
        'namespace = "shop"\nrange = [41100, 41149]\nexclude = []\n[services]\napi = true\ndb = true\n',
        encoding="utf-8",
    )
    web = portplan.port("web")
    before = _state(registry_home)
    _session._last.clear()
    _session._KNOWN.clear()
    _no_lock(monkeypatch)
    for _ in range(3):
        assert portplan.port("web") == web
    assert _state(registry_home) == before
    with pytest.raises(AssertionError, match="lock was taken"):
        portplan.port("api")


def test_a_new_name_still_takes_the_lock_and_writes(
    registry_home: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portplan.port("web", **SMALL)
    _no_lock(monkeypatch)
    with pytest.raises(AssertionError, match="lock was taken"):
        portplan.ports(["web", "api"], **SMALL)


def test_a_release_elsewhere_is_seen_at_once(registry_home: Path, project: Path) -> None:
    web = portplan.port("web", **SMALL)
    assert portplan.port("web", **SMALL) == web
    portplan.release("web")  # as another process would
    assert portplan.leases() == []
    # Not answered from the registry as it was: the name is leased again.
    assert portplan.port("web", **SMALL) == web
    assert [(lease.name, lease.port) for lease in portplan.leases()] == [("web", web)]


def test_an_hour_later_the_lease_is_refreshed(
    registry_home: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    web = portplan.port("web", **SMALL)
    assert portplan.port("web", **SMALL) == web
    used = portplan.leases()[0].used
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3600)
    assert portplan.port("web", **SMALL) == web
    assert portplan.leases()[0].used >= used + 3600


def test_a_removed_checkout_is_dropped_at_the_next_call(registry_home: Path, tmp_path: Path) -> None:
    gone, here = tmp_path / "gone", tmp_path / "here"
    for folder in (gone, here):
        folder.mkdir()
        (folder / "portplan.toml").write_text('namespace = "shop"\n', encoding="utf-8")
    portplan.port("old", cwd=gone, **SMALL)
    web = portplan.port("web", cwd=here, **SMALL)
    assert portplan.port("web", cwd=here, **SMALL) == web
    shutil.rmtree(gone)
    # The call writes (SPEC §7: a lease of a folder that is gone is dropped at a write).
    assert portplan.port("web", cwd=here, **SMALL) == web
    leases = json.loads((registry_home / "registry.json").read_text(encoding="utf-8"))["leases"]
    assert [lease["name"] for lease in leases] == ["web"]


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


def test_a_fresh_lease_needs_no_lock_beside_one_due_for_its_refresh(
    registry_home: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = time.time
    with monkeypatch.context() as past:
        past.setattr(time, "time", lambda: real() - 7200)
        api = portplan.port("api", **SMALL)
    web = portplan.port("web", **SMALL)
    _session._last.clear()
    _session._KNOWN.clear()
    with monkeypatch.context() as locked_out:
        _no_lock(locked_out)
        assert portplan.port("web", **SMALL) == web
        # `api` was used two hours ago: asking for it refreshes `used`, a write under the lock.
        with pytest.raises(AssertionError, match="lock was taken"):
            portplan.port("api", **SMALL)
    assert portplan.port("api", **SMALL) == api
    assert {lease.name: lease.used >= int(real()) - 5 for lease in portplan.leases()} == {"api": True, "web": True}
