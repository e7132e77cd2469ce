"""The registry under faults (issue 17), through both CLIs: a suspended owner keeps its lock,
a slow breaker never deletes a fresh lock, hostile lock files are clear errors (the same
words in both languages, never a hang), dead writers' temp files go, a full disk leaves
nothing behind, messages stay short, forbidden name characters are refused, `env` checks
before it writes, and `--` ends the options."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from reliability_helpers import CLIS, PYTHON, ROOT, cli_env, leases, project, run_cli, snapshot

LOW, HIGH = 52000, 52299  # this file's ports
TIMEOUT = 30  # a hang would be caught here, never waited for forever


def _home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home


def _start(language: str, args: list[str], cwd: Path, home: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [*CLIS[language], *args], cwd=cwd, env=cli_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def _owner(pid: int, age_ms: int = 0, host: str = "") -> str:
    return json.dumps({"pid": pid, "host": host or socket.gethostname(), "time": int(time.time() * 1000) - age_ms})


def _wait_stopped(pid: int) -> None:
    """Until process `pid` is stopped (state T in /proc)."""
    for _ in range(3000):
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state in ("T", "t"):
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} never stopped")


# A Python process that takes the lock with a time 60 s in the past (older than the old 30 s
# rule), computes its lease, then stops itself (SIGSTOP) right before it writes.
SUSPENDED_WRITER = """
import os, signal, sys
import portplan
from portplan import _registry, _session
now_ms = _registry._now_ms
_registry._now_ms = lambda: now_ms() - 60_000
write = _session.write_registry
def stop_then_write(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGSTOP)
    return write(*args, **kwargs)
