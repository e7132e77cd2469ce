"""Leases that fit real workflows (SPEC §7, issue 14), where the API is the point: pinned services
running, several checkouts of one project (`cwd`), the namespace and the root of a call, a
one-off range, release's leases, unreadable project files. The lease rules themselves (kept,
expired and adopted leases, deleted checkouts, calls that write nothing), through the CLI of
every host, are the shared vectors (tests/vectors/leases.json, test_lease_vectors.py)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import portplan
import pytest
from conftest import free_ports

CONFIG = "range = [{low}, {high}]\nexclude = []\n[services]\nweb = true\napi = true\ndb = {db}\n"


@pytest.fixture
def ports() -> list[int]:
    """Ten ports free on this host: a range of the tests' own."""
    return free_ports(10, start=44000)


def write_config(folder: Path, ports: list[int], db: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "portplan.toml").write_text(CONFIG.format(low=ports[0], high=ports[-1], db=db), encoding="utf-8")
    return folder


def expected_plan(ports: list[int], db: int) -> portplan.Plan:
    """The plan of CONFIG in the namespace `shop` with nothing leased: the home ports."""
    return portplan.plan('namespace = "shop"\n' + CONFIG.format(low=ports[0], high=ports[-1], db=db))


def registry(home: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((home / "registry.json").read_text(encoding="utf-8"))
    return data


def lease_rows(home: Path) -> set[tuple[str, str, object, int]]:
    return {(lease["namespace"], lease["name"], lease["root"], lease["port"]) for lease in registry(home)["leases"]}


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A real server (TCP, listening on every IPv4 address) on a port of its own."""
    sock = socket.socket()
    sock.bind(("0.0.0.0", free_ports(1, start=45500)[0]))
    sock.listen(1)
    yield sock
    sock.close()


def test_a_running_pinned_service_blocks_nothing(project: Path, ports: list[int], listener: socket.socket) -> None:
    db = listener.getsockname()[1]
    write_config(project, ports, db)
    assert not portplan.probe(db), "the pinned port really is in use"
    got = portplan.ports(["web", "api", "db"])
    assert got["db"] == db
    assert portplan.port("db") == db
    assert ports[0] <= got["web"] <= ports[-1]
    assert portplan.port("web") == got["web"]
    # A pin is the user's own: never leased, never probed.
    assert ("shop", "db") not in {(lease.namespace, lease.name) for lease in portplan.leases()}


def test_two_checkouts_of_one_name_get_ports_of_their_own(
    tmp_path: Path, ports: list[int], registry_home: Path
) -> None:
    first = write_config(tmp_path / "alice" / "shop", ports, ports[9])
    second = write_config(tmp_path / "bob" / "shop", ports, ports[9])
    expected = expected_plan(ports, ports[9])
    port_first = portplan.port("web", cwd=first)
    port_second = portplan.port("web", cwd=second)
    assert port_first != port_second
    assert port_first == expected.ports["web"]
    # Each is stable from then on, whichever asks first.
    assert portplan.port("web", cwd=second) == port_second
    assert portplan.port("web", cwd=first) == port_first
    assert lease_rows(registry_home) == {
        ("shop", "web", str(first), port_first),
        ("shop", "web", str(second), port_second),
    }


def test_the_namespace_is_the_projects_name_so_clones_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    got = {}
    for folder in ("shop", "shop-2", "my-fork"):
        clone = tmp_path / folder
        clone.mkdir()
        (clone / "package.json").write_text(json.dumps({"name": "webshop", "portplan": {}}), encoding="utf-8")
        monkeypatch.setenv("PORTPLAN_HOME", str(tmp_path / f"home-{folder}"))  # one machine each
        got[folder] = portplan.port("web", cwd=clone, probe=False)
        assert portplan.leases()[0].namespace == "webshop"
    assert len(set(got.values())) == 1
    assert got["shop"] == portplan.plan({"namespace": "webshop", "services": {"web": True}})["web"]


@pytest.mark.parametrize(
    ("files", "namespace"),
    [
        ({"pyproject.toml": '[project]\nname = "billing"\n[tool.portplan]\n'}, "billing"),
        ({"portplan.toml": "", "pyproject.toml": '[project]\nname = "billing"\n'}, "billing"),
        (
            {"portplan.toml": "", "package.json": '{"name": "front"}', "pyproject.toml": '[project]\nname = "x"\n'},
            "front",
        ),
        ({"portplan.toml": ""}, "shop"),
        ({"portplan.toml": 'hash = "lagom"\n'}, ""),
        ({"portplan.toml": 'namespace = "mine"\n', "package.json": '{"name": "front"}'}, "mine"),
    ],
    ids=["pyproject-name", "pyproject-beside-portplan-toml", "package-json-first", "folder", "lagom", "explicit"],
)
def test_namespace_sources(project: Path, files: dict[str, str], namespace: str) -> None:
    for name, text in files.items():
        (project / name).write_text(text, encoding="utf-8")
    portplan.port("web", probe=False)
    assert [lease.namespace for lease in portplan.leases()] == [namespace]


def test_the_root_is_the_nearest_marker_without_a_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    deep = repo / "src" / "pkg"
    deep.mkdir(parents=True)
    (repo / ".git").mkdir()
    monkeypatch.chdir(deep)
    portplan.port("web", probe=False)
    [lease] = portplan.leases()
    assert (lease.namespace, lease.root) == ("repo", str(repo))


def test_the_root_is_the_working_folder_without_config_or_marker(tmp_path: Path) -> None:
    alone = tmp_path / "scratch"
    alone.mkdir()
    portplan.port("web", cwd=alone, probe=False)
    [lease] = portplan.leases()
    assert (lease.namespace, lease.root) == ("scratch", str(alone))


def test_the_root_has_symlinks_resolved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = tmp_path / "real" / "shop"
    real.mkdir(parents=True)
    (real / "portplan.toml").write_text("", encoding="utf-8")
    link = tmp_path / "link"
    link.symlink_to(real)
    monkeypatch.chdir(link)
    via_link = portplan.port("web", probe=False)
    assert portplan.port("web", cwd=real, probe=False) == via_link
    [lease] = portplan.leases()
    assert (lease.namespace, lease.root) == ("shop", str(real))


def test_a_one_off_range_leaves_other_leases_alone(project: Path, ports: list[int], registry_home: Path) -> None:
    write_config(project, ports, ports[9])
    web = portplan.port("web")
    other = free_ports(3, start=46500)
    portplan.port("other", range=(other[0], other[-1]))
    assert {(lease.name, lease.port) for lease in portplan.leases()} >= {("web", web)}
    assert portplan.port("web") == web


def test_release_frees_only_this_checkout(tmp_path: Path, ports: list[int]) -> None:
    first = write_config(tmp_path / "a" / "shop", ports, ports[9])
    second = write_config(tmp_path / "b" / "shop", ports, ports[9])
    portplan.port("web", cwd=first)
    portplan.port("web", cwd=second)
    released = portplan.release("web", cwd=first)
    assert [(lease.name, lease.root) for lease in released] == [("web", str(first))]
    assert [(lease.name, lease.root) for lease in portplan.leases()] == [("web", str(second))]


def test_an_unreadable_config_on_the_way_up_is_an_error(project: Path) -> None:
    deep = project / "sub"
    deep.mkdir()
    # A link to itself cannot be read, even by root (chmod does not stop root).
    (project / "portplan.toml").symlink_to(project / "portplan.toml")
    with pytest.raises(portplan.PortplanError) as raised:
        portplan.port("web", cwd=deep, probe=False)
    assert raised.value.message.startswith(f"cannot read {project / 'portplan.toml'}: ")
    assert raised.value.kind == "host"


def test_a_broken_package_json_on_the_way_up_names_its_path(project: Path) -> None:
    (project / "package.json").write_text("{", encoding="utf-8")
    with pytest.raises(portplan.PlanError) as raised:
        portplan.port("web", probe=False)
    assert raised.value.kind == "invalid_config"
    assert raised.value.message.startswith(f"{project / 'package.json'}: ")


def test_a_huge_package_json_is_not_read(project: Path) -> None:
    (project / "package.json").write_text('{"name": "x", "pad": "' + "x" * (1 << 20) + '"}', encoding="utf-8")
    with pytest.raises(portplan.PortplanError) as raised:
        portplan.port("web", probe=False)
    assert raised.value.message.startswith(f"cannot read {project / 'package.json'}: ")
    assert "1 MiB" in raised.value.message
