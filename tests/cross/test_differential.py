"""Differential test of the two CLIs (issue 23): random scenarios of configs, registries,
locks, deleted checkouts and commands, each run once through the Node CLI and once through
the Python CLI on identical folders. Both must print the same bytes, exit alike and leave
identical files, every time.

Each scenario is built from a seed (`PORTPLAN_DIFF_SEED`, `PORTPLAN_DIFF_SCENARIOS` to
change the defaults) and run in the same folder for both CLIs, one after the other, so paths
(and the URL hosts derived from them) are the same; only lease times (Unix seconds, dates)
may differ between the two runs and are normalized. Ports are never probed (`--no-probe`):
a probe's answer depends on the moment, not on the CLI.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import NODE_CLI, PYTHON_CLI, run_cli

SEED = int(os.environ.get("PORTPLAN_DIFF_SEED", "20261205"))
SCENARIOS = int(os.environ.get("PORTPLAN_DIFF_SCENARIOS", "240"))

COMPOSE = 'services:\n  app:\n    ports:\n      - "${WEB_PORT:-8080}:80"\n      - "${CACHE_PORT}:6379"\n'
NAMES = ["web", "api", "db", "worker", "docs", "my app", "Ünï", "x-1", "web-preview"]
TIMES = re.compile(r'("(?:created|used|since)": )\d+')
DATES = re.compile(r"\b20\d\d-\d\d-\d\d(T\d\d:\d\d:\d\dZ)?\b")


def normalized(text: str) -> str:
    """Lease times and dates: the two runs may fall in different seconds (or days)."""
    return DATES.sub("DATE", TIMES.sub(r"\g<1>0", text))


@dataclass
class Scenario:
    """Files to create (path → text, None: a folder), commands to run, and folders to delete
    before a given step."""

    seed: int
    files: dict[str, str | None] = field(default_factory=dict)
    steps: list[tuple[str, list[str]]] = field(default_factory=list)  # (cwd, argv)
    delete_before: dict[int, str] = field(default_factory=dict)


def config_text(rng: random.Random, kind: str) -> str:
    """A config in one of the three files, sometimes with a fault."""
    low = rng.choice([41000, 41000, 45000, 20000])
    size = rng.choice([4, 10, 30, 1000])
    services: dict[str, object] = {}
    for name in rng.sample(NAMES[:6], rng.randint(0, 4)):
        services[name] = rng.choice([True, True, True, False, low + rng.randint(0, size)])
    keys: dict[str, object] = {"range": [low, low + size]}
    if rng.random() < 0.2:
        keys["layout"] = rng.choice(["sequential", "block", "hash"])
        if keys["layout"] == "block":
            keys["block_size"] = rng.choice([2, 5])
    if rng.random() < 0.2:
        keys["namespace"] = rng.choice(["shop", "other@main", ""])
    if rng.random() < 0.08:
        keys[rng.choice(["rnage", "services"])] = rng.choice([70000, "x", [1]])
    if services and "services" not in keys:
        keys["services"] = services
    if kind == "package.json":
        return json.dumps({"name": rng.choice(["@acme/shop", "shop", ""]), "portplan": keys})
    body = json.dumps(keys)  # TOML accepts none of this JSON; portplan.toml reads JSON too
    if kind == "pyproject.toml":
        lines = ["[project]", 'name = "shop"', "", "[tool.portplan]"]
        for key, value in keys.items():
            if key != "services":
                lines.append(f"{key} = {json.dumps(value)}")
        if isinstance(keys.get("services"), dict):
            lines.append("[tool.portplan.services]")
            for name, value in keys["services"].items():
                rendered = "true" if value is True else "false" if value is False else json.dumps(value)
                lines.append(f"{json.dumps(name)} = {rendered}")
        return "\n".join(lines) + "\n"
    return body


def registry_text(rng: random.Random, roots: list[str]) -> str | None:
    """An initial registry: none, leases of this and other roots (some gone), version 1,
    or broken text."""
    roll = rng.random()
    if roll < 0.3:
        return None
    if roll < 0.37:
        return rng.choice(['{"version": 2, "leases": [', "not json", '{"version": 9, "leases": []}'])
    leases = []
    used = set()
    for _ in range(rng.randint(0, 6)):
        port = rng.randint(41000, 41030)
        if port in used:
            continue
        used.add(port)
        leases.append(
            {
                "namespace": rng.choice(["shop", "other", ""]),
                "name": rng.choice(NAMES[:5]),
                "root": rng.choice([*roots, "/nonexistent/gone", None]) if roll < 0.9 else None,
                "port": port,
                "created": 1_790_000_000,
                "used": rng.choice([1_790_000_000, 1_700_000_000, 2_100_000_000]),
            }
        )
    version = 1 if roll >= 0.9 else 2
    if version == 1:
        for lease in leases:
            lease.pop("root")
    return json.dumps({"version": version, "leases": leases})


def command(rng: random.Random) -> list[str]:
    name = rng.choice(NAMES)
    options = ["--no-probe"]
    if rng.random() < 0.1:
        options += ["--range", rng.choice(["41000-41020", "9-1", "x"])]
    kinds = ["get", "get", "url", "plan", "plan-json", "why", "env", "env-write", "release", "ls", "help"]
    choice = rng.choice(kinds)
    if choice == "get":
        return ["get", name, *options, *(["--json"] if rng.random() < 0.3 else [])]
    if choice == "url":
        return ["url", name, *options]
    if choice == "plan":
        return ["plan", *options]
    if choice == "plan-json":
        return ["plan", "--json", *options]
    if choice == "why":
        return ["why", name, *options]
    if choice == "env":
        return ["env", *options, *(["--urls"] if rng.random() < 0.3 else [])]
    if choice == "env-write":
        return [
            "env",
            "--write",
            *([rng.choice([".env", "sub/.env", "link.env"])] if rng.random() < 0.5 else []),
            *options,
        ]
    if choice == "release":
        return ["release", *([name] if rng.random() < 0.8 else ["--all"])]
    if choice == "ls":
        return ["ls", *(["--json"] if rng.random() < 0.3 else [])]
    return rng.choice([["get", "--help"], ["--help"], [], ["frob"], ["get"]])


def scenario(seed: int) -> Scenario:
    rng = random.Random(seed)
    s = Scenario(seed)
    kind = rng.choice(["portplan.toml", "package.json", "pyproject.toml", None])
    for checkout in ("shop", "clone/shop"):
        s.files[checkout] = None
        if kind is not None:
            s.files[f"{checkout}/{kind}"] = config_text(rng, kind)
        else:
            s.files[f"{checkout}/.git"] = None
        if rng.random() < 0.3:
            s.files[f"{checkout}/.env"] = rng.choice(["A=1\n", "WEB_PORT=9999\n", "X=1\r\nY=2\r\n", ""])
        if rng.random() < 0.15:
            s.files[f"{checkout}/compose.yaml"] = (
                'services:\n  app:\n    ports:\n      - "${WEB_PORT:-8080}:80"\n      - "${CACHE_PORT}:6379"\n'
            )
    if rng.random() < 0.1:
        s.files["home/registry.lock"] = None  # a folder where the lock must be: an error
    roots = ["ROOT/shop", "ROOT/clone/shop"]
    s.files["home/registry.json"] = registry_text(rng, roots)
    for _ in range(rng.randint(2, 7)):
        s.steps.append((rng.choice(["shop", "shop", "clone/shop", "shop/sub"]), command(rng)))
    if rng.random() < 0.2:
        s.delete_before[rng.randint(1, len(s.steps))] = "clone"
    return s


def build(root: Path, s: Scenario) -> Path:
    """The scenario's folders under `root` (emptied first); the home folder."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir()
    (root / "shop" / "sub").mkdir(parents=True)
    (root / "home").mkdir()
    for path, text in s.files.items():
        target = root / path
        if text is None:
            target.mkdir(parents=True, exist_ok=True)
        elif path == "home/registry.json":
            target.write_text(text.replace("ROOT", str(root)), encoding="utf-8")
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    # A link out of the project: written only when named on the command line.
    outside = root / "outside.env"
    outside.write_text("OUTSIDE=1\n", encoding="utf-8")
    for checkout in ("shop", "clone/shop"):
        if (root / checkout).exists():
            (root / checkout / "link.env").symlink_to(outside)
    return root / "home"


