"""Shared helpers of the real-tool tests: the servers' venv (tests/tools/install.sh), the
`portplan` command of this venv, and a private registry."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

TOOLS = Path(os.environ.get("PORTPLAN_TOOLS") or Path.home() / ".cache" / "portplan-tools")
# The servers' venv, named by install.sh after its pins.
SERVERS = Path(
    subprocess.run(
        ["bash", str(Path(__file__).with_name("install.sh")), "--venv"],
        env={**os.environ, "PORTPLAN_TOOLS": str(TOOLS)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
)
PORTPLAN = [sys.executable, "-m", "portplan"]
# How long a server may take to answer before the test gives up (a guard against a hang, not
# a measured time: a loaded machine starts Django in seconds).
START_GUARD_S = 90.0


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A PORTPLAN_HOME of the test's own: no test touches the user's registry."""
    path = tmp_path / "portplan-home"
    path.mkdir()
    return path


def environment(home: Path, **extra: str) -> dict[str, str]:
    """This process's environment with the servers' venv first on PATH (so `flask`, `gunicorn`
    and `python` are the servers'), the private registry, and no inherited port variable (nor
    one that would choose a server's host or options)."""
    if not (SERVERS / "bin" / "python").exists():
        raise RuntimeError(f"{SERVERS} is missing: run tests/tools/install.sh (make test-tools does)")
    dropped = {"VIRTUAL_ENV", "GUNICORN_CMD_ARGS", "HOST"}
    env = {k: v for k, v in os.environ.items() if not k.endswith(("PORT", "_HOST")) and k not in dropped}
    env["PATH"] = f"{SERVERS / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PORTPLAN_HOME"] = str(home)
    env.update(extra)
    return env


def portplan(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PORTPLAN, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)


def leases(cwd: Path, env: dict[str, str]) -> list[dict[str, object]]:
    done = portplan(["ls", "--json"], cwd, env)
    assert (done.returncode, done.stderr) == (0, "")
    found: list[dict[str, object]] = json.loads(done.stdout)
    return found


class Server:
    """A command started in a session of its own, so that stopping it stops its children too
    (Django's autoreloader runs the server in a child process)."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = log.open("wb")
        self.process = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def get(self, port: int, path: str = "/") -> tuple[int, str]:
        """The first answer of http://127.0.0.1:PORT/PATH, waiting for the server to listen."""
        deadline = time.monotonic() + START_GUARD_S
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited with {self.process.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as answer:
                    return answer.status, answer.read().decode("utf-8", "replace")
            except urllib.error.HTTPError as error:
                return error.code, error.read().decode("utf-8", "replace")
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"nothing answered on port {port}:\n{self.output()}") from None
                time.sleep(0.2)

    def output(self) -> str:
        self._out.flush()
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._out.close()


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    """Servers a test starts; stopped after it."""
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()
