"""Shared helpers of the reliability tests (no conftest.py here: tests/cross has one).

Every test gets its own PORTPLAN_HOME under pytest's tmp_path and a port range of its own
(4xxxx-6xxxx), so the tests never touch the user's registry nor each other's ports."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
NODE = os.environ.get("NODE", "node")
PYTHON = sys.executable
PYTHON_CLI = [PYTHON, "-m", "portplan"]
NODE_CLI = [NODE, str(ROOT / "bindings-js" / "bin" / "portplan.js")]
CLIS = {"python": PYTHON_CLI, "node": NODE_CLI}
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "PORTPLAN_HOME": str(home), **extra}
    env.pop("PORT", None)
    return env


def run_cli(
    language: str,
    args: Sequence[str],
    cwd: Path,
    home: Path,
    timeout: float = 60,
    user: Optional[str] = None,
    umask: Optional[int] = None,
) -> subprocess.CompletedProcess:
    """Runs one CLI (`python` or `node`) with PORTPLAN_HOME=home; as `user` when given."""
    command = [*as_user(user), *CLIS[language], *args]
    preexec = (lambda: os.umask(umask)) if umask is not None else None
    return subprocess.run(
        command, cwd=cwd, env=cli_env(home), capture_output=True, text=True, timeout=timeout, preexec_fn=preexec
    )


def as_user(user: Optional[str]) -> list[str]:
    """A command prefix running the rest as `user` (needs root; `setpriv` from util-linux)."""
    if user is None:
        return []
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv is needed to run a case as an unprivileged user"
    return [setpriv, f"--reuid={user}", f"--regid={user_group(user)}", "--clear-groups"]


def user_group(user: str) -> str:
    import grp
    import pwd

    return grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name


def project(tmp: Path, name: str, low: int, high: int, extra: str = "") -> Path:
    """A folder with a portplan.toml using the range [low, high]."""
    folder = tmp / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "portplan.toml").write_text(f"range = [{low}, {high}]\n{extra}", encoding="utf-8")
    return folder


def leases(home: Path) -> list[dict]:
    data = json.loads((home / "registry.json").read_text(encoding="utf-8"))
    assert data["version"] == 2
    return data["leases"]


def node_probe(ports: Sequence[int], user: Optional[str] = None) -> dict[int, bool]:
    """The npm package's probe of each port, in a Node process of its own."""
    out = subprocess.run(
        [*as_user(user), NODE, str(HERE / "probe_driver.cjs"), *map(str, ports)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    return {int(k): v for k, v in json.loads(out).items()}


def python_probe(ports: Sequence[int], user: Optional[str] = None) -> dict[int, bool]:
    """The Python package's probe of each port, in a Python process of its own."""
    code = "import json,sys; from portplan import probe; print(json.dumps({p: probe(int(p)) for p in sys.argv[1:]}))"
    out = subprocess.run(
        [*as_user(user), PYTHON, "-c", code, *map(str, ports)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=ROOT,
    ).stdout
    return {int(k): v for k, v in json.loads(out).items()}


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry under `folder`: kind, mode, bytes and mtime (to prove nothing changed)."""
    result = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        if path.is_symlink():
            content: object = os.readlink(path)
        elif path.is_file():
            try:
                content = path.read_bytes()
            except PermissionError:
                content = "<unreadable>"
        else:  # a folder: its own mtime moves with the lock file's coming and going
            result[str(path.relative_to(folder))] = (info.st_mode, None, None)
            continue
        result[str(path.relative_to(folder))] = (info.st_mode, info.st_mtime_ns, content)
    return result
