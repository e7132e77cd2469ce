"""Shared helpers of the cross-language tests: both CLIs, both packages, a private registry."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE_CLI = [os.environ.get("NODE", "node"), str(ROOT / "bindings-js" / "bin" / "portplan.js")]
PYTHON_CLI = [sys.executable, "-m", "portplan"]
VECTORS = json.loads((ROOT / "tests" / "vectors" / "plan.json").read_text(encoding="utf-8"))["cases"]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A PORTPLAN_HOME of the test's own: no test touches the user's registry."""
    path = tmp_path / "portplan-home"
    path.mkdir()
    return path


CLIS = {"python": PYTHON_CLI, "node": NODE_CLI}


def run_cli(
    cli: list[str],
    args: list[str],
    cwd: Path,
    home: Path | None,
    timeout: float = 60,
    env: dict[str, str] | None = None,
    prefix: list[str] | None = None,
) -> subprocess.CompletedProcess:
    """One CLI run with PORTPLAN_HOME=home (None: unset), `env` over the environment, after
    `prefix` (a command such as setpriv)."""
    full = {**os.environ, **(env or {})}
    full.pop("PORTPLAN_HOME", None)
    full.pop("PORT", None)
    if home is not None:
        full["PORTPLAN_HOME"] = str(home)
    return subprocess.run(
        [*(prefix or []), *cli, *args], cwd=cwd, env=full, capture_output=True, text=True, timeout=timeout
    )


def lock_held(home: Path) -> bool:
    """Whether some process holds the kernel lock of the registry in `home` (`registry.lock`,
    flock): `flock --nonblock` fails with 75 then. Trying takes the lock for an instant, so call
    it only when no writer should be running."""
    lock = home / "registry.lock"
    if not lock.exists():
        return False
    done = subprocess.run(["flock", "--nonblock", "--conflict-exit-code", "75", str(lock), "true"], timeout=30)
    assert done.returncode in (0, 75), done
    return done.returncode == 75


def as_plain_user() -> list[str]:
    """A command prefix that drops root to `nobody` (root reads any file); empty when not root."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed to run a case as a plain user"
    return [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A temporary folder `nobody` can use too (pytest's own are root-only)."""
    folder = Path(tempfile.mkdtemp(prefix="portplan-cross-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def generated_requests(count: int, seed: int = 20261123) -> list[dict]:
    """Configs that exercise every rule: small ranges (collisions), pins, busy, excludes,
    the three layouts, Lagom, namespaces, Unicode names, and some broken ones."""
    rng = random.Random(seed)
    alphabet = ["a", "b", "web", "api", "db", "é", "服务", "🚀", "x-1", "Aa", "BB", "worker"]
    requests = []
    for _ in range(count):
        lo = rng.randint(1, 65000)
        hi = lo + rng.choice([0, 3, 10, 50, 200, 500])
        layout = rng.choice(["hash", "hash", "sequential", "block"])
        services: dict[str, object] = {}
        for _ in range(rng.randint(0, 12)):
            name = rng.choice(alphabet) + rng.choice(["", str(rng.randint(0, 30))])
            services[name] = rng.randint(lo, hi) if rng.random() < 0.15 else True
        config: dict[str, object] = {
            "range": [lo, min(hi, 65535)],
            "layout": layout,
            "exclude": [lo + rng.randint(0, 5) for _ in range(rng.randint(0, 3))],
            "services": services,
            "block_size": rng.choice([1, 4, 16]),
        }
        if layout == "hash" and rng.random() < 0.25:
            config["hash"] = "lagom"
        elif rng.random() < 0.5:
            config["namespace"] = rng.choice(["shop@main", "dev", "ü"])
        if rng.random() < 0.05:
            config["range"] = [hi, lo - 1]  # broken on purpose
        busy = [lo + rng.randint(0, 20) for _ in range(rng.randint(0, 4))]
        requests.append({"config": config, "busy": [p for p in busy if p <= 65535]})
    return requests
