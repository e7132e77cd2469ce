"""Crash safety: processes of both languages are SIGKILLed at random moments while they
allocate. The registry always parses, no lease reported to a caller is lost, no port is
leased twice, and a dead owner never blocks the next allocation: its kernel lock goes with it,
and what it left (owner text, temporary files) is never judged, only swept or overwritten."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import time
from pathlib import Path

from reliability_helpers import (
    CLIS,
    LOCK_FILE,
    OWNER_FILE,
    Frozen,
    cli_env,
    leases,
    lock_holders,
    owner,
    project,
    run_cli,
    wait_for,
)

LOW, HIGH = 46000, 46299  # this file's ports
ROUNDS = 3
PER_ROUND = 24


def start(language: str, args: list[str], cwd: Path, home: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [*CLIS[language], *args], cwd=cwd, env=cli_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def check_registry(home: Path, reported: dict[str, int]) -> list[dict]:
    """The registry parses (for Python, Node and json), holds every reported lease, and no
    port twice."""
    current = leases(home)
    by_name = {lease["name"]: lease["port"] for lease in current}
    lost = {name: port for name, port in reported.items() if by_name.get(name) != port}
    assert not lost, f"leases reported to a caller and then lost: {lost}"
    ports = [lease["port"] for lease in current]
    assert len(ports) == len(set(ports)), "a port leased twice"
    assert all(LOW <= p <= HIGH for p in ports)
    for language in CLIS:
        listed = run_cli(language, ["ls", "--json"], home, home)
        assert listed.returncode == 0, (language, listed.stderr)
        assert {(lease["name"], lease["port"]) for lease in json.loads(listed.stdout)} == set(by_name.items())
    return current


def recover(folder: Path, home: Path, name: str) -> None:
    """The next allocation of each language succeeds at once: a dead owner's lock went with it
    (the kernel released it), and its temporary files are swept by the next write."""
    for language in CLIS:
        done = run_cli(language, ["get", f"{name}-{language}"], folder, home, timeout=30)
        assert done.returncode == 0, (language, done.stderr)
        assert lock_holders(home) == [], "the lock is released after a normal run"
    assert not list(home.glob("registry.json.tmp.*")), "dead writers' temporary files are swept"


def test_sigkill_at_random_moments_loses_nothing(tmp_path: Path) -> None:
    rng = random.Random(7001)
    folder = project(tmp_path, "crash", LOW, HIGH)
    home = tmp_path / "home"
    home.mkdir()
    reported: dict[str, int] = {}
    killed = 0
    for round_ in range(ROUNDS):
        names = [f"r{round_}-{i}" for i in range(PER_ROUND)]
        processes = [
            start("python" if i % 2 == 0 else "node", ["get", name], folder, home) for i, name in enumerate(names)
        ]
        # Half of them get SIGKILL, each at a random moment of the first half second (the
        # round's 24 processes are done in about that), each one still running then: a
        # process that has already finished cannot be killed mid-way.
        moments = sorted(rng.uniform(0, 0.5) for _ in range(PER_ROUND // 2))
        began = time.monotonic()
        for at in moments:
            time.sleep(max(0.0, at - (time.monotonic() - began)))
            running = [process for process in processes if process.poll() is None]
            if running:
                victim = rng.choice(running)
                victim.send_signal(signal.SIGKILL)
                victim.wait()
                killed += 1
        for name, process in zip(names, processes):
            out, err = process.communicate(timeout=60)
            if process.returncode == 0:
                reported[name] = int(out)  # a caller saw this port: it must stay leased
            else:
                assert process.returncode == -signal.SIGKILL, (name, process.returncode, err)
        check_registry(home, reported)
        recover(folder, home, f"after-{round_}")
        reported.update({lease["name"]: lease["port"] for lease in leases(home) if lease["name"].startswith("after-")})
    final = check_registry(home, reported)
    print(
        f"\nrandom SIGKILL: {ROUNDS * PER_ROUND} processes, {killed} killed, {len(reported)} ports reported "
        f"(incl. recovery runs), {len(final)} leases"
    )
    assert killed >= ROUNDS * 3, "the test really killed processes mid-way"
    assert len(reported) >= ROUNDS * 2
    assert len(final) <= ROUNDS * (PER_ROUND + 2)


def test_a_process_killed_while_it_holds_the_lock(tmp_path: Path) -> None:
    """A `get` stopped in the middle of its write (the lock held, its owner file and temporary
    file written) is SIGKILLed: the kernel releases its lock at once, the owner file still names
    the dead pid (for messages only: nobody judges it), and the next `get`, of the same or the
    other language, succeeds without waiting, sweeps the dead writer's temporary file, and the
    dead writer's lease, never reported to anyone, is not there. 3 times per language."""
    folder = project(tmp_path, "holder", LOW, HIGH)
    home = tmp_path / "home"
    home.mkdir()
    for language in CLIS:
        for attempt in range(3):
            frozen = Frozen(language, ["get", f"doomed-{language}-{attempt}"], folder, cli_env(home))
            assert lock_holders(home), "the frozen writer holds the lock"
            assert owner(home)["pid"] == frozen.pid
            assert (home / f"registry.json.tmp.{frozen.pid}").exists()
            os.kill(frozen.pid, signal.SIGKILL)
            frozen.finish()
            wait_for(lambda: not lock_holders(home), "the kernel releasing a dead holder's lock")
            assert owner(home)["pid"] == frozen.pid, "the owner file names the dead pid"
            other = "node" if language == "python" else "python"
            done = run_cli(other if attempt % 2 else language, ["get", f"after-{language}-{attempt}"], folder, home)
            assert done.returncode == 0, done.stderr
            assert not list(home.glob("registry.json.tmp.*"))
    names = {lease["name"] for lease in leases(home)}
    assert names == {f"after-{language}-{n}" for language in CLIS for n in range(3)}
    check_registry(home, {})


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_leftover_files_of_dead_owners_never_block(tmp_path: Path) -> None:
    """What dead owners leave (the kernel lock is gone with them): an owner file naming a dead
    pid, an empty owner file (killed while writing it), an owner of another host, an owner's
    half-written temporary file, and the lock and break marker of the version before
    (`registry.json.lock`, `.lock.break`). Each `get` succeeds at once and the earlier lease is
    kept; the old version's files are not portplan's any more and are left alone."""
    folder = project(tmp_path, "leftover", LOW, HIGH)
    home = tmp_path / "home"
    home.mkdir()
    assert run_cli("python", ["get", "first"], folder, home).returncode == 0
    before = leases(home)
    owner_file = home / OWNER_FILE

    def text(pid: int, host: str = "") -> str:
        return json.dumps({"pid": pid, "host": host or socket.gethostname(), "time": int(time.time() * 1000)})

    cases = {
        "dead pid": lambda: owner_file.write_text(text(dead_pid())),
        "empty owner": lambda: owner_file.write_bytes(b""),
        "another host": lambda: owner_file.write_text(text(1, "elsewhere")),
        "half-written owner": lambda: (home / f"{OWNER_FILE}.{dead_pid()}").write_text('{"pid": '),
        "old lock and marker": lambda: (
            (home / "registry.json.lock").write_text(text(dead_pid())),
            (home / "registry.json.lock.break").write_text(text(dead_pid())),
        ),
    }
    for case, make in cases.items():
        for language in CLIS:
            make()
            done = run_cli(language, ["get", f"{case.replace(' ', '-')}-{language}"], folder, home, timeout=30)
            assert (done.returncode, done.stderr) == (0, ""), (case, language, done.stderr)
            assert lock_holders(home) == []
    after = {lease["name"]: lease["port"] for lease in leases(home)}
    assert all(after[lease["name"]] == lease["port"] for lease in before)
    assert len(after) == 1 + 2 * len(cases)
    assert (home / "registry.json.lock").exists(), "the old version's lock is not ours to remove"


def test_a_live_holder_is_never_broken(tmp_path: Path) -> None:
    """The lock held by a live process (flock(1) on registry.lock, its owner text naming it)
    for as long as the test lasts: both CLIs wait, then fail (exit 1) naming it; the holder
    still holds the lock and nothing was written."""
    folder = project(tmp_path, "live", LOW, HIGH)
    home = tmp_path / "home"
    home.mkdir()
    lock = home / LOCK_FILE
    lock.touch(mode=0o600)
    holder = subprocess.Popen(
        ["flock", str(lock), "sh", "-c", 'echo "$$"; read line'],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        pid = int(holder.stdout.readline())
        (home / OWNER_FILE).write_text(json.dumps({"pid": pid, "host": socket.gethostname(), "time": 1}))
        waiting = {language: start(language, ["get", "web"], folder, home) for language in CLIS}
        for language, process in waiting.items():  # both wait at once: 10 s, the CLIs' limit
            out, err = process.communicate(timeout=120)
            assert process.returncode == 1, (language, out, err)
            assert f"is locked by pid {pid} on {socket.gethostname()}" in err, err
        assert lock_holders(home), "a live holder keeps its lock"
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert not (home / "registry.json").exists()
