"""`portplan run web -- CMD` with the real servers, as a user types it: each answers HTTP on
the port portplan planned for web, with no port in the command (Flask reads FLASK_RUN_PORT,
uvicorn UVICORN_PORT; Django's runserver gets `127.0.0.1:N` added by the core)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SERVERS, START_GUARD_S, Server, environment, leases, portplan

# The console script a user types, from the venv that runs these tests.
PORTPLAN_SCRIPT = str(Path(sys.executable).with_name("portplan"))

CONFIG = "range = [42000, 42999]\n[services]\nweb = true\napi = true\n"

FLASK_APP = """\
from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return "flask says hello"
"""

# A bare ASGI app: uvicorn needs no framework.
ASGI_APP = """\
async def app(scope, receive, send):
    assert scope["type"] == "http"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"uvicorn says hello"})
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "portplan.toml").write_text(CONFIG, encoding="utf-8")
    return folder


def _planned(project: Path, env: dict[str, str]) -> int:
    """web's port as `portplan get web` hands it out (and leases it, so `run` keeps it)."""
    done = portplan(["get", "web"], project, env)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    return int(done.stdout)


def _serve(project: Path, home: Path, servers: list[Server], cmd: list[str]) -> tuple[int, Server]:
    env = environment(home)
    port = _planned(project, env)
    server = Server([PORTPLAN_SCRIPT, "run", "web", "--", *cmd], project, env, project.parent / "server.log")
    servers.append(server)
    return port, server


def test_flask_answers_on_the_planned_port(project: Path, home: Path, servers: list[Server]) -> None:
    (project / "app.py").write_text(FLASK_APP, encoding="utf-8")
    port, server = _serve(project, home, servers, ["flask", "--app", "app", "run"])
    assert server.get(port) == (200, "flask says hello")
    assert f"http://127.0.0.1:{port}" in server.output()


def test_uvicorn_answers_on_the_planned_port(project: Path, home: Path, servers: list[Server]) -> None:
    (project / "app.py").write_text(ASGI_APP, encoding="utf-8")
    port, server = _serve(project, home, servers, ["uvicorn", "app:app"])
    assert server.get(port) == (200, "uvicorn says hello")
    assert f"http://127.0.0.1:{port}" in server.output()


def test_django_runserver_answers_on_the_planned_port(project: Path, home: Path, servers: list[Server]) -> None:
    env = environment(home)
    subprocess.run(["django-admin", "startproject", "mysite", "."], cwd=project, env=env, check=True)
    port, server = _serve(project, home, servers, ["python", "manage.py", "runserver"])
    status, page = server.get(port)
    # A new project without URLs shows Django's welcome page (DEBUG is on).
    assert status == 200
    assert "The install worked successfully" in page
    assert f"http://127.0.0.1:{port}/" in server.output()


def test_run_leases_only_its_name(project: Path, home: Path, servers: list[Server]) -> None:
    (project / "app.py").write_text(ASGI_APP, encoding="utf-8")
    env = environment(home)
    server = Server(
        [PORTPLAN_SCRIPT, "run", "api", "--", "uvicorn", "app:app"], project, env, project.parent / "api.log"
    )
    servers.append(server)
    deadline = time.monotonic() + START_GUARD_S
    shown = leases(project, env)
    while not shown:  # `run` writes its lease before it starts the server
        assert server.process.poll() is None, server.output()
        assert time.monotonic() < deadline, "run wrote no lease"
        time.sleep(0.1)
        shown = leases(project, env)
    assert [(lease["name"], lease["namespace"]) for lease in shown] == [("api", "shop")]
    assert server.get(int(str(shown[0]["port"]))) == (200, "uvicorn says hello")


def test_the_servers_venv_is_what_runs() -> None:
    """The tools above are the pinned ones of tests/tools/install.sh, not some other install."""
    path = environment(Path("/nonexistent"))["PATH"]
    for tool in ("flask", "uvicorn", "python"):
        assert shutil.which(tool, path=path) == str(SERVERS / "bin" / tool)
