"""The shared lease vectors (tests/vectors/leases.json) through the CLI, `python -m portplan`
run as a subprocess: every scenario's command lines, their output and the registry after each.

The same file runs as Rust sessions (core/native/tests/lease_vectors.rs) and through Node's CLI
in both engines (bindings-js/test/leaseVectors.test.js); its `how` says what each field means.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

VECTORS: dict[str, Any] = json.loads((REPO / "tests" / "vectors" / "leases.json").read_text(encoding="utf-8"))
SCENARIOS: list[dict[str, Any]] = VECTORS["scenarios"]

NOW_WINDOW = 600
"""A time within this many seconds of the scenario's start is NOW."""
RELATIVE_LIMIT = 400 * 86400
"""Times further than this from the start are compared as numbers."""
UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
LABEL = re.compile(r"NOW(?:([+-])(\d+)([dhms]))?")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def offset_of(label: str) -> int | None:
    """NOW, NOW+2d, NOW-50m -> seconds from the start; None for anything else."""
    match = LABEL.fullmatch(label)
    if match is None:
        return None
    if match[1] is None:
        return 0
    size = dict(UNITS)[match[3]]
    return (-1 if match[1] == "-" else 1) * int(match[2]) * size


def time_label(moment: int, base: int) -> int | str:
    delta = moment - base
    if abs(delta) <= NOW_WINDOW:
        return "NOW"
    if abs(delta) > RELATIVE_LIMIT:
        return moment
    unit, size = next((unit, size) for unit, size in UNITS if delta % size == 0)
    return f"NOW{'-' if delta < 0 else '+'}{abs(delta) // size}{unit}"


def lease_key(lease: dict[str, Any]) -> tuple[str, str, str]:
    return (lease["namespace"], lease["name"], lease.get("root") or "")


def sorted_registry(registry: Any) -> Any:
    if isinstance(registry, dict) and isinstance(registry.get("leases"), list):
        return {**registry, "leases": sorted(registry["leases"], key=lease_key)}
    return registry


