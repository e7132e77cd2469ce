"""The `portplan` command: every command, its output (rendered by the core) and exit codes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import portplan
import pytest
from conftest import as_plain_user, registry_locked, registry_state, run_cli
from portplan.cli import main

CONFIG = 'namespace = "demo"\nrange = [41000, 41099]\nexclude = []\n[services]\nweb = true\napi = true\nmail = 41090\n'


@pytest.fixture
def project(project: Path) -> Path:
    (project / "portplan.toml").write_text(CONFIG, encoding="utf-8")
    return project


def _expected_plan() -> portplan.Plan:
    return portplan.plan(CONFIG)


def test_get_prints_the_port_only(project: Path) -> None:
    done = run_cli("get", "web", "--no-probe", cwd=project)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"{_expected_plan()['web']}\n", "")


def test_get_of_a_name_not_in_the_config(project: Path, registry_home: Path) -> None:
    # The config lists its services: a name it lacks is a mistake, never a silent new lease.
    done = run_cli("get", "wbe", "--no-probe", cwd=project)
    assert (done.returncode, done.stdout) == (2, "")
    assert "no service named wbe" in done.stderr
    assert "did you mean web?" in done.stderr
    assert not (registry_home / "registry.json").exists()
    # Without a config, any name gets a port.
    alone = project.parent / "elsewhere"
    alone.mkdir()
    (alone / ".git").mkdir()
    done = run_cli("get", "worker", "--no-probe", cwd=alone)
    assert done.returncode == 0
    assert done.stdout.strip().isdigit()


def test_plan_table_and_json(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--no-probe"]) == 0
    assert capsys.readouterr().out == _expected_plan().table()
    assert main(["plan", "--json", "--no-probe"]) == 0
    shown = json.loads(capsys.readouterr().out)
    # plan only shows: nothing was leased by the first run, so nothing is kept.
    assert {e["name"]: e["port"] for e in shown["plan"]} == _expected_plan().ports
    assert {e["name"]: e["reason"]["kind"] for e in shown["plan"]} == {"api": "home", "mail": "pinned", "web": "home"}
    assert portplan.leases() == []
    assert shown["namespace"] == "demo"
    assert (shown["root"], shown["config_file"]) == (str(project), str(project / "portplan.toml"))
    for key in ("registry", "probe"):
        assert key not in shown


def test_why(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["why", "web", "--no-probe"]) == 0
    said = capsys.readouterr().out
    assert said.startswith(_expected_plan().why("web") + " Its URL: http://web.demo-")
    assert said.endswith(f".localhost:{_expected_plan()['web']}\n")
    assert portplan.leases() == []  # a question records nothing


def test_why_of_an_unknown_service(project: Path) -> None:
    done = run_cli("why", "nope", "--no-probe", cwd=project)
    assert done.returncode == 2
    assert done.stderr == "portplan: error: no service named nope in the plan\n"


def test_env(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["env", "--no-probe"]) == 0
    ports = _expected_plan().ports
    assert capsys.readouterr().out == f"API_PORT={ports['api']}\nMAIL_PORT=41090\nWEB_PORT={ports['web']}\n"


def test_ls_and_release(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["env", "--no-probe"]) == 0
    capsys.readouterr()
    assert main(["ls", "--json"]) == 0
    leases = json.loads(capsys.readouterr().out)
    assert [(lease["namespace"], lease["name"], lease["root"]) for lease in leases] == [
        ("demo", "api", str(project)),
        ("demo", "web", str(project)),
    ]
    assert main(["ls"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert rows[0] == ["NAMESPACE", "SERVICE", "PORT", "SERVED", "BY", "USED", "ROOT"]
    # Nothing serves these ports: the SERVED BY column says so with "-".
    assert [(row[0], row[1], int(row[2]), row[3], row[5]) for row in rows[1:]] == [
        (lease["namespace"], lease["name"], lease["port"], "-", lease["root"]) for lease in leases
    ]
    web = next(lease for lease in leases if lease["name"] == "web")
    assert main(["release", "web"]) == 0
    assert capsys.readouterr().out == f"released demo/web (port {web['port']})\n"
    assert [lease.name for lease in portplan.leases()] == ["api"]
    assert main(["release", "web"]) == 0
    assert capsys.readouterr().out == "no lease of web to release\n"
    assert main(["release", "--all"]) == 0
    assert "api" in capsys.readouterr().out
    assert portplan.leases() == []


def test_options(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["get", "web", "--range", "42000-42001", "--namespace", "x", "--no-probe"]) == 0
    assert capsys.readouterr().out in ("42000\n", "42001\n")
    assert [(lease.namespace, lease.name) for lease in portplan.leases()] == [("x", "web")]
    assert main(["plan", "--layout", "sequential", "--namespace", "seq", "--no-probe", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["layout"] == "sequential"
    assert shown["namespace"] == "seq"
    assert [e["port"] for e in shown["plan"]] == [41000, 41090, 41001]
    # A one-off layout shows, and changes nothing a plain `get` answers.
    assert main(["get", "web", "--no-probe"]) == 0
    assert capsys.readouterr().out == f"{_expected_plan()['web']}\n"


def test_config_option(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ports.toml").write_text(CONFIG, encoding="utf-8")
    assert main(["--config", "ports.toml", "get", "mail"]) == 0
    assert capsys.readouterr().out == "41090\n"


def test_probe_moves_a_busy_port(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    web = _expected_plan()["web"]
    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", web))
        holder.listen(1)
        assert main(["get", "web"]) == 0
        assert capsys.readouterr().out != f"{web}\n"
        assert main(["get", "web", "--no-probe"]) == 0  # its lease is now elsewhere
        assert capsys.readouterr().out != f"{web}\n"
    finally:
        holder.close()


def test_namespace_git(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import subprocess

    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=project, check=True)
    subprocess.run(
        ["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "x"],
        cwd=project,
        check=True,
    )
    assert main(["plan", "--namespace", "git", "--no-probe", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["namespace"] == "shop@main"


def test_run_sets_port_and_passes_the_exit_code(project: Path) -> None:
    code = "import os, sys; print(os.environ['PORT'], os.environ['KEEP']); sys.exit(7)"
    done = run_cli("run", "web", "--no-probe", "--", sys.executable, "-c", code, cwd=project, env={"KEEP": "kept"})
    assert done.returncode == 7
    assert done.stdout == f"{_expected_plan()['web']} kept\n"


def test_run_sets_every_services_port_and_the_tools_variables(project: Path) -> None:
    code = "import json, os; print(json.dumps({k: v for k, v in os.environ.items() if k.endswith('PORT')}))"
    done = run_cli(
        "run", "api", "--no-probe", "--", sys.executable, "-c", code, cwd=project, env={"FLASK_RUN_PORT": "1"}
    )
    assert done.returncode == 0
    ports = _expected_plan().ports
    api = str(ports["api"])
    # One line says what run set; a second, that it does not know `python -c`.
    said = done.stderr.splitlines()
    assert said[0] == f"portplan: api → {api} (PORT, API_PORT, MAIL_PORT, WEB_PORT)"
    assert said[1].startswith("portplan: run does not know how")
    shown = json.loads(done.stdout)
    # What run added: no tool's own variable for a command that is no known tool (issue 26),
    # and FLASK_RUN_PORT=1 inherited as it was.
    added = {k: v for k, v in shown.items() if k not in os.environ or k == "FLASK_RUN_PORT"}
    assert added == {
        "PORT": api,
        "API_PORT": api,
        "WEB_PORT": str(ports["web"]),
        "MAIL_PORT": "41090",
        "FLASK_RUN_PORT": "1",
    }
    # run leases every port it hands the command (the pin needs none).
    assert [lease.name for lease in portplan.leases()] == ["api", "web"]


def test_run_gives_runserver_its_address(project: Path) -> None:
    (project / "manage.py").write_text("import json, sys\nprint(json.dumps(sys.argv[1:]))\n", encoding="utf-8")
    web = _expected_plan()["web"]
    done = run_cli("run", "web", "--no-probe", "--", sys.executable, "manage.py", "runserver", cwd=project)
    assert done.returncode == 0
    assert done.stderr.startswith(f"portplan: web → {web} (")
    assert f"runserver gets 127.0.0.1:{web}" in done.stderr
    assert json.loads(done.stdout) == ["runserver", f"127.0.0.1:{web}"]
    given = run_cli("run", "web", "--no-probe", "--", sys.executable, "manage.py", "runserver", "8123", cwd=project)
    assert json.loads(given.stdout) == ["runserver", "8123"], "a port the user gave wins"


def test_run_with_a_service_named_like_a_tool_variable_writes_nothing(project: Path, registry_home: Path) -> None:
    # flask run reads FLASK_RUN_PORT: web's port there would overwrite service flask-run's.
    (project / "portplan.toml").write_text(CONFIG + "flask-run = true\n", encoding="utf-8")
    done = run_cli("run", "web", "--no-probe", "--", "flask", "run", cwd=project)
    assert (done.returncode, done.stdout) == (2, "")
    assert "FLASK_RUN_PORT" in done.stderr
    assert done.stderr.count("\n") == 1
    assert not (registry_home / "registry.json").exists()


def test_preview_says_it_needs_the_npm_package_and_fails(project: Path, registry_home: Path) -> None:
    for args in (["preview"], ["preview", "--port", "8080", "--no-open"]):
        done = run_cli(*args, cwd=project)
        assert (done.returncode, done.stdout) == (1, "")
        assert "npx portplan preview" in done.stderr
        assert done.stderr.count("\n") == 1
    assert not (registry_home / "registry.json").exists()


def test_run_never_injects_the_name(project: Path, tmp_path: Path) -> None:
    marker = tmp_path / "injected"
    name = f"w;touch {marker};$(touch {marker})"
    done = run_cli(
        "run", name, "--no-probe", "--", sys.executable, "-c", "import os; print(os.environ['PORT'])", cwd=project
    )
    assert done.returncode == 0
    assert done.stdout.strip().isdigit()
    assert not marker.exists()


def test_run_of_a_missing_command(project: Path) -> None:
    done = run_cli("run", "web", "--no-probe", "--", "no-such-command-portplan", cwd=project)
    assert done.returncode == 127
    # run's own lines first, then the one error line.
    assert done.stderr.splitlines()[-1].startswith("portplan: error: cannot run no-such-command-portplan:")


def test_run_on_a_kept_port_held_by_another_process(project: Path) -> None:
    web = portplan.port("web", probe=False)
    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", web))
        holder.listen(1)
        done = run_cli("run", "web", "--", sys.executable, "-c", "pass", cwd=project)
    finally:
        holder.close()
    assert done.returncode == 1
    assert f"port {web} is leased to web" in done.stderr
    assert "portplan release web" in done.stderr


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["bogus"], 2),
        (["get"], 2),
        (["get", "web", "--range", "9-1"], 2),
        (["get", "web", "--range", "x"], 2),
        (["plan", "--layout", "spiral"], 2),
        (["get", "web", "--config", "missing.toml"], 2),
        (["run", "web"], 2),
        (["ls", "--all"], 2),
        (["get", "bad\u0001name"], 2),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], code: int, project: Path) -> None:
    done = run_cli(*args, cwd=project)
    assert done.returncode == code
    assert done.stderr.startswith("portplan: error: ")
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_a_running_pinned_service_blocks_no_command(project: Path) -> None:
    holder = socket.socket()
    try:
        holder.bind(("0.0.0.0", 41090))
        holder.listen(1)
        done = {
            tuple(args): run_cli(*args, cwd=project)
            for args in (["plan"], ["get", "web"], ["env"], ["get", "mail"], ["why", "mail"])
        }
    finally:
        holder.close()
    for args, result in done.items():
        assert (result.returncode, result.stderr) == (0, ""), args
    assert done[("get", "mail")].stdout == "41090\n"
    assert "MAIL_PORT=41090\n" in done[("env",)].stdout


def test_corrupt_registry_is_exit_1_and_untouched(project: Path, registry_home: Path) -> None:
    path = registry_home / "registry.json"
    path.write_text("{oops", encoding="utf-8")
    for args in (["get", "web"], ["ls"], ["release", "web"]):
        done = run_cli(*args, cwd=project)
        assert done.returncode == 1
        assert done.stderr.startswith(f"portplan: error: {path}: ")
        assert done.stderr.count("\n") == 1
    assert path.read_text(encoding="utf-8") == "{oops"


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert capsys.readouterr().out.startswith("usage: portplan")
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"{portplan.__version__}\n"


def test_console_script_and_module_agree(project: Path) -> None:
    script = shutil.which("portplan", path=os.path.dirname(sys.executable))
    assert script is not None
    import subprocess

    by_script = subprocess.run(
        [script, "get", "web", "--no-probe"], cwd=project, capture_output=True, text=True, check=False
    )
    by_module = run_cli("get", "web", "--no-probe", cwd=project)
    assert by_script.returncode == by_module.returncode == 0
    assert by_script.stdout == by_module.stdout == f"{_expected_plan()['web']}\n"


def test_plan_why_and_ls_never_write(project: Path, registry_home: Path) -> None:
    assert run_cli("env", cwd=project).returncode == 0
    before = registry_state(registry_home)
    for args in (["plan"], ["plan", "--no-probe"], ["plan", "--json"], ["why", "web"], ["why", "api", "--no-probe"]):
        done = run_cli(*args, cwd=project)
        assert (done.returncode, done.stderr) == (0, ""), args
    for args in (["ls"], ["ls", "--json"], ["plan", "--range", "42000-42099"], ["plan", "--layout", "block"]):
        assert run_cli(*args, cwd=project).returncode == 0, args
    assert registry_state(registry_home) == before
    assert not (registry_home / "registry.json.lock").exists()


def test_read_only_commands_take_no_lock(project: Path, registry_home: Path) -> None:
    # A lock held by a live process (this one) would make a writing command wait.
    assert run_cli("env", cwd=project).returncode == 0
    lock = registry_home / "registry.json.lock"
    lock.write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "time": 2**52}), encoding="utf-8")
    try:
        for args in (["plan", "--no-probe"], ["why", "web", "--no-probe"], ["ls"]):
            done = run_cli(*args, cwd=project)
            assert (done.returncode, done.stderr) == (0, ""), args
    finally:
        lock.unlink()


def test_why_explains_a_name_get_gave(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A name the config does not list, leased through the API (the CLI's get refuses it).
    port = portplan.port("scratch", probe=False)
    assert main(["why", "scratch", "--no-probe"]) == 0
    said = capsys.readouterr().out
    assert str(port) in said
    assert "scratch" in said
    assert main(["plan", "--json", "--no-probe"]) == 0
    shown = {e["name"]: e for e in json.loads(capsys.readouterr().out)["plan"]}
    assert shown["scratch"]["port"] == port
    assert shown["scratch"]["reason"]["kind"] == "kept"


def test_plan_without_a_config_says_so(tmp_path: Path) -> None:
    alone = tmp_path / "scratch"
    alone.mkdir()
    assert run_cli("get", "tmp-server", "--no-probe", cwd=alone).returncode == 0
    done = run_cli("plan", "--no-probe", cwd=alone)
    assert (done.returncode, done.stderr) == (0, "")
    first, *rest = done.stdout.splitlines()
    assert first.startswith("no portplan config found")
    assert first.endswith(f"showing the leases of {alone}")
    assert any("tmp-server" in line for line in rest), "the leases of the folder are shown"


def test_plan_with_a_config_has_no_such_line(project: Path) -> None:
    done = run_cli("plan", "--no-probe", cwd=project)
    assert done.stdout == _expected_plan().table()


@pytest.mark.skipif(
    sys.platform in ("darwin", "win32"),
    reason="the registry is in ~/.local/state on Linux and the BSDs only (macOS, Windows: docs/registry.md)",
)
def test_relative_xdg_state_home_is_ignored(project: Path, tmp_path: Path) -> None:
    env = {"PORTPLAN_HOME": "", "XDG_STATE_HOME": "state", "HOME": str(tmp_path / "user")}
    done = run_cli("get", "web", "--no-probe", cwd=project, env=env)
    assert (done.returncode, done.stderr) == (0, "")
    assert (tmp_path / "user" / ".local" / "state" / "portplan" / "registry.json").is_file()
    assert not (project / "state").exists()


def test_an_unreadable_config_is_a_read_error(project: Path) -> None:
    (project / "portplan.toml").unlink()
    (project / "portplan.toml").symlink_to(project / "portplan.toml")
    done = run_cli("get", "web", cwd=project)
    assert done.returncode == 1
    assert done.stderr.startswith(f"portplan: error: cannot read {project / 'portplan.toml'}: ")
    assert done.stderr.count("\n") == 1


@pytest.mark.skipif(sys.platform == "win32", reason="Windows has no POSIX file modes: chmod 000 leaves a file readable")
def test_an_unreadable_config_is_a_read_error_for_a_plain_user(shared_tmp: Path) -> None:
    folder = shared_tmp / "shop"
    folder.mkdir()
    (folder / "portplan.toml").write_text(CONFIG, encoding="utf-8")
    (folder / "portplan.toml").chmod(0o000)
    done = run_cli("get", "web", cwd=folder, env={"PORTPLAN_HOME": str(shared_tmp / "home")}, prefix=as_plain_user())
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"portplan: error: cannot read {folder / 'portplan.toml'}: Permission denied\n"


def test_get_of_a_leased_name_writes_nothing(project: Path, registry_home: Path) -> None:
    first = run_cli("get", "web", cwd=project)
    assert first.returncode == 0, first.stderr
    before = registry_state(registry_home)
    for _ in range(2):
        again = run_cli("get", "web", cwd=project)
        assert (again.returncode, again.stdout, again.stderr) == (0, first.stdout, "")
    assert registry_state(registry_home) == before
    assert not [name for name in os.listdir(registry_home) if ".tmp." in name], "no temporary file is left"


def test_get_of_a_leased_name_takes_no_lock(project: Path, registry_home: Path) -> None:
    web = portplan.port("web")
    before = registry_state(registry_home)
    with registry_locked(registry_home):
        done = run_cli("get", "web", cwd=project)
        assert (done.returncode, done.stdout, done.stderr) == (0, f"{web}\n", "")
    assert registry_state(registry_home) == before


def test_get_of_a_new_name_waits_for_the_lock(project: Path, registry_home: Path) -> None:
    portplan.port("web", probe=False)
    with registry_locked(registry_home):
        waiting = subprocess.Popen(
            [sys.executable, "-m", "portplan", "get", "api", "--no-probe"],
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(1)
        assert waiting.poll() is None, "it waits while another process holds the lock"
    out, err = waiting.communicate(timeout=30)
    assert (waiting.returncode, err) == (0, "")
    assert int(out) == portplan.port("api")


# A command that reports each signal it gets, and ends 0.3 s after the first one.
SIGNALLED = """
import signal, sys, time
got = []
for name in ("SIGTERM", "SIGINT", "SIGHUP"):
    signal.signal(getattr(signal, name), lambda number, frame: got.append(signal.Signals(number).name))
