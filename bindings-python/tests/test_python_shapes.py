"""Python-shaped arguments (issue 25 #7): what Python code naturally passes works, and a mistake
is a TypeError (or ValueError) that says what was expected, before the core is asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import portplan
import pytest

# The API as a caller without a type checker sees it: these tests pass what its types refuse.
untyped: Any = portplan


@pytest.fixture
def project(project: Path) -> Path:
    (project / "portplan.toml").write_text('namespace = "shop"\nexclude = []\n', encoding="utf-8")
    return project


def test_a_python_range_is_the_configs_inclusive_range(project: Path) -> None:
    by_range = portplan.port("web", range=range(41000, 41010), probe=False)
    assert 41000 <= by_range <= 41009
    assert portplan.port("web", range=(41000, 41009), probe=False) == by_range
    assert portplan.plan({"range": range(41000, 41010), "services": {"web": True}}).range == (41000, 41009)
    with pytest.raises(ValueError, match="step 1"):
        portplan.port("web", range=range(41000, 41010, 2))
    assert portplan.port("api", exclude=[range(41000, 41005)], range=(41000, 41009), probe=False) >= 41005


@pytest.mark.parametrize(
    ("call", "says"),
    [
        (lambda: untyped.port(8000), "takes the name of a service"),
        (lambda: untyped.ports("web"), "takes a list of names"),
        (lambda: untyped.ports([1, 2]), "takes the name of a service"),
        (lambda: untyped.port("web", busy=["80"]), "busy must hold ports"),
        (lambda: untyped.port("web", busy=8000), "busy must be a list of ports"),
        (lambda: untyped.port("web", cwd=8), "cwd must be a path"),
        (lambda: untyped.port("web", probe="no"), "probe must be True or False"),
        (lambda: untyped.port("web", services={"web": object()}), "services.web cannot be object"),
        (lambda: untyped.release(7), "takes the name of a service"),
        (lambda: untyped.plan(42), "config must be a dict"),
    ],
    ids=["port-int", "ports-str", "ports-ints", "busy-str", "busy-int", "cwd", "probe", "service", "release", "plan"],
)
def test_mistakes_are_type_errors(project: Path, call: object, says: str) -> None:
    with pytest.raises(TypeError, match=says):
        call()  # type: ignore[operator]
    assert portplan.leases() == []


def test_a_path_object_is_a_path(project: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "portplan.toml").write_text('namespace = "other"\n', encoding="utf-8")
    portplan.port("web", cwd=other, probe=False)
    portplan.port("api", config=other / "portplan.toml", probe=False)
    assert {(lease.namespace, lease.name) for lease in portplan.leases()} == {("other", "web"), ("other", "api")}


def test_a_working_folder_that_does_not_exist_is_an_error(project: Path) -> None:
    with pytest.raises(portplan.PortplanError) as raised:
        portplan.port("web", cwd=project / "nowhere")
    assert "nowhere" in raised.value.message
    assert portplan.leases() == []
