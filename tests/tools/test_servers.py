"""`portplan run web -- CMD` with the real servers, as a user types it: each answers HTTP on
the port portplan planned for web, with no port in the command, and listens on loopback only
(a dev server is not opened to the network unless the command asks). Flask reads
FLASK_RUN_PORT, uvicorn UVICORN_PORT, granian GRANIAN_PORT, litestar LITESTAR_PORT; the core
adds `127.0.0.1:N` to Django's runserver, `--bind 127.0.0.1:N` to gunicorn (which would bind
0.0.0.0:$PORT) and hypercorn, `-p N` to daphne, `--port=N --host=127.0.0.1` to waitress-serve
(which listens on 0.0.0.0 by default), `--dev-addr 127.0.0.1:N` to `mkdocs serve`, and
`N --bind 127.0.0.1` to `python -m http.server`."""

from __future__ import annotations

import shutil
import socket
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

# A bare ASGI app: uvicorn, hypercorn, granian and daphne need no framework.
ASGI_APP = """\
async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    assert scope["type"] == "http"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"asgi says hello"})
"""

# A bare WSGI app, for gunicorn and waitress.
WSGI_APP = """\
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"wsgi says hello"]
"""

LITESTAR_APP = """\
from litestar import Litestar, get


@get("/")
async def index() -> str:
    return "litestar says hello"


app = Litestar([index])
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


def _listening(port: int) -> set[str]:
    """The addresses of the sockets listening on `port` (Linux: /proc/net/tcp and tcp6), so a
    test sees what the server bound, not only that 127.0.0.1 answers."""
    found = set()
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        path = Path(table)
        if not path.exists():
            continue
        for row in path.read_text(encoding="ascii").splitlines()[1:]:
            fields = row.split()
            address, port_hex = fields[1].split(":")
            if fields[3] != "0A" or int(port_hex, 16) != port:  # 0A: LISTEN
                continue
            # The kernel prints each 32-bit word of the address in host (little-endian) order.
            raw = b"".join(bytes.fromhex(address[i : i + 8])[::-1] for i in range(0, len(address), 8))
            found.add(socket.inet_ntop(family, raw))
    return found


def _on_loopback_only(port: int) -> None:
    if not Path("/proc/net/tcp").exists():
        return  # no such table here: the answer on 127.0.0.1 is all a test can check
    assert _listening(port) == {"127.0.0.1"}


# Each server: the files of its project, the command a user types, and what its page says.
SERVERS_RUN = {
    "flask": ({"app.py": FLASK_APP}, ["flask", "--app", "app", "run"], "flask says hello"),
    "uvicorn": ({"app.py": ASGI_APP}, ["uvicorn", "app:app"], "asgi says hello"),
    "gunicorn": ({"app.py": WSGI_APP}, ["gunicorn", "app:app"], "wsgi says hello"),
    "hypercorn": ({"app.py": ASGI_APP}, ["hypercorn", "app:app"], "asgi says hello"),
    "granian": ({"app.py": ASGI_APP}, ["granian", "--interface", "asgi", "app:app"], "asgi says hello"),
    "daphne": ({"app.py": ASGI_APP}, ["daphne", "app:app"], "asgi says hello"),
    "litestar": ({"app.py": LITESTAR_APP}, ["litestar", "--app", "app:app", "run"], "litestar says hello"),
    "waitress": ({"app.py": WSGI_APP}, ["waitress-serve", "app:app"], "wsgi says hello"),
    "mkdocs": (
        {"mkdocs.yml": "site_name: Shop\n", "docs/index.md": "# mkdocs says hello\n"},
        ["mkdocs", "serve"],
        "mkdocs says hello",
    ),
    "http.server": (
        {"index.html": "http.server says hello\n"},
        ["python", "-m", "http.server"],
        "http.server says hello",
    ),
}


@pytest.mark.parametrize("tool", list(SERVERS_RUN))
def test_each_server_answers_on_the_planned_port_on_loopback_only(
    tool: str, project: Path, home: Path, servers: list[Server]
) -> None:
    files, cmd, says = SERVERS_RUN[tool]
    for name, text in files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")
    port, server = _serve(project, home, servers, cmd)
    status, page = server.get(port)
    assert (status, says in page) == (200, True), page
    _on_loopback_only(port)


def test_django_runserver_answers_on_the_planned_port(project: Path, home: Path, servers: list[Server]) -> None:
    env = environment(home)
    subprocess.run(["django-admin", "startproject", "mysite", "."], cwd=project, env=env, check=True)
    port, server = _serve(project, home, servers, ["python", "manage.py", "runserver"])
    status, page = server.get(port)
    # A new project without URLs shows Django's welcome page (DEBUG is on).
    assert status == 200
    assert "The install worked successfully" in page
    assert f"http://127.0.0.1:{port}/" in server.output()
    _on_loopback_only(port)


def test_a_host_the_command_names_wins_and_keeps_the_planned_port(
    project: Path, home: Path, servers: list[Server]
) -> None:
    """waitress-serve --host=0.0.0.0 asks for every interface: run adds the port alone (and
    the check above would see a socket open to the network)."""
    (project / "app.py").write_text(WSGI_APP, encoding="utf-8")
    port, server = _serve(project, home, servers, ["waitress-serve", "--host=0.0.0.0", "app:app"])
    assert server.get(port) == (200, "wsgi says hello")
    if Path("/proc/net/tcp").exists():
        assert _listening(port) == {"0.0.0.0"}


def test_a_port_the_command_gives_wins(project: Path, home: Path, servers: list[Server]) -> None:
    """gunicorn -b 127.0.0.1:OTHER: no --bind of run's (two binds would listen on both)."""
    (project / "app.py").write_text(WSGI_APP, encoding="utf-8")
    with socket.socket() as probe:  # a free port that is not web's
        probe.bind(("127.0.0.1", 0))
        other = probe.getsockname()[1]
    port, server = _serve(project, home, servers, ["gunicorn", "-b", f"127.0.0.1:{other}", "app:app"])
    assert other != port
    assert server.get(other) == (200, "wsgi says hello")
    if Path("/proc/net/tcp").exists():
        assert _listening(port) == set()


