"""The registry under faults (issues 17 and 24), through both CLIs: a suspended owner keeps
its lock (the kernel's: never broken, never deleted), hostile lock, owner and registry files
are clear errors or harmlessly replaced (the same words in both languages, never a hang, never
followed), dead writers' temp files go, a full disk leaves nothing behind, messages stay short,
forbidden name characters are refused, `env` checks before it writes, and `--` ends the
options."""

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
from reliability_helpers import (
    CLIS,
    LOCK_FILE,
    OWNER_FILE,
    Frozen,
    cli_env,
    fill,
    flock_trace,
    leases,
    lock_holders,
    met_a_held_lock,
    mount_tmpfs,
    owner,
    project,
    run_cli,
    snapshot,
    wait_for,
)

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


def test_a_suspended_owner_keeps_its_lock(tmp_path: Path) -> None:
    """A writer stopped in the middle of its write (the lock held), with an owner text 60 s old
    (older than the old 30 s rule); a Python and a Node `get` start meanwhile: both meet the
    held lock and wait; once the owner goes on, all three finish with 3 distinct ports, all
    leased, and the lock file was never deleted or replaced (the same inode throughout)."""
    folder = project(tmp_path, "suspend", LOW, LOW + 2)
    home = _home(tmp_path)
    frozen = Frozen("python", ["get", "owner"], folder, cli_env(home))
    inode = (home / LOCK_FILE).stat().st_ino
    try:
        (home / OWNER_FILE).write_text(_owner(frozen.pid, age_ms=60_000))
        logs = {language: tmp_path / f"{language}.flock.log" for language in CLIS}
        others = {
            language: subprocess.Popen(
                [*flock_trace(logs[language]), *CLIS[language], "get", f"next-{language}"],
                cwd=folder,
                env=cli_env(home),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for language in CLIS
        }
        for language, log in logs.items():
            wait_for(lambda log=log: log.exists() and met_a_held_lock(log), f"{language} meeting the held lock")
        assert all(process.poll() is None for process in others.values()), "nobody took a live owner's lock"
    finally:
        frozen.resume()
    done = frozen.finish()
    assert done.returncode == 0, done.stderr
    printed = {"owner": int(done.stdout)}
    for language, process in others.items():
        out, err = process.communicate(timeout=TIMEOUT)
        assert process.returncode == 0, (language, err)
        printed[f"next-{language}"] = int(out)
    assert len(set(printed.values())) == 3, f"a port given twice: {printed}"
    assert {lease["name"]: lease["port"] for lease in leases(home)} == printed, "no lease lost"
    assert (home / LOCK_FILE).stat().st_ino == inode, "the lock file is never deleted or replaced"
    assert sorted(os.listdir(home)) == ["registry.json", LOCK_FILE, OWNER_FILE]


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


@pytest.mark.parametrize("file", [LOCK_FILE, "registry.json"])
@pytest.mark.parametrize("kind", list(HOSTILE_FILES))
def test_hostile_files_are_clear_errors_never_hangs(kind: str, file: str, tmp_path: Path) -> None:
    """The lock or the registry as a FIFO, a dangling link, a link to /dev/zero, a folder:
    one clear line naming it, the same in both CLIs, nothing written, removed or followed."""
    folder = project(tmp_path, "hostile", LOW + 20, LOW + 29)
    home = _home(tmp_path)
    HOSTILE_FILES[kind](home / file)
    before = snapshot(home)
    line = _same_error(_both(["get", "web"], folder, home), 1)
    assert str(home / file) in line
    assert snapshot(home) == before, "nothing was written, removed or followed"


@pytest.mark.parametrize("kind", list(HOSTILE_FILES))
def test_a_hostile_owner_file_is_never_followed_nor_a_hang(kind: str, tmp_path: Path) -> None:
    """registry.owner (who took the lock last, for messages only) as a FIFO, a dangling link,
    a link to /dev/zero or a folder: never read through, written through or waited on. Each
    CLI either takes the lock and replaces it with its own owner text (a rename replaces the
    link or the FIFO itself, never its target), or says in one line that it cannot write it;
    /dev/zero and the link's folder are never written."""
    folder = project(tmp_path, "hostile-owner", LOW + 20, LOW + 29)
    home = _home(tmp_path)
    owner_file = home / OWNER_FILE
    for language in CLIS:
        if owner_file.is_dir() and not owner_file.is_symlink():
            pass
        elif owner_file.exists() or owner_file.is_symlink():
            owner_file.unlink()
        if not (owner_file.exists() or owner_file.is_symlink()):
            HOSTILE_FILES[kind](owner_file)
        done = run_cli(language, ["get", f"web-{language}"], folder, home, timeout=TIMEOUT)
        if kind == "directory":
            assert done.returncode == 1, (language, done.stdout)
            assert done.stderr.count("\n") == 1, done.stderr
            assert str(owner_file) in done.stderr, done.stderr
            assert not (home / "registry.json").exists(), "nothing written before the owner text"
            assert lock_holders(home) == [], "the lock is not left held"
        else:
            assert (done.returncode, done.stderr) == (0, ""), (language, done.stderr)
            assert owner_file.is_file()
            assert not owner_file.is_symlink()
            assert json.loads(owner_file.read_text())["pid"] > 0
    assert not (home / "nowhere").exists()


HOSTILE_OWNERS = {
    "100,000-deep nesting": "[" * 100_000 + "]" * 100_000,
    "nested owner": '{"pid": [[[1]]], "host": "h", "time": 1}',
    "pid 2**63": json.dumps({"pid": 2**63, "host": socket.gethostname(), "time": 1}),
    "pid 0": json.dumps({"pid": 0, "host": socket.gethostname(), "time": 1}),
    "pid 1.5": json.dumps({"pid": 1.5, "host": socket.gethostname(), "time": 1}),
    "NaN time": '{"pid": 1, "host": "h", "time": NaN}',
    "huge time": '{"pid": 1, "host": "h", "time": 1e400}',
    "not an object": "1",
    "huge host": json.dumps({"pid": 1, "host": "h" * 5000, "time": 1}),
    "control in host": json.dumps({"pid": 1, "host": "a\u202eb\x01\x1b]0;x\x07", "time": 1}),
}


@pytest.mark.parametrize("content", list(HOSTILE_OWNERS))
def test_hostile_owner_texts_never_block_and_are_quoted_short(content: str, tmp_path: Path) -> None:
    """Hostile owner texts (the old lock's hostile contents): the lock free, `get` succeeds in
    both CLIs and replaces the text with its own; the lock held (flock(1)) with that text, both
    CLIs fail with the same short line with no control character, never a crash or a hang."""
    folder = project(tmp_path, "contents", LOW + 30, LOW + 39)
    home = _home(tmp_path)
    owner_file = home / OWNER_FILE
    lock = home / LOCK_FILE
    lock.touch(mode=0o600)
    for language in CLIS:
        owner_file.write_text(HOSTILE_OWNERS[content])
        done = run_cli(language, ["get", f"web-{language}"], folder, home, timeout=TIMEOUT)
        assert (done.returncode, done.stderr) == (0, ""), (language, done.stderr)
        assert owner(home)["pid"] > 0
    owner_file.write_text(HOSTILE_OWNERS[content])
    holder = subprocess.Popen(
        ["flock", str(lock), "sh", "-c", "echo held; read line"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        line = _same_error(_both(["get", "web"], folder, home), 1)
    finally:
        holder.stdin.close()
        holder.wait(timeout=TIMEOUT)
    assert "is locked" in line, line
    assert len(line) < 600, "a short excerpt, not the content"
    assert not [c for c in line[:-1] if ord(c) < 0x20 or c in "\x7f\u202e"], repr(line)
    assert owner_file.read_text() == HOSTILE_OWNERS[content], "a holder's owner text is left alone"


def test_temp_files_of_writers_killed_9_are_removed(tmp_path: Path) -> None:
    """A writer SIGKILLed with its temporary file complete (stopped at its fsync) leaves
    `registry.json.tmp.<pid>`: the next `get` of either language removes it, and every other
    `registry.json.tmp.*` (under the lock no writer is between its create and its rename, so
    each was left by a dead one); a file of another name stays."""
    folder = project(tmp_path, "temps", LOW + 40, LOW + 59)
    home = _home(tmp_path)
    assert run_cli("python", ["get", "first"], folder, home).returncode == 0
    other = home / "registry.json.bak"
    other.write_text("{}")
    for language in CLIS:
        for writer in CLIS:
            frozen = Frozen(writer, ["get", "doomed"], folder, cli_env(home))
            os.kill(frozen.pid, signal.SIGKILL)  # kill -9 with its temp file present
            frozen.finish()
            assert (home / f"registry.json.tmp.{frozen.pid}").exists()
        (home / f"registry.json.tmp.{os.getpid()}").write_text("{}")  # a live process' name
        done = run_cli(language, ["get", f"after-{language}"], folder, home, timeout=TIMEOUT)
        assert done.returncode == 0, (language, done.stderr)
        assert sorted(os.listdir(home)) == sorted([LOCK_FILE, "registry.json", "registry.json.bak", OWNER_FILE])
    assert "doomed" not in {lease["name"] for lease in leases(home)}
    assert other.read_text() == "{}"


@pytest.mark.parametrize("room", ["none", "one page"])
def test_a_full_disk_leaves_nothing_behind(room: str, tmp_path: Path) -> None:
    """ENOSPC while writing the owner text (no room) or the registry's temporary file (room
    for a page): a worded error in both CLIs, the same line, no temporary file left, the
    registry as it was, the lock not held; after freeing space the next `get` works at once."""
    disk = tmp_path / "disk"
    why = mount_tmpfs(disk, "64k")
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
        with open(folder / "portplan.toml", "a", encoding="utf-8") as config:
            config.write("one-more = true\n")
        fillers = fill(disk)
        if room == "one page":
            fillers.pop().unlink()
        before = snapshot(home)
        line = _same_error(_both(["get", "one-more"], folder, home), 1)
        assert "Errno" not in line, line
        assert "No space left on device" in line, line
        after = snapshot(home)
        before.pop(OWNER_FILE, None)  # who took the lock last: rewritten when there is room
        after.pop(OWNER_FILE, None)
        assert after == before, "no temp file, registry unchanged"
        assert lock_holders(home) == []
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