print("ready", flush=True)
while not got:
    time.sleep(0.01)
time.sleep(0.3)
print(" ".join(got), flush=True)
sys.exit(3)
"""


@pytest.mark.parametrize("name", ["SIGTERM", "SIGINT", "SIGHUP"])
def test_run_passes_a_signal_on_once_and_exits_as_its_command(project: Path, name: str) -> None:
    """Outside a terminal's foreground nothing else sends the command the signal: portplan
    passes each on, once, waits for the command and exits with its code."""
    running = subprocess.Popen(
        [sys.executable, "-m", "portplan", "run", "web", "--no-probe", "--", sys.executable, "-c", SIGNALLED],
        cwd=project,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert running.stdout is not None
    assert running.stdout.readline() == "ready\n"
    running.send_signal(getattr(signal, name))
    out, err = running.communicate(timeout=30)
    assert (out, running.returncode) == (f"{name}\n", 3), err


def test_a_closed_stdout_is_not_a_crash(project: Path) -> None:
    reader = subprocess.Popen(
        [sys.executable, "-m", "portplan", "plan", "--no-probe"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert reader.stdout is not None
    reader.stdout.close()  # `portplan plan | head -0`
    _, err = reader.communicate(timeout=30)
    assert err == b""
    assert reader.returncode == 0


def test_a_variable_that_is_not_utf8_is_no_failure(project: Path) -> None:
    env = {**os.environ, "NOT_UTF8": os.fsdecode(b"\xff\xfe")}
    done = subprocess.run(
        [sys.executable, "-m", "portplan", "get", "web", "--no-probe"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert int(done.stdout) == _expected_plan()["web"]
