"""Issue 24: each break of the adversarial run, through both CLIs (Node and Python), with the
tools the issue names: `unshare --pid` (a lock owner in another PID namespace), Debian's
`faketime` and `freezegun` (wrong clocks), `strace` (writers stopped or slowed mid-write),
signals, a pty (Ctrl-C), a small tmpfs (a full disk), `/usr/bin/time -v` (peak memory).

Each test names the break it holds (`test_<n>_...`); its docstring says how the code before
issue 24 failed it. No test asserts on time: writers are stopped and resumed on events
(strace injects SIGSTOP at a writer's first fsync), and waits are polls with deadlines."""

from __future__ import annotations

import json
import os
import pwd
import re
import signal
import socket
import stat
import subprocess
import time
from pathlib import Path

import pytest
from reliability_helpers import (
    CLIS,
    IS_ROOT,
    PYTHON,
    Frozen,
    cli_env,
    cli_process,
    fill,
    flock_trace,
    leases,
    lock_holders,
    met_a_held_lock,
    mount_tmpfs,
    owner,
    project,
    run_cli,
    slowed,
    snapshot,
    wait_for,
)

LOW = 54000  # this file's ports: 54000-54999
TIMEOUT = 120  # a hang is caught here, never waited for forever
LANGUAGES = list(CLIS)
OTHER = {"python": "node", "node": "python"}
DAY = 86_400

needs_root = pytest.mark.skipif(not IS_ROOT, reason="needs root (PID namespaces, chown, mount)")


def _home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home


