"""portplan.plan: config forms, the Plan type, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import portplan
import pytest


def test_plan_entries_carry_ports_and_reasons() -> None:
    plan = portplan.plan({"services": {"web": True, "api": True, "ssh": 22}})
    assert plan.ports == {"api": 25325, "ssh": 22, "web": 21225}
    assert list(plan) == ["api", "ssh", "web"]  # the core's order: UTF-8 name
    assert plan["web"] == 21225
    assert "web" in plan
    assert len(plan) == 3
    assert plan.entries["ssh"].kind == "pinned"
    assert plan.entries["web"].reason == {"kind": "home", "home": 21225}
    assert plan.namespace == ""
    assert plan.range == (20000, 29999)
    assert plan.layout == "hash"


def test_displaced_reason_names_the_holder() -> None:
    plan = portplan.plan({"range": [40000, 40010], "exclude": [], "services": {"web": True}}, busy=[40005])
    assert plan.entries["web"].reason == {"kind": "displaced", "home": 40005, "by": "busy"}
    assert "busy" in plan.why("web") or "process" in plan.why("web")


def test_toml_and_json_text() -> None:
    toml = "range = [40000, 40010]\nexclude = []\n[services]\nweb = true\n"
    json_text = '{"range": [40000, 40010], "exclude": [], "services": {"web": true}}'
    assert portplan.plan(toml).ports == portplan.plan(json_text).ports == {"web": 40005}


def test_paths(tmp_path: Path) -> None:
    (tmp_path / "portplan.toml").write_text("[services]\nweb = true\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.portplan.services]\napi = true\n', encoding="utf-8"
    )
    # A file's plan is the project's, as `portplan --config FILE plan` shows it (issue 23): its
    # namespace is the project's name, and the leases are the registry's.
    for path in (tmp_path / "portplan.toml", str(tmp_path / "pyproject.toml")):
        planned = portplan.plan(path, probe=False)
        cli = subprocess.run(
            [sys.executable, "-m", "portplan", "--config", str(path), "plan", "--json", "--no-probe"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        )
        assert planned.to_dict() == {
            k: v for k, v in json.loads(cli.stdout).items() if k not in ("root", "config_file")
        }
        assert (planned.root, planned.config_file) == (str(tmp_path), str(path))
    assert portplan.plan(tmp_path / "portplan.toml", probe=False).namespace == "x"
    assert portplan.leases() == [], "a plan only reads"


def test_a_file_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "portplan.toml"
    path.write_text("range = [5, 1]\n", encoding="utf-8")
    with pytest.raises(portplan.PlanError) as raised:
        portplan.plan(path)
    assert raised.value.kind == "invalid_range"
    assert str(path) in str(raised.value)


def test_the_projects_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "portplan.toml").write_text('namespace = "shop"\n[services]\nweb = true\n', encoding="utf-8")
    web = portplan.port("web")
    planned = portplan.plan(names=["api"], probe=False)
    assert planned.namespace == "shop"
    assert planned.entries["web"].kind == "kept"
    assert planned["web"] == web
    assert "api" in planned
    assert [lease.name for lease in portplan.leases()] == ["web"]


def test_missing_file_is_a_plan_error(tmp_path: Path) -> None:
    with pytest.raises(portplan.PlanError) as raised:
        portplan.plan(tmp_path / "nope.toml")
    assert raised.value.kind == "invalid_config"
    assert "nope.toml" in raised.value.message


def test_errors_carry_kind_message_and_data() -> None:
    with pytest.raises(portplan.PlanError) as raised:
        portplan.plan({"services": {"ssh": 22, "sshd": 22}})
    error = raised.value
    assert error.kind == "duplicate_pin"
    assert error.data["port"] == 22
    assert error.data["services"] == ["ssh", "sshd"]
    assert "22" in str(error)
    assert isinstance(error, ValueError)


def test_busy_must_be_ports() -> None:
    with pytest.raises(portplan.PlanError) as raised:
        portplan.plan({"services": {"web": True}}, busy=[70000])
    assert raised.value.kind == "invalid_port"


def test_config_of_another_type_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        portplan.plan(42)  # type: ignore[arg-type]


def test_why_of_an_unknown_name() -> None:
    with pytest.raises(portplan.PlanError) as raised:
        portplan.plan({"services": {"web": True}}).why("api")
    assert raised.value.kind == "unknown_service"


def test_table() -> None:
    table = portplan.plan({"services": {"web": True, "ssh": 22}}).table()
    assert table.splitlines()[0].split() == ["SERVICE", "PORT", "REASON"]
    assert table.splitlines()[1].split() == ["ssh", "22", "pinned"]