class World:
    """One scenario's world: its folders (label -> real path), the registry folder, the start."""

    def __init__(self, scenario: dict[str, Any], tmp: Path) -> None:
        tmp = tmp.resolve()
        self.labels: list[tuple[str, str]] = []
        for label, folder in scenario["folders"].items():
            path = tmp / folder["path"]
            path.mkdir(parents=True)
            for name, text in folder["files"].items():
                (path / name).parent.mkdir(parents=True, exist_ok=True)
                (path / name).write_bytes(text.encode("utf-8"))
            self.labels.append((label, str(path)))
        self.state = tmp / "state"
        self.labels.append(("STATE", str(self.state)))
        # Longest first, so that no path is replaced inside a longer one.
        self.labels.sort(key=lambda pair: -len(pair[1]))
        self.base = int(time.time())
        self.registry = self.state / "registry.json"
        initial = scenario["registry"]
        if initial is not None:
            self.state.mkdir()
            text = initial if isinstance(initial, str) else json.dumps(self.filled(initial), indent=2)
            self.registry.write_bytes(text.encode("utf-8"))

    def path_of(self, label: str) -> str | None:
        return next((path for name, path in self.labels if name == label), None)

    def folder(self, place: str) -> Path:
        """LABEL or LABEL/sub/folder -> the real path."""
        label, _, rest = place.partition("/")
        base = self.path_of(label)
        assert base is not None, place
        return Path(base, rest) if rest else Path(base)

    def filled(self, registry: dict[str, Any]) -> dict[str, Any]:
        leases = []
        for lease in registry["leases"]:
            filled = dict(lease)
            root = lease.get("root")
            if isinstance(root, str) and self.path_of(root) is not None:
                filled["root"] = self.path_of(root)
            for key in ("created", "used"):
                offset = offset_of(lease[key]) if isinstance(lease[key], str) else None
                if offset is not None:
                    filled[key] = self.base + offset
            leases.append(filled)
        return {**registry, "leases": leases}

    def normalized(self, registry: dict[str, Any]) -> Any:
        if not isinstance(registry.get("leases"), list):
            return registry
        leases = []
        for lease in registry["leases"]:
            normal = dict(lease)
            label = next((name for name, path in self.labels if path == lease.get("root")), None)
            if label is not None:
                normal["root"] = label
            for key in ("created", "used"):
                if isinstance(lease.get(key), int) and not isinstance(lease[key], bool):
                    normal[key] = time_label(lease[key], self.base)
            leases.append(normal)
        return sorted_registry({**registry, "leases": leases})

    def text(self, text: str) -> str:
        """Output with the real paths as their labels and dates as {DATE}."""
        for label, path in self.labels:
            text = text.replace(path, "{" + label + "}")
        return DATE.sub("{DATE}", text)

    def registry_now(self, wanted: Any) -> Any:
        """The registry as the vectors compare it with `wanted`."""
        if not self.registry.exists():
            return None
        text = self.registry.read_bytes().decode("utf-8")
        if isinstance(wanted, str):
            return text
        try:
            value = json.loads(text)
        except ValueError:
            return text
        return self.normalized(value) if isinstance(value, dict) else text

    def file_state(self) -> tuple[bytes, int, int, int] | None:
        if not self.registry.exists():
            return None
        stat = self.registry.stat()
        return (self.registry.read_bytes(), stat.st_size, stat.st_mtime_ns, stat.st_ino)

    def cli(self, cwd: Path, argv: list[str]) -> subprocess.CompletedProcess[bytes]:
        env = {**os.environ, "PORTPLAN_HOME": str(self.state)}
        # Nothing of this test process' own runner may reach the CLI (a Vitest or Jest worker
        # id would make it a test session).
        for name in ("VITEST_POOL_ID", "JEST_WORKER_ID", "XDG_STATE_HOME"):
            env.pop(name, None)
        return subprocess.run(
            [sys.executable, "-m", "portplan", *argv], cwd=cwd, env=env, capture_output=True, check=False
        )


def test_the_lease_vectors_are_there() -> None:
    assert len(SCENARIOS) >= 10


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["id"] for s in SCENARIOS])
def test_lease_vector(scenario: dict[str, Any], tmp_path: Path) -> None:
    world = World(scenario, tmp_path)
    for index, step in enumerate(scenario["steps"], start=1):
        if "remove" in step:
            shutil.rmtree(world.folder(step["remove"]))
            continue
        if "write" in step:
            for place, text in step["write"].items():
                world.folder(place).write_bytes(text.encode("utf-8"))
            continue
        at = f"step {index} (portplan {' '.join(step['argv'])})"
        before = world.file_state()
        ran = world.cli(world.folder(step["cwd"]), step["argv"])
        stdout, stderr = ran.stdout.decode("utf-8"), ran.stderr.decode("utf-8")
        assert ran.returncode == step["exit"], f"{at}: exit; stderr: {stderr}"
        if step["stdout"] is not None:
            assert world.text(stdout) == step["stdout"], f"{at}: stdout"
        if step["stderr"] is not None:
            assert world.text(stderr) == step["stderr"], f"{at}: stderr"
        if step.get("writes") is False:
            assert world.file_state() == before, f"{at}: wrote the registry"
        wanted = sorted_registry(step["registry"])
        assert world.registry_now(wanted) == wanted, f"{at}: registry"


def test_times_are_labelled_as_the_vectors_write_them() -> None:
    base = 1_800_000_000
    for offset, label in [
        (0, "NOW"),
        (599, "NOW"),
        (-2 * 86400, "NOW-2d"),
        (31 * 86400, "NOW+31d"),
        (-7200, "NOW-2h"),
        (-3000, "NOW-50m"),
        (-4000, "NOW-4000s"),
    ]:
        assert time_label(base + offset, base) == label
        if label != "NOW":
            assert offset_of(label) == offset
    assert time_label(5, base) == 5