def _start(language: str, args: list[str], cwd: Path, home: Path, prefix: list[str] | None = None, **extra: str):
    return subprocess.Popen(
        [*(prefix or []), *CLIS[language], *args],
        cwd=cwd,
        env=cli_env(home, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen, what: str) -> str:
    out, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, (what, process.returncode, out, err)
    return out


def _no_lease_twice(home: Path) -> dict[tuple[str, str], int]:
    rows = leases(home)
    ports = [lease["port"] for lease in rows]
    assert len(ports) == len(set(ports)), f"a port leased twice: {rows}"
    return {(lease["root"], lease["name"]): lease["port"] for lease in rows}


# ---- 1. a lock owner in another PID namespace ----


def _free_pids(count: int = 16) -> int | None:
    """The first of `count` pids in a row that no process of this host has, None if there are
    none. Pids below 300 are never handed out again once the kernel's counter has passed them
    (RESERVED_PIDS), so free ones stay free."""
    free = [not Path(f"/proc/{pid}").exists() for pid in range(300)]
    for first in range(5, 300 - count):
        if all(free[first : first + count]):
            return first
    return None


@needs_root
@pytest.mark.parametrize("holder", LANGUAGES)
def test_1_an_owner_in_another_pid_namespace_is_waited_for(holder: str, tmp_path: Path) -> None:
    """A writer in its own PID namespace (a container sharing the home folder) holds the lock,
    stopped mid-write; its owner file names a pid that is dead from outside. The other CLI,
    outside, must wait for it (it meets the held lock) and then get the other port.

    Before: the lock was judged by that pid, found dead and broken: both printed one port and
    the owner's lease was lost."""
    writer = OTHER[holder]
    home = _home(tmp_path)
    inside = project(tmp_path / "container", "shop", LOW, LOW + 1)  # one name, two checkouts,
    outside = project(tmp_path / "host", "shop", LOW, LOW + 1)  # two ports: only the lock parts them
    free = _free_pids()
    # In the new namespace sh is pid 1 and each /bin/true takes the next pid, so the CLI (a
    # child of strace, which forks a few probes first) gets a pid a little past the middle of
    # the free run: a pid no process of this host has.
    burn = free + 6 if free else 0
    script = f'i=0; while [ "$i" -lt {burn} ]; do /bin/true; i=$((i + 1)); done; exec "$@"'
    namespace = ["unshare", "--pid", "--fork", "--mount-proc", "sh", "-c", script, "sh"]
    frozen = Frozen(holder, ["get", "web"], inside, cli_env(home), prefix=namespace)
    try:
        said = wait_for(lambda: owner(home), "the owner file written")
        assert lock_holders(home), "the frozen writer holds the kernel lock"
        assert said["pid"] != frozen.pid, "the owner file names a pid of the other namespace"
        if free:
            assert not Path(f"/proc/{said['pid']}").exists(), "... which no process of this host has"
        log = tmp_path / "flock.log"
        waiting = _start(writer, ["get", "web"], outside, home, prefix=flock_trace(log))
        wait_for(lambda: log.exists() and met_a_held_lock(log), f"{writer} meeting the held lock")
        assert waiting.poll() is None, "the writer outside waits while the owner lives"
    finally:
        frozen.resume()
    held = frozen.finish()
    assert held.returncode == 0, held.stderr
    printed = {"inside": int(held.stdout), "outside": int(_finish(waiting, writer))}
    assert printed["inside"] != printed["outside"], f"one port handed out twice: {printed}"
    assert _no_lease_twice(home) == {
        (str(inside), "web"): printed["inside"],
        (str(outside), "web"): printed["outside"],
    }, "no lease lost"


# ---- 2. clocks ----


def _seed(home: Path, rows: list[tuple[str, str, str, int, int]]) -> None:
    """A registry of (namespace, name, root, port, used) leases."""
    leases_ = [
        {"namespace": ns, "name": name, "root": root, "port": port, "created": used, "used": used}
        for ns, name, root, port, used in rows
    ]
    (home / "registry.json").write_text(json.dumps({"version": 2, "leases": leases_}), encoding="utf-8")


def _other_projects(tmp_path: Path, now: int) -> list[tuple[str, str, str, int, int]]:
    """Three other projects' leases, used an hour ago by a correct clock."""
    rows = []
    for number, name in enumerate(("alpha", "beta", "gamma")):
        root = project(tmp_path / "others", name, LOW + 100, LOW + 199)
        rows.append((name, "web", str(root), LOW + 110 + number, now - 3600))
    return rows


def _faketime(offset: str) -> list[str]:
    return ["faketime", "-f", offset]


@pytest.mark.parametrize("offset", ["+31d", "+3650d"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_2_a_write_from_a_clock_ahead_drops_no_lease(language: str, offset: str, tmp_path: Path) -> None:
    """A `get` under `faketime +31d` (and ten years ahead) beside three other projects' fresh
    leases: all kept; its own lease is stamped with the real time; a lease really unused for
    40 days is still dropped (the rule works, the clock does not fool it).

    Before: every lease looked 31 days unused to that process and was dropped."""
    home = _home(tmp_path)
    now = int(time.time())
    others = _other_projects(tmp_path, now)
    stale_root = project(tmp_path / "others", "stale", LOW + 100, LOW + 199)
    _seed(home, [*others, ("stale", "web", str(stale_root), LOW + 150, now - 40 * DAY)])
    folder = project(tmp_path, "ahead", LOW + 100, LOW + 199)
    done = run_cli_prefixed(language, ["get", "web"], folder, home, _faketime(offset))
    assert done.returncode == 0, done.stderr
    rows = {(lease["namespace"], lease["name"]): lease for lease in leases(home)}
    for ns, name, _root, port, _used in others:
        assert rows[(ns, name)]["port"] == port, f"{ns}/{name} was dropped by a clock {offset}"
    assert ("stale", "web") not in rows, "a lease unused for 40 real days is still dropped"
    mine = rows[("ahead", "web")]
    assert abs(mine["used"] - time.time()) < DAY, f"stamped with the real time, not {offset}: {mine}"


def run_cli_prefixed(language: str, args: list[str], cwd: Path, home: Path, prefix: list[str]):
    return subprocess.run(
        [*prefix, *CLIS[language], *args], cwd=cwd, env=cli_env(home), capture_output=True, text=True, timeout=TIMEOUT
    )


def _name_with_home(namespace: str, low: int, port: int, avoid: str) -> str:
    """A service name whose home port in [low, low + 1] is `port` (the pure plan)."""
    import portplan

    for number in range(200):
        name = f"other-{number}"
        plan = portplan.plan({"range": [low, low + 1], "namespace": namespace, "services": {name: True}})
        if name != avoid and plan.ports[name] == port:
            return name
    raise AssertionError("no name with that home port")


@pytest.mark.parametrize("behind", LANGUAGES)
def test_2_a_lease_made_31_days_behind_survives_the_next_write(behind: str, tmp_path: Path) -> None:
    """`faketime -31d` leases `old`; then the other CLI, with a correct clock, leases a name
    whose home is the same port: `old` keeps its lease and its port is not handed out again.

    Before: the lease was stamped 31 days ago, dropped by the next write, and its port given to
    the new name."""
    home = _home(tmp_path)
    folder = project(tmp_path, "behind", LOW + 200, LOW + 201, 'namespace = "clocks"\n')
    done = run_cli_prefixed(behind, ["get", "old"], folder, home, _faketime("-31d"))
    assert done.returncode == 0, done.stderr
    old = int(done.stdout)
    (lease,) = leases(home)
    assert abs(lease["used"] - time.time()) < DAY, f"stamped with the real time: {lease}"
    newcomer = _name_with_home("clocks", LOW + 200, old, "old")
    done = run_cli(OTHER[behind], ["get", newcomer], folder, home)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) != old, "the port of a lease made 31 days behind was handed out again"
    assert {name: port for (_root, name), port in _no_lease_twice(home).items()} == {
        "old": old,
        newcomer: int(done.stdout),
    }


FROZEN_PORT = """
import sys
from freezegun import freeze_time
import portplan
with freeze_time(sys.argv[1]):
    print(portplan.port(sys.argv[2]))
"""


@pytest.mark.parametrize("when", ["2030-01-01", "2020-01-01"])
def test_2_freezegun_in_a_python_test_drops_no_lease(when: str, tmp_path: Path) -> None:
    """`portplan.port()` under `freezegun.freeze_time(...)` (a Python test's fake clock), years
    ahead or behind, beside three other projects' leases: all kept; its own lease lives 30 real
    days (stamped now); the other CLI's next write keeps it.

    Before: freeze_time('2030-01-01') wiped the other projects' leases."""
    pytest.importorskip("freezegun")
    home = _home(tmp_path)
    now = int(time.time())
    others = _other_projects(tmp_path, now)
    _seed(home, others)
    folder = project(tmp_path, "frozen", LOW + 100, LOW + 199)
    done = subprocess.run(
        [PYTHON, "-c", FROZEN_PORT, when, "web"],
        cwd=folder,
        env=cli_env(home),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stderr
    port = int(done.stdout)
    assert run_cli("node", ["get", "api"], folder, home).returncode == 0
    rows = {(lease["namespace"], lease["name"]): lease for lease in leases(home)}
    for ns, name, _root, leased, _used in others:
        assert rows[(ns, name)]["port"] == leased, f"{ns}/{name} was dropped under freeze_time({when})"
    assert rows[("frozen", "web")]["port"] == port
    assert abs(rows[("frozen", "web")]["used"] - time.time()) < DAY
    assert rows[("frozen", "api")]["port"] != port


# ---- 3. env --write interrupted ----

SECRET = "API_TOKEN=hunter2-secret"
ENGINES = [("python", {}), ("node", {}), ("node", {"PORTPLAN_ENGINE": "wasm"})]
ENGINE_IDS = ["python", "node", "node-wasm"]


def _copies_of_the_secret(root: Path, env_file: Path) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink() and path != env_file:
            try:
                if b"hunter2" in path.read_bytes():
                    found.append(path)
            except OSError:
                pass
    return found


@pytest.mark.parametrize("sig", ["SIGKILL", "SIGTERM", "SIGINT"])
@pytest.mark.parametrize(("language", "engine"), ENGINES, ids=ENGINE_IDS)
def test_3_an_interrupted_env_write_leaves_no_copy_of_the_secrets(
    language: str, engine: dict[str, str], sig: str, tmp_path: Path
) -> None:
    """`env --write` stopped with the new .env staged beside the old one (its temporary copy
    holds the secrets), then sent SIGKILL, SIGTERM or SIGINT: after a SIGTERM or SIGINT no copy
    is left (the host removes it, or the write completes first); after a SIGKILL, which nothing
    can catch, the next run of the other CLI removes it. Never a copy elsewhere.

    Before: `..env.portplan-tmp.*` stayed for good after each of the three (Node and Python)."""
    home = _home(tmp_path)
    folder = project(tmp_path, "secrets", LOW + 300, LOW + 399, "[services]\nweb = true\n")
    env_file = folder / ".env"
    env_file.write_text(f"{SECRET}\n", encoding="utf-8")
    env_file.chmod(0o600)
    frozen = Frozen(language, ["env", "--write"], folder, cli_env(home, **engine))
    try:
        temps = [path.name for path in folder.iterdir() if "portplan-tmp" in path.name]
        assert temps == [f"..env.portplan-tmp.{frozen.pid}"], temps
        assert b"hunter2" in (folder / temps[0]).read_bytes(), "the staged copy holds the secrets"
        os.kill(frozen.pid, getattr(signal, sig))
    finally:
        frozen.resume()
    ended = frozen.finish()
    left = sorted(path.name for path in folder.iterdir() if "portplan-tmp" in path.name)
    if sig == "SIGKILL":
        assert ended.returncode != 0
        done = run_cli(OTHER[language], ["env", "--write"], folder, home)
        assert done.returncode == 0, done.stderr
        left = sorted(path.name for path in folder.iterdir() if "portplan-tmp" in path.name)
        assert left == [], f"the next run left {left}"
    else:
        assert left == [], f"{sig} left {left} (exit {ended.returncode}, {ended.stderr.strip()})"
    assert SECRET in env_file.read_text(encoding="utf-8"), "the user's lines are kept"
    assert _copies_of_the_secret(tmp_path, env_file) == []


# ---- 4. .env symlinks ----


@pytest.mark.parametrize("language", LANGUAGES)
def test_4_a_symlink_out_of_the_project_is_written_only_when_named(language: str, tmp_path: Path) -> None:
    """`.env` shipped as a link to `../outside/config` (out of the checkout): `env --write`
    refuses it and writes nothing (no lease either); `env --write .env`, naming it, writes
    through and keeps the link. A link inside the project is written through.

    Before: the link was written through without being named (`../../.ssh/config` rewritten)."""
    home = _home(tmp_path)
    folder = project(tmp_path, "linked", LOW + 400, LOW + 499, "[services]\nweb = true\n")
    outside = tmp_path / "outside" / "config"
    outside.parent.mkdir()
    outside.write_text("Host example\n", encoding="utf-8")
    (folder / ".env").symlink_to(Path("..") / "outside" / "config")
    before = snapshot(tmp_path / "outside")
    done = run_cli(language, ["env", "--write"], folder, home)
    assert done.returncode == 1, done.stdout
    assert "outside the project" in done.stderr, done.stderr
    assert "nothing was written" in done.stderr, done.stderr
    assert snapshot(tmp_path / "outside") == before, "the link's target is untouched"
    assert not (home / "registry.json").exists(), "no lease written either"
    done = run_cli(language, ["env", "--write", ".env"], folder, home)
    assert done.returncode == 0, done.stderr
    assert "WEB_PORT=" in outside.read_text(encoding="utf-8"), "named: written through"
    assert (folder / ".env").is_symlink(), "the link is kept"
    inner = folder / "config" / "dev.env"
    inner.parent.mkdir()
    inner.write_text("A=1\n", encoding="utf-8")
    (folder / "dev.env").symlink_to(Path("config") / "dev.env")
    done = run_cli(language, ["env", "--write", "dev.env"], folder, home)
    assert done.returncode == 0, done.stderr
    assert "WEB_PORT=" in inner.read_text(encoding="utf-8")


@pytest.mark.parametrize("language", LANGUAGES)
def test_4_a_dangling_link_creates_nothing(language: str, tmp_path: Path) -> None:
    """`.env` a link to a file that does not exist (in the project or out of it): named or not,
    `env --write` creates nothing and writes no lease.

    Before: the link's target was created."""
    home = _home(tmp_path)
    folder = project(tmp_path, "dangling", LOW + 400, LOW + 499, "[services]\nweb = true\n")
    for target in (Path("..") / "nowhere" / "made.env", Path("made.env")):
        link = folder / ".env"
        link.unlink(missing_ok=True)
        link.symlink_to(target)
        for args in (["env", "--write"], ["env", "--write", ".env"]):
            done = run_cli(language, args, folder, home)
            assert done.returncode == 1, (args, done.stdout)
            assert "does not exist" in done.stderr, done.stderr
            assert not (folder / target).exists()
            assert not (tmp_path / "nowhere").exists()
    assert not (home / "registry.json").exists()


# ---- 5. run: one Ctrl-C ----

COUNTING_CHILD = """
import os, select, signal, sys, time
log = sys.argv[1]
# Each SIGINT delivered writes a byte to the wakeup pipe from the C handler, so two SIGINTs
# are two bytes even when Python's own handler would run once for both.
wake_read, wake_write = os.pipe()
os.set_blocking(wake_write, False)
signal.set_wakeup_fd(wake_write)
signal.signal(signal.SIGINT, lambda signum, frame: None)
with open(log, "a") as out:
    out.write(f"ready {os.getpid()}\\n")
# The first SIGINT, then long enough for a second one passed on by portplan (it would come
# within milliseconds), then the count.
while not select.select([wake_read], [], [], 120)[0]:
    pass
time.sleep(3)
os.set_blocking(wake_read, False)
got = b""
while True:
    try:
        chunk = os.read(wake_read, 64)
    except BlockingIOError:
        break
    if not chunk:
        break
    got += chunk
with open(log, "a") as out:
    out.write("SIGINT\\n" * got.count(bytes([signal.SIGINT])))
"""


def _in_a_terminal(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    """Starts `command` as the foreground process group of a new terminal (a pty): its session
    leader, with the pty as controlling terminal. The master's descriptor."""
    import fcntl
    import termios

    master, slave = os.openpty()

    def controlling_terminal() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave, preexec_fn=controlling_terminal
    )
    os.close(slave)
    return process, master


def _drain(master: int) -> bytes:
    import select

    data = b""
    while select.select([master], [], [], 0)[0]:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    return data


def _sigints_sent(trace: Path, log: Path) -> int:
    """How many SIGINTs portplan sent the child itself (strace's log of its kill calls)."""
    child = log.read_text().split()[1]
    return sum(1 for line in trace.read_text().splitlines() if re.search(rf"\bt?g?kill\({child}, SIGINT\)", line))


def _kill_trace(trace: Path) -> list[str]:
    # With -o and a command, strace blocks fatal signals itself (-I3): a Ctrl-C leaves it be.
    return ["strace", "-f", "-q", "-o", str(trace), "-e", "trace=kill,tgkill"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_5_one_ctrl_c_in_a_terminal_reaches_the_child_once(language: str, tmp_path: Path) -> None:
    """`portplan run web -- CMD` in the foreground of a terminal; one Ctrl-C (the byte ^C typed
    into the pty: the terminal sends SIGINT to the foreground process group, portplan and CMD
    alike). CMD gets exactly one SIGINT (counted by its C handler through a wakeup pipe), and
    portplan sends it none of its own (strace of its kill calls: two signals sent in the same
    instant would merge into one in the kernel, so the count alone could miss a second).

    Before: Node passed its own SIGINT on as well: the child got two (a graceful stop became
    a forced one)."""
    home = _home(tmp_path)
    folder = project(tmp_path, "ctrl-c", LOW + 500, LOW + 599, "[services]\nweb = true\n")
    log, trace = tmp_path / "signals.log", tmp_path / "kill.trace"
    command = [*_kill_trace(trace), *CLIS[language], "run", "web", "--", PYTHON, "-c", COUNTING_CHILD, str(log)]
    process, master = _in_a_terminal(command, folder, cli_env(home))
    output = b""
    try:
        wait_for(lambda: log.exists() and "ready" in log.read_text(), "the child ready")
        output += _drain(master)
        os.write(master, b"\x03")  # Ctrl-C
        process.wait(timeout=TIMEOUT)
        output += _drain(master)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    assert log.read_text().split()[2:] == ["SIGINT"], (log.read_text(), output)
    assert _sigints_sent(trace, log) == 0, "portplan passed on a Ctrl-C the child had already got"


@pytest.mark.parametrize("language", LANGUAGES)
def test_5_a_sigint_to_portplan_alone_is_passed_on_once(language: str, tmp_path: Path) -> None:
    """Not in a terminal (a supervisor signals portplan's pid only): portplan passes SIGINT on,
    once."""
    home = _home(tmp_path)
    folder = project(tmp_path, "ctrl-c", LOW + 500, LOW + 599, "[services]\nweb = true\n")
    log, trace = tmp_path / "signals.log", tmp_path / "kill.trace"
    args = ["run", "web", "--", PYTHON, "-c", COUNTING_CHILD, str(log)]
    process = _start(language, args, folder, home, prefix=_kill_trace(trace))
    wait_for(lambda: log.exists() and "ready" in log.read_text(), "the child ready")
    cli = wait_for(lambda: cli_process(process.pid), "the CLI started")
    os.kill(cli, signal.SIGINT)
    process.communicate(timeout=TIMEOUT)
    assert log.read_text().split()[2:] == ["SIGINT"], log.read_text()
    assert _sigints_sent(trace, log) == 1


# ---- 6. an owner file naming a reused pid, the CLI's own pid, a zombie ----


def _owner_text(pid: int) -> str:
    return json.dumps({"pid": pid, "host": socket.gethostname(), "time": int(time.time() * 1000)})


@pytest.mark.parametrize("case", ["live unrelated process", "the CLI's own pid", "a zombie", "pid 1"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_6_an_owner_file_naming_a_live_pid_never_blocks(language: str, case: str, tmp_path: Path) -> None:
    """The lock is not held, but `registry.owner` (and the old `registry.json.lock` of the
    version before) name a live process that is not portplan: a reused pid, the CLI's own pid,
    a zombie, init. `get` succeeds at once, says nothing about a lock, and the old files are
    left as they were.

    Before: the lock named a live pid, so every write waited 10 s and failed `locked by pid N`,
    telling the user to stop that process (their shell, their editor, init)."""
    home = _home(tmp_path)
    folder = project(tmp_path, "reused", LOW + 600, LOW + 699)
    (home / "registry.lock").touch(mode=0o600)
    sleeper = subprocess.Popen(["sleep", "600"])
    zombie = subprocess.Popen(["true"])  # never waited for until the end: a zombie
    wait_for(lambda: Path(f"/proc/{zombie.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z", "a zombie")
    try:
        pid = {"live unrelated process": sleeper.pid, "a zombie": zombie.pid, "pid 1": 1}.get(case, 0)
        if case == "the CLI's own pid":
            # sh writes its own pid, then becomes the CLI (exec keeps the pid).
            script = 'printf \'{"pid": %s, "host": "%s", "time": 1}\' "$$" "$2" > "$1"; shift 2; exec "$@"'
            where = [str(home / "registry.owner"), socket.gethostname()]
            command = ["sh", "-c", script, "sh", *where, *CLIS[language], "get", "web"]
            done = subprocess.run(
                command, cwd=folder, env=cli_env(home), capture_output=True, text=True, timeout=TIMEOUT
            )
        else:
            (home / "registry.owner").write_text(_owner_text(pid))
            (home / "registry.json.lock").write_text(_owner_text(pid))
            done = run_cli(language, ["get", "web"], folder, home, timeout=TIMEOUT)
        assert (done.returncode, done.stderr) == (0, ""), done.stderr
        assert [lease["name"] for lease in leases(home)] == ["web"]
        if case != "the CLI's own pid":
            assert json.loads((home / "registry.json.lock").read_text())["pid"] == pid, "the old lock is ignored"
    finally:
        sleeper.kill()
        sleeper.wait()
        zombie.wait()


# ---- 7. owner and mode of .env; a full disk ----


@needs_root
@pytest.mark.parametrize("language", LANGUAGES)
def test_7_env_write_as_root_keeps_the_owner_and_mode_of_env(language: str, tmp_path: Path) -> None:
    """A user's .env (owned by `nobody`, mode 0640) rewritten by `sudo portplan env --write`:
    same owner, group and mode afterwards.

    Before: Node's write made it root's (and the user could no longer edit it)."""
    home = _home(tmp_path)
    folder = project(tmp_path, "owned", LOW + 700, LOW + 799, "[services]\nweb = true\n")
    env_file = folder / ".env"
    env_file.write_text("A=1\n", encoding="utf-8")
    nobody = pwd.getpwnam("nobody")
    os.chown(env_file, nobody.pw_uid, nobody.pw_gid)
    env_file.chmod(0o640)
    done = run_cli(language, ["env", "--write"], folder, home)
    assert done.returncode == 0, done.stderr
    info = env_file.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (nobody.pw_uid, nobody.pw_gid, 0o640)
    assert "WEB_PORT=" in env_file.read_text(encoding="utf-8")


@needs_root
@pytest.mark.parametrize("language", LANGUAGES)
def test_7_a_full_disk_writes_nothing_before_failing(language: str, tmp_path: Path) -> None:
    """The project on a full 64 KiB tmpfs: `env --write` fails with a worded line, and nothing
    is written anywhere: no lease (the registry is on another disk), no temporary file, the
    .env as it was.

    Before: Node wrote the leases, then failed to write the .env."""
    disk = tmp_path / "disk"
    why = mount_tmpfs(disk, "64k")
    if why:
        pytest.skip(why)
    try:
        home = _home(tmp_path)
        folder = project(disk, "full", LOW + 700, LOW + 799, "[services]\nweb = true\napi = true\n")
        (folder / ".env").write_text("A=1\n", encoding="utf-8")
        fillers = fill(disk)
        before = {"home": snapshot(home), "project": snapshot(folder)}
        done = run_cli(language, ["env", "--write"], folder, home)
        assert done.returncode == 1, done.stdout
        assert done.stderr.startswith("portplan: error: "), done.stderr
        assert done.stderr.count("\n") == 1, done.stderr
        assert "No space left on device" in done.stderr, done.stderr
        assert "Errno" not in done.stderr, done.stderr
        after = {"home": snapshot(home), "project": snapshot(folder)}
        # The lock's own files may appear (registry.lock is never deleted; registry.owner
        # says who took it last): no lease may.
        for lock_file in ("registry.lock", "registry.owner"):
            after["home"].pop(lock_file, None)
        assert after == before, "nothing written: no lease, no temporary file, .env unchanged"
        for filler in fillers:
            filler.unlink()
        done = run_cli(OTHER[language], ["env", "--write"], folder, home)
        assert done.returncode == 0, done.stderr
    finally:
        subprocess.run(["umount", str(disk)], check=False)


# ---- 8. paths in error lines ----

ESCAPES = "shop\x1b]0;pwned\x07\x1b[31mred\u202e"


def _same_line(results: dict[str, subprocess.CompletedProcess], code: int) -> str:
    for language, done in results.items():
        assert done.returncode == code, (language, done.stdout, done.stderr)
        assert done.stderr.count("\n") == 1, (language, done.stderr[:300])
    assert results["python"].stderr == results["node"].stderr
    return results["python"].stderr


@pytest.mark.parametrize("where", ["config", "registry"])
def test_8_paths_in_error_lines_are_escaped(where: str, tmp_path: Path) -> None:
    """A folder named with a terminal escape sequence (retitles the window, colours the text)
    and a right-to-left override, holding a bad config (the project's folder) or a bad registry
    (PORTPLAN_HOME): the error line names the file with every control character escaped, the
    same bytes in both CLIs.

    Before: the path was printed raw (the terminal obeyed it)."""
    folder = tmp_path / ESCAPES
    folder.mkdir()
    if where == "config":
        home = _home(tmp_path)
        (folder / "portplan.toml").write_text("range = [9, 1]\n", encoding="utf-8")
        cwd, code, name = folder, 2, "portplan.toml"
    else:
        home = folder
        (home / "registry.json").write_text("{not json", encoding="utf-8")
        cwd, code, name = project(tmp_path, "shop", LOW + 800, LOW + 899), 1, "registry.json"
    line = _same_line({language: run_cli(language, ["get", "web"], cwd, home) for language in CLIS}, code)
    raw = [c for c in line if (ord(c) < 0x20 and c != "\n") or c in "\x7f\u202e"]
    assert not raw, repr(line)
    assert "pwned" in line, line
    assert name in line, line


def test_8_a_120_kb_path_is_shortened_keeping_its_end(tmp_path: Path) -> None:
    """`--config` with a 120 KB path: one short line that keeps the path's end (the file's
    name), the same in both CLIs.

    Before: the whole path was printed (a 120 KB line)."""
    home = _home(tmp_path)
    folder = project(tmp_path, "long", LOW + 800, LOW + 899)
    long_path = str(tmp_path) + "/" + "/".join(["d" * 200] * 600) + "/the-end.toml"
    assert len(long_path) > 120_000
    line = _same_line(
        {language: run_cli(language, ["--config", long_path, "plan"], folder, home) for language in CLIS}, 2
    )
    assert len(line.encode()) < 1000, len(line)
    assert "the-end.toml" in line, line


# ---- 9. a 63 MiB registry of NUL bytes ----


def _max_rss_kib(language: str, args: list[str], cwd: Path, home: Path) -> tuple[int, subprocess.CompletedProcess]:
    report = cwd / "time.txt"
    done = subprocess.run(
        ["/usr/bin/time", "-v", "-o", str(report), *CLIS[language], *args],
        cwd=cwd,
        env=cli_env(home),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report.read_text())
    assert found, report.read_text()
    return int(found.group(1)), done


MIB = 1024 * 1024


def _nul_bytes(path: Path) -> None:
    with open(path, "wb") as file:
        file.truncate(63 * MIB)  # 63 MiB of NUL bytes


def _one_huge_key(path: Path) -> None:
    """63 MiB that start like a registry (so it is read whole), with an unknown key."""
    head = '{"version": 2, "leases": [], "k": "'
    path.write_text(head + "x" * (63 * MIB - len(head) - 2) + '"}')


@pytest.mark.parametrize(
    ("content", "bound_mib"), [(_nul_bytes, 16), (_one_huge_key, 96)], ids=["NUL bytes", "registry-like"]
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_9_a_63_mib_registry_costs_at_most_its_size_in_memory(
    language: str, content, bound_mib: int, tmp_path: Path
) -> None:
    """`get` against a 63 MiB registry: a one-line error naming it, and a peak memory (max RSS,
    `/usr/bin/time -v`) above the same CLI's peak against a small registry by less than 16 MiB
    for NUL bytes (the file is never read whole: its first 64 KiB show it is no registry) and
    less than 1.5 times the file for one that starts like a registry (read once, never copied
    per layer).

    Before: 1.35 GB (Node) and 1.15 GB (Python) for the NUL bytes before the error."""
    if not Path("/usr/bin/time").exists():
        pytest.fail("/usr/bin/time (GNU time) is needed: apt-get install time")
    home = _home(tmp_path)
    folder = project(tmp_path, "nul", LOW + 900, LOW + 999)
    baseline, done = _max_rss_kib(language, ["get", "web"], folder, home)
    assert done.returncode == 0, done.stderr
    registry = home / "registry.json"
    content(registry)
    peak, done = _max_rss_kib(language, ["get", "api"], folder, home)
    assert done.returncode == 1, done.stdout
    assert str(registry) in done.stderr, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    print(f"\n{language}: max RSS {baseline} KiB against a small registry, {peak} KiB against 63 MiB")
    assert peak < baseline + bound_mib * 1024, f"{peak} KiB against {baseline} KiB"


# ---- 10. lines appended to .env meanwhile ----

APPENDER = """
import os, sys, time
path, stop, pause = sys.argv[1], sys.argv[2], float(sys.argv[3])
count = 0
while not os.path.exists(stop):
    with open(path, "a") as out:  # as `echo LINE >> .env` does: open, append, close
        out.write(f"APPENDED_{count}=1\\n")
    count += 1
    time.sleep(pause)
print(count)
"""


def _append_during(
    tmp_path: Path, folder: Path, home: Path, runs: int, pause: float, prefix: list[str] | None = None
) -> tuple[int, list[str], list[str]]:
    """Appends lines to .env in a loop while both CLIs run `env --write` `runs` times each;
    (lines appended, lines lost, the errors the CLIs said)."""
    stop = tmp_path / "stop"
    appender = subprocess.Popen(
        [PYTHON, "-c", APPENDER, str(folder / ".env"), str(stop), str(pause)], stdout=subprocess.PIPE, text=True
    )
    errors = []
    try:
        wait_for(lambda: "APPENDED_0=" in (folder / ".env").read_text(), "the first line appended")
        for _ in range(runs):
            for language in CLIS:
                done = subprocess.run(
                    [*(prefix or []), *CLIS[language], "env", "--write", "--no-probe"],
                    cwd=folder,
                    env=cli_env(home),
                    capture_output=True,
                    text=True,
                    timeout=TIMEOUT,
                )
                if done.returncode != 0:
                    errors.append(done.stderr.strip())
    finally:
        stop.touch()
        out, _ = appender.communicate(timeout=TIMEOUT)
    count = int(out)
    text = (folder / ".env").read_text(encoding="utf-8")
    lost = [f"APPENDED_{n}=1" for n in range(count) if f"APPENDED_{n}=1\n" not in text]
    return count, lost, errors


def _check_appends(count: int, lost: list[str], errors: list[str], folder: Path) -> None:
    print(f"\n{count} lines appended, {len(lost)} lost, {len(errors)} env --write refused")
    assert not lost, f"{len(lost)} of {count} appended lines lost: {lost[:5]}"
    for error in errors:  # a write that gives up says so, and writes nothing
        assert "another process kept changing it" in error, error
    text = (folder / ".env").read_text(encoding="utf-8")
    assert text.startswith("A=1\n"), text[:500]
    assert text.count("# >>> portplan") == 1, text[:500]


def test_10_env_write_keeps_lines_appended_meanwhile(tmp_path: Path) -> None:
    """A process appends a line to .env every 0.5 ms while both CLIs run `env --write` 15 times
    each: every appended line is in the final file (a write that cannot settle refuses,
    saying so).

    Before: 34 of 270 lines were lost."""
    home = _home(tmp_path)
    folder = project(tmp_path, "appends", LOW + 1, LOW + 99, "[services]\nweb = true\napi = true\n")
    (folder / ".env").write_text("A=1\n", encoding="utf-8")
    _check_appends(*_append_during(tmp_path, folder, home, 15, 0.0005), folder)


def test_10_a_line_appended_while_env_is_renamed_into_place_is_kept(tmp_path: Path) -> None:
    """The same with the race widened: every rename(2) of the CLIs takes 0.3 s (strace), and a
    line is appended every 20 ms, so lines land between the last re-read of .env and the
    rename that replaces it. They must be kept too."""
    home = _home(tmp_path)
    folder = project(tmp_path, "appends", LOW + 1, LOW + 99, "[services]\nweb = true\napi = true\n")
    (folder / ".env").write_text("A=1\n", encoding="utf-8")
    result = _append_during(tmp_path, folder, home, 2, 0.02, prefix=slowed(0.3, "rename"))
    _check_appends(*result, folder)


# ---- 11. the error while another process holds the lock ----


@pytest.mark.parametrize("holder", LANGUAGES)
def test_11_a_held_lock_names_its_holder_and_never_advises_deleting(holder: str, tmp_path: Path) -> None:
    """A writer holds the lock (stopped mid-write) for longer than the 10 s the others wait
    for one holder: both CLIs, waiting at once, fail with the same line naming the holder's
    pid and host, and no advice to delete the lock; the holder then finishes and nothing is
    lost.

    Before: the line said `pid ?` (a live breaker held the marker) and advised deleting the
    lock."""
    home = _home(tmp_path)
    folder = project(tmp_path, "held", LOW + 100, LOW + 199)
    frozen = Frozen(holder, ["get", "holder"], folder, cli_env(home))
    try:
        assert owner(home)["pid"] == frozen.pid
        waiting = {language: _start(language, ["get", f"w-{language}"], folder, home) for language in CLIS}
        results = {}
        for language, process in waiting.items():
            out, err = process.communicate(timeout=TIMEOUT)
            results[language] = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    finally:
        frozen.resume()
    line = _same_line(results, 1)
    assert f"is locked by pid {frozen.pid} on {socket.gethostname()} since " in line, line
    assert "pid ?" not in line
    assert not re.search(r"\b(delete|remove|rm)\b", line), line
    held = frozen.finish()
    assert held.returncode == 0, held.stderr
    assert [lease["name"] for lease in leases(home)] == ["holder"], "the waiters wrote nothing"
    for language in CLIS:
        assert run_cli(language, ["get", f"w-{language}"], folder, home).returncode == 0


def test_11_a_holder_without_an_owner_file_is_still_named_as_best_known(tmp_path: Path) -> None:
    """The lock held by something that wrote no owner file (an old or foreign tool holding
    `registry.lock` with flock(1)): the line says the registry is locked, and no advice to
    delete it."""
    home = _home(tmp_path)
    folder = project(tmp_path, "flocked", LOW + 100, LOW + 199)
    (home / "registry.lock").touch(mode=0o600)
    holder = subprocess.Popen(
        ["flock", str(home / "registry.lock"), "sh", "-c", "echo held; read line"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        results = {language: run_cli(language, ["get", "web"], folder, home) for language in CLIS}
    finally:
        holder.stdin.close()
        holder.wait(timeout=TIMEOUT)
    line = _same_line(results, 1)
    assert "is locked" in line, line
    assert str(home / "registry.json") in line, line
    assert not re.search(r"\b(delete|remove|rm)\b", line), line
    assert not (home / "registry.json").exists()