def snapshot(root: Path) -> dict[str, str]:
    """Every file under `root` (but the lock and owner files): its text, normalized."""
    files: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        relative = str(path.relative_to(root))
        if path.name in ("registry.owner", "registry.lock") or "/sessions/" in relative:
            continue
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            files[relative] = "-> " + os.readlink(path)
        elif stat.S_ISDIR(mode):
            files[relative] = "<dir>"
        else:
            files[relative] = normalized(path.read_text(encoding="utf-8", errors="replace"))
    return files


def run_all(root: Path, s: Scenario, cli: list[str]) -> tuple[list[tuple[int, str, str]], dict[str, str]]:
    home = build(root, s)
    outputs = []
    for index, (cwd, argv) in enumerate(s.steps):
        gone = s.delete_before.get(index)
        if gone:
            shutil.rmtree(root / gone, ignore_errors=True)
        folder = root / cwd
        if not folder.exists():
            folder = root
        done = run_cli(cli, argv, folder, home, timeout=60)
        outputs.append((done.returncode, normalized(done.stdout), normalized(done.stderr)))
    return outputs, snapshot(root)


@pytest.mark.parametrize("index", range(SCENARIOS))
def test_both_clis_agree_on_a_random_scenario(index: int, tmp_path: Path) -> None:
    s = scenario(SEED + index)
    root = tmp_path / "world"
    node_out, node_files = run_all(root, s, NODE_CLI)
    python_out, python_files = run_all(root, s, PYTHON_CLI)
    for step, (node, python) in enumerate(zip(node_out, python_out)):
        assert node == python, f"seed {s.seed}, step {step}: {s.steps[step]}"
    assert node_files == python_files, f"seed {s.seed}: the files differ"