_session.write_registry = stop_then_write
print(portplan.port(sys.argv[1]), flush=True)
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to see a stopped process")
def test_a_suspended_owner_keeps_its_lock(tmp_path: Path) -> None:
    folder = project(tmp_path, "suspend", LOW, LOW + 2)
    home = _home(tmp_path)
    owner = subprocess.Popen(
        [PYTHON, "-c", SUSPENDED_WRITER, "owner"],
        cwd=folder,
        env=cli_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_stopped(owner.pid)
    lock = home / "registry.json.lock"
    assert json.loads(lock.read_text())["time"] < time.time() * 1000 - 30_000, "the owner's lock looks 60 s old"
    others = {language: _start(language, ["get", f"next-{language}"], folder, home) for language in CLIS}
    time.sleep(1)  # the others see the old lock of a live owner and wait
    assert all(process.poll() is None for process in others.values()), "nobody took a live owner's lock"
    os.kill(owner.pid, signal.SIGCONT)
    printed = {}
    out, err = owner.communicate(timeout=TIMEOUT)
    assert owner.returncode == 0, err
    printed["owner"] = int(out)
    for language, process in others.items():
        out, err = process.communicate(timeout=TIMEOUT)
        assert process.returncode == 0, (language, err)
        printed[f"next-{language}"] = int(out)
    assert len(set(printed.values())) == 3, f"a port given twice: {printed}"
    assert {lease["name"]: lease["port"] for lease in leases(home)} == printed, "no lease lost"
    assert sorted(os.listdir(home)) == ["registry.json"]


def test_a_live_breaker_is_waited_for_and_a_fresh_lock_never_deleted(tmp_path: Path) -> None:
    """A stale lock whose break marker belongs to a live (slow) breaker, however old: nobody
    deletes marker or lock while it lives; once it is gone, the next caller recovers."""
    folder = project(tmp_path, "breaker", LOW + 10, LOW + 19)
    home = _home(tmp_path)
    slow_breaker = subprocess.Popen(["sleep", "60"])
    try:
        lock, marker = home / "registry.json.lock", home / "registry.json.lock.break"
        stale = _owner(_dead_pid())
        lock.write_text(stale)
        marker.write_text(_owner(slow_breaker.pid, age_ms=60_000))
        old = time.time() - 60
        os.utime(marker, (old, old))
        waiting = {language: _start(language, ["get", f"w-{language}"], folder, home) for language in CLIS}
        time.sleep(1)
        assert all(process.poll() is None for process in waiting.values())
        assert lock.read_text() == stale, "a live breaker's lock stays"
        assert marker.exists(), "a live breaker's marker stays"
    finally:
        slow_breaker.kill()
        slow_breaker.wait()
    for language, process in waiting.items():
        _out, err = process.communicate(timeout=TIMEOUT)
        assert process.returncode == 0, (language, err)
    assert sorted(os.listdir(home)) == ["registry.json"]


def test_a_breaker_deletes_only_the_stale_text_it_judged(tmp_path: Path) -> None:
    """The breaker re-reads the lock under its marker: a fresh owner's lock (another text) stays."""
    home = _home(tmp_path)
    code = (
        "import sys; from pathlib import Path; from portplan._registry import RegistryLock;"
        "print(RegistryLock(Path(sys.argv[1]))._break(sys.argv[2].encode()))"
    )
    lock = home / "registry.json.lock"
    fresh = _owner(os.getpid())
    lock.write_text(fresh)
    done = subprocess.run(
        [PYTHON, "-c", code, str(home / "registry.json"), _owner(_dead_pid())],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert lock.read_text() == fresh
    assert not (home / "registry.json.lock.break").exists()


def _both(args: list[str], folder: Path, home: Path) -> dict[str, subprocess.CompletedProcess]:
    return {language: run_cli(language, args, folder, home, timeout=TIMEOUT) for language in CLIS}


def _same_error(results: dict[str, subprocess.CompletedProcess], code: int) -> str:
    """Both CLIs failed with `code` and printed the same one line; that line."""
    for language, done in results.items():
        assert done.returncode == code, (language, done.stdout, done.stderr)
        assert done.stderr.count("\n") == 1, (language, done.stderr)
        assert "Traceback" not in done.stderr, (language, done.stderr)
        assert "internal error" not in done.stderr, (language, done.stderr)
    assert results["python"].stderr == results["node"].stderr
    return results["python"].stderr


def _fifo(path: Path) -> None:
    os.mkfifo(path)


HOSTILE_FILES = {
    "fifo": _fifo,
    "dangling link": lambda path: path.symlink_to(path.parent / "nowhere"),
    "link to /dev/zero": lambda path: path.symlink_to("/dev/zero"),
    "directory": lambda path: path.mkdir(),
}


@pytest.mark.parametrize("file", ["registry.json.lock", "registry.json.lock.break", "registry.json"])
@pytest.mark.parametrize("kind", list(HOSTILE_FILES))
def test_hostile_files_are_clear_errors_never_hangs(kind: str, file: str, tmp_path: Path) -> None:
    folder = project(tmp_path, "hostile", LOW + 20, LOW + 29)
    home = _home(tmp_path)
    if file == "registry.json.lock.break":  # the marker is only read when a stale lock is broken
        (home / "registry.json.lock").write_text(_owner(_dead_pid()))
    HOSTILE_FILES[kind](home / file)
    before = snapshot(home)
    line = _same_error(_both(["get", "web"], folder, home), 1)
    assert str(home / file) in line
    assert snapshot(home) == before, "nothing was written, removed or followed"


HOSTILE_LOCKS = {
    "100,000-deep nesting": "[" * 100_000 + "]" * 100_000,
    "nested owner": '{"pid": [[[1]]], "host": "h", "time": 1}',
    "pid 2**63": json.dumps({"pid": 2**63, "host": socket.gethostname(), "time": 1}),
    "pid 0": json.dumps({"pid": 0, "host": socket.gethostname(), "time": 1}),
    "pid 1.5": json.dumps({"pid": 1.5, "host": socket.gethostname(), "time": 1}),
    "NaN time": '{"pid": 1, "host": "h", "time": NaN}',
    "huge time": '{"pid": 1, "host": "h", "time": 1e400}',
    "not an object": "1",
    "huge host": json.dumps({"pid": 1, "host": "h" * 5000, "time": 1}),
    "control in host": json.dumps({"pid": 1, "host": "a\u202eb\x01", "time": 1}),
}


@pytest.mark.parametrize("content", list(HOSTILE_LOCKS))
def test_hostile_lock_contents_are_the_same_error_in_both(content: str, tmp_path: Path) -> None:
    folder = project(tmp_path, "contents", LOW + 30, LOW + 39)
    home = _home(tmp_path)
    lock = home / "registry.json.lock"
    lock.write_text(HOSTILE_LOCKS[content])
    line = _same_error(_both(["get", "web"], folder, home), 1)
    assert str(lock) in line, line
    assert "is not a portplan lock" in line, line
    assert len(line) < 600, "a short excerpt, not the content"
    assert lock.read_text() == HOSTILE_LOCKS[content], "hostile content is never broken"
    assert not (home / "registry.json").exists()


# A Python writer that stops itself after its temp file is written, before the rename.
STOP_BEFORE_RENAME = """
import os, signal, sys
import portplan
from portplan import _registry
replace = os.replace
def stop_then_replace(*args):
    os.kill(os.getpid(), signal.SIGSTOP)
    replace(*args)
_registry.os.replace = stop_then_replace
portplan.port(sys.argv[1])
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to see a stopped process")
def test_temp_files_of_writers_killed_9_are_removed(tmp_path: Path) -> None:
    folder = project(tmp_path, "temps", LOW + 40, LOW + 59)
    home = _home(tmp_path)
    assert run_cli("python", ["get", "first"], folder, home).returncode == 0
    for language in CLIS:
        writer = subprocess.Popen([PYTHON, "-c", STOP_BEFORE_RENAME, "doomed"], cwd=folder, env=cli_env(home))
        _wait_stopped(writer.pid)
        writer.kill()  # kill -9 with its temp file and its lock present
        writer.wait()
        temps = [name for name in os.listdir(home) if ".tmp." in name]
        assert temps == [f"registry.json.tmp.{writer.pid}.{temps[0].rsplit('.', 1)[1]}"], temps
        live = home / f"registry.json.tmp.{os.getpid()}.0123456789abcdef"  # a live writer's: kept
        live.write_text("{}")
        done = run_cli(language, ["get", f"after-{language}"], folder, home, timeout=TIMEOUT)
        assert done.returncode == 0, (language, done.stderr)
        assert sorted(os.listdir(home)) == ["registry.json", live.name], language
        live.unlink()
    assert "doomed" not in {lease["name"] for lease in leases(home)}


def _mount_tmpfs(folder: Path, size: str) -> str:
    """Mounts a small tmpfs on `folder`; the reason it cannot, or ''."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "mounting a tmpfs needs root"
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    return "" if done.returncode == 0 else f"cannot mount a tmpfs here: {done.stderr.decode().strip()}"


def _fill(folder: Path) -> list[Path]:
    """Fills the disk of `folder` with 4 KiB files until it is full; the files."""
    fillers = []
    for number in range(100_000):
        filler = folder / f"filler{number}"
        try:
            with open(filler, "wb") as file:
                file.write(b"x" * 4096)
        except OSError:
            filler.unlink(missing_ok=True)
            return fillers
        fillers.append(filler)
    raise AssertionError("the disk never filled")


@pytest.mark.parametrize("room", ["none", "one page"])
def test_a_full_disk_leaves_nothing_behind(room: str, tmp_path: Path) -> None:
    """ENOSPC while creating the lock (no room) or writing the registry (room for the lock
    only): a worded error in both CLIs, the same line, and no lock or temp file left."""
    disk = tmp_path / "disk"
    why = _mount_tmpfs(disk, "64k")
    if why:
        pytest.skip(why)
    try:
        home = disk / "home"
        home.mkdir()
        services = "".join(f"service-{number} = true\n" for number in range(60))
        folder = project(tmp_path, "full", LOW + 60, LOW + 159, "[services]\n" + services)
        done = run_cli("python", ["env"], folder, home)  # leases all 60: a registry bigger than one page
        assert done.returncode == 0, done.stderr
        assert (home / "registry.json").stat().st_size > 4096
        fillers = _fill(disk)
        if room == "one page":
            fillers.pop().unlink()
        before = snapshot(home)
        line = _same_error(_both(["get", "one-more"], folder, home), 1)
        assert "Errno" not in line, line
        assert str(home / "registry.json") in line, line
        assert snapshot(home) == before, "no lock, no temp file, registry unchanged"
        for filler in fillers:
            filler.unlink()
        done = run_cli("node", ["get", "one-more"], folder, home, timeout=TIMEOUT)
        assert done.returncode == 0, done.stderr
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_huge_keys_are_quoted_short(tmp_path: Path) -> None:
    folder = project(tmp_path, "huge", LOW + 160, LOW + 169)
    home = _home(tmp_path)
    (home / "registry.json").write_text(json.dumps({"version": 2, "leases": [], "k" * 5_000_000: 1}))
    line = _same_error(_both(["get", "web"], folder, home), 1)
    assert len(line) < 600, line[:600]
    (home / "registry.json").unlink()
    (folder / "portplan.toml").write_text(f"range = [{LOW + 160}, {LOW + 169}]\n{'q' * 1_000_000} = 1\n")
    line = _same_error(_both(["get", "web"], folder, home), 2)
    assert len(line) < 600, line[:600]
    assert not (home / "registry.json").exists()


@pytest.mark.parametrize("character", ["\u202e", "\u2028", "\u0085", "\u009b"])
def test_forbidden_name_characters_are_refused(character: str, tmp_path: Path) -> None:
    folder = project(tmp_path, "names", LOW + 170, LOW + 179)
    home = _home(tmp_path)
    name = f"web{character}evil"
    _same_error(_both(["get", name], folder, home), 2)
    (folder / "portplan.toml").write_text(
        f"range = [{LOW + 170}, {LOW + 179}]\n[services]\n{json.dumps(name)} = true\n", encoding="utf-8"
    )
    for command in (["plan"], ["env"], ["get", "web"]):
        line = _same_error(_both(command, folder, home), 2)
        assert character not in line, "never printed raw"
    assert not (home / "registry.json").exists()


def test_env_with_colliding_names_writes_nothing(tmp_path: Path) -> None:
    folder = project(tmp_path, "collide", LOW + 180, LOW + 189, "[services]\nweb-api = true\nweb_api = true\n")
    home = _home(tmp_path)
    line = _same_error(_both(["env"], folder, home), 2)
    assert "WEB_API_PORT" in line, line
    assert os.listdir(home) == [], "no lease written, no lock left"


def test_double_dash_ends_the_options(tmp_path: Path) -> None:
    folder = project(tmp_path, "dashes", LOW + 190, LOW + 199, "[services]\n'--help' = true\n")
    home = _home(tmp_path)
    ports = {}
    for language in CLIS:
        done = run_cli(language, ["get", "--", "--help"], folder, home, timeout=TIMEOUT)
        assert done.returncode == 0, (language, done.stderr)
        ports[language] = int(done.stdout)
    assert ports["python"] == ports["node"]
    assert [(lease["name"], lease["port"]) for lease in leases(home)] == [("--help", ports["python"])]
    for language in CLIS:
        command = [sys.executable, "-c", "import os; print(os.environ['PORT'])"]
        done = run_cli(language, ["run", "--", "--help", "--", *command], folder, home, timeout=TIMEOUT)
        assert done.returncode == 0, (language, done.stderr)
        assert int(done.stdout) == ports["python"]
