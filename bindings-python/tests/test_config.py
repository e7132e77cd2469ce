"""Config discovery (SPEC §7) and the namespace, through portplan.port."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import portplan
import pytest
from portplan import _native

SMALL = "range = [41000, 41999]\nexclude = []\n"


def test_found_upward_and_namespace_is_the_config_folder(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "portplan.toml").write_text(SMALL + "[services]\nweb = true\n", encoding="utf-8")
    deep = project / "src" / "app"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    port = portplan.port("web", probe=False)
    expected = portplan.plan({"range": [41000, 41999], "exclude": [], "namespace": "shop", "services": {"web": True}})
    assert port == expected["web"]
    assert [(lease.namespace, lease.name, lease.root, lease.port) for lease in portplan.leases()] == [
        ("shop", "web", str(project), port)
    ]


def test_pyproject_tool_section(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "shop"\n[tool.portplan]\nrange = [41000, 41009]\nexclude = []\nnamespace = "n"\n',
        encoding="utf-8",
    )
    expected = portplan.plan({"range": [41000, 41009], "exclude": [], "namespace": "n", "services": {"api": True}})
    assert portplan.port("api", probe=False) == expected["api"]


def test_pyproject_without_section_is_skipped(project: Path, tmp_path: Path) -> None:
    (project / "pyproject.toml").write_text('[project]\nname = "shop"\n', encoding="utf-8")
    (tmp_path / "portplan.toml").write_text('namespace = "outer"\n' + SMALL, encoding="utf-8")
    portplan.port("web", probe=False)
    assert portplan.leases()[0].namespace == "outer"


def test_order_within_a_folder(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.portplan]\nnamespace = "from-pyproject"\n', encoding="utf-8")
    (project / "package.json").write_text(
        json.dumps({"portplan": {"namespace": "from-package-json"}}), encoding="utf-8"
    )
    portplan.port("web", probe=False)
    assert portplan.leases()[0].namespace == "from-package-json"
    (project / "portplan.toml").write_text('namespace = "from-portplan-toml"\n', encoding="utf-8")
    portplan.port("web", probe=False)
    assert {lease.namespace for lease in portplan.leases()} == {"from-package-json", "from-portplan-toml"}


def test_no_config_means_the_folders_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # tmp_path's ancestors hold no config and no project marker (the system temp folder).
    monkeypatch.chdir(tmp_path)
    expected = portplan.plan({"namespace": tmp_path.name, "services": {"web": True}})["web"]
    assert portplan.port("web", probe=False) == expected
    assert (portplan.leases()[0].namespace, portplan.leases()[0].root) == (tmp_path.name, str(tmp_path))


def test_options_override_the_file(project: Path) -> None:
    (project / "portplan.toml").write_text(SMALL, encoding="utf-8")
    port = portplan.port("web", range=(42000, 42009), namespace="other", probe=False)
    assert 42000 <= port <= 42009
    assert portplan.leases()[0].namespace == "other"


def test_explicit_config_file(tmp_path: Path, project: Path) -> None:
    config = tmp_path / "elsewhere" / "ports.toml"
    config.parent.mkdir()
    config.write_text(SMALL + "[services]\nmail = 41500\n", encoding="utf-8")
    assert portplan.ports(["mail", "web"], config=config, probe=False)["mail"] == 41500
    # The named file's folder is the project root, wherever the call runs from.
    assert {(lease.namespace, lease.root) for lease in portplan.leases()} == {("elsewhere", str(config.parent))}


def test_broken_config_file_names_its_path(project: Path) -> None:
    (project / "portplan.toml").write_text("range = [", encoding="utf-8")
    with pytest.raises(portplan.PlanError) as raised:
        portplan.port("web")
    assert raised.value.kind == "invalid_config"
    assert str(project / "portplan.toml") in raised.value.message


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_git_namespace(project: Path) -> None:
    _git(project, "init", "-q", "-b", "feature-x")
    _git(project, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "x")
    _git(project, "remote", "add", "origin", "git@example.com:me/webshop.git")
    (project / "portplan.toml").write_text('namespace = "git"\n' + SMALL, encoding="utf-8")
    portplan.port("web", probe=False)
    assert portplan.leases()[0].namespace == "webshop@feature-x"


def test_git_namespace_outside_a_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    with pytest.raises(portplan.PlanError) as raised:
        portplan.port("web", namespace="git", probe=False)
    assert raised.value.kind == "invalid_config"


class _CoreAskedError(Exception):
    """Ends a call once the core has been asked."""


@pytest.mark.parametrize(
    "function", [portplan.port, portplan.bind, lambda name, **options: portplan.ports([name], **options)]
)
def test_every_config_option_reaches_the_core(
    project: Path, monkeypatch: pytest.MonkeyPatch, function: Callable[..., object]
) -> None:
    asked: list[dict[str, Any]] = []

    class Session:
        def __init__(self, start: str) -> None:
            asked.append(json.loads(start))
            raise _CoreAskedError

    monkeypatch.setattr(_native, "Session", Session)
    with pytest.raises(_CoreAskedError):
        function(
            "web",
            range=(41000, 41999),
            namespace="n",
            layout="block",
            hash="sha256",
            block_size=10,
            exclude=[41001, (41005, 41009)],
            browser_safe=False,
            services={"db": 5432, "legacy": False},
        )
    assert asked[0]["options"]["config"] == {
        "range": [41000, 41999],
        "namespace": "n",
        "layout": "block",
        "hash": "sha256",
        "block_size": 10,
        "exclude": [41001, [41005, 41009]],
        "browser_safe": False,
        "services": {"db": 5432, "legacy": False},
    }
    assert asked[0]["options"]["probe"] is True