def _said_by_run(output: str) -> list[str]:
    """The lines run printed before the server's own, or a skip when this CLI prints none
    (the Python CLI prints them once it runs the core's session; the Node CLI does)."""
    lines = [line for line in output.splitlines() if line.startswith("portplan: ")]
    if not lines:
        pytest.skip("this CLI does not print run's line yet")
    return lines


def test_run_says_what_it_set_before_the_server_starts(project: Path, home: Path, servers: list[Server]) -> None:
    (project / "app.py").write_text(WSGI_APP, encoding="utf-8")
    port, server = _serve(project, home, servers, ["gunicorn", "app:app"])
    assert server.get(port) == (200, "wsgi says hello")
    output = server.output()
    said = f"portplan: web → {port} (PORT, WEB_PORT, API_PORT; gunicorn gets --bind 127.0.0.1:{port})"
    assert _said_by_run(output) == [said]
    assert output.startswith(said + "\n")


def test_run_warns_of_a_server_it_does_not_know(project: Path, home: Path, servers: list[Server]) -> None:
    """`python serve.py` that reads PORT itself: it serves, and run says it could not tell."""
    (project / "serve.py").write_text(
        "import http.server, os\n"
        "http.server.HTTPServer(('127.0.0.1', int(os.environ['PORT'])), http.server.SimpleHTTPRequestHandler)"
        ".serve_forever()\n",
        encoding="utf-8",
    )
    (project / "index.html").write_text("it read PORT\n", encoding="utf-8")
    port, server = _serve(project, home, servers, ["python", "serve.py"])
    assert server.get(port) == (200, "it read PORT\n")
    assert _said_by_run(server.output()) == [
        f"portplan: web → {port} (PORT, WEB_PORT, API_PORT)",
        f'portplan: run does not know how "python serve.py" takes its port: if it ignores PORT, pass {port} yourself',
    ]


def test_run_leases_the_ports_it_hands_out(project: Path, home: Path, servers: list[Server]) -> None:
    """`run api -- uvicorn` hands the command every service's port (API_PORT, WEB_PORT) and
    leases exactly those (SPEC §7), before it starts the server; the server answers on api's."""
    (project / "app.py").write_text(ASGI_APP, encoding="utf-8")
    env = environment(home)
    server = Server(
        [PORTPLAN_SCRIPT, "run", "api", "--", "uvicorn", "app:app"], project, env, project.parent / "api.log"
    )
    servers.append(server)
    deadline = time.monotonic() + START_GUARD_S
    shown = leases(project, env)
    while not shown:  # `run` writes its leases before it starts the server
        assert server.process.poll() is None, server.output()
        assert time.monotonic() < deadline, "run wrote no lease"
        time.sleep(0.1)
        shown = leases(project, env)
    assert sorted((str(lease["name"]), str(lease["namespace"])) for lease in shown) == [
        ("api", "shop"),
        ("web", "shop"),
    ]
    api = next(int(str(lease["port"])) for lease in shown if lease["name"] == "api")
    assert server.get(api) == (200, "asgi says hello")


def test_the_servers_venv_is_what_runs() -> None:
    """The tools above are the pinned ones of tests/tools/install.sh, not some other install."""
    path = environment(Path("/nonexistent"))["PATH"]
    for tool in ("flask", "uvicorn", "gunicorn", "hypercorn", "granian", "daphne", "litestar", "waitress-serve"):
        assert shutil.which(tool, path=path) == str(SERVERS / "bin" / tool)
    for tool in ("mkdocs", "django-admin", "python"):
        assert shutil.which(tool, path=path) == str(SERVERS / "bin" / tool)
