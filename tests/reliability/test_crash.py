"""Crash safety: processes of both languages are SIGKILLed at random moments while they
allocate. The registry always parses, no lease reported to a caller is lost, no port is
leased twice, and a dead owner's lock never blocks the next allocation."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

from reliability_helpers import CLIS, cli_env, leases, project, run_cli

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
    """The next allocation of each language succeeds (a dead owner's lock is broken)."""
    for language in CLIS:
        done = run_cli(language, ["get", f"{name}-{language}"], folder, home, timeout=30)
        assert done.returncode == 0, (language, done.stderr)
        assert not (home / "registry.json.lock").exists(), "the lock is released after a normal run"


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
                victim.wait()  # reaped at once: a zombie's pid still counts as alive
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
    temps = len(list(home.glob("registry.json.tmp.*")))
    print(
        f"\nrandom SIGKILL: {ROUNDS * PER_ROUND} processes, {killed} killed, {len(reported)} ports reported "
        f"(incl. recovery runs), {len(final)} leases, {temps} leftover temp files"
    )
    assert killed >= ROUNDS * 3, "the test really killed processes mid-way"
    assert len(reported) >= ROUNDS * 2
    assert len(final) <= ROUNDS * (PER_ROUND + 2)
    # Leftover temporary files of killed writers are never read; they do not matter.
    assert not (home / "registry.json.lock.break").exists()


def lock_holder_pid(lock: Path) -> int | None:
    try:
        return json.loads(lock.read_text())["pid"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def kill_while_holding(language: str, name: str, folder: Path, home: Path) -> bool:
    """Runs `get NAME`, freezing it (SIGSTOP) every millisecond to look at the lock file;
    when the frozen process is the lock's owner, SIGKILLs it. True if that happened."""
    lock = home / "registry.json.lock"
    process = start(language, ["get", name], folder, home)
    try:
        while process.poll() is None:
            os.kill(process.pid, signal.SIGSTOP)
            if lock_holder_pid(lock) == process.pid:  # frozen: it cannot release it meanwhile
                process.kill()
                process.wait()  # reaped at once, as a shell would (a zombie's pid is alive)
                return True
            os.kill(process.pid, signal.SIGCONT)
            time.sleep(0.001)
        return False
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGCONT)
        _, err = process.communicate(timeout=60)
        assert process.returncode in (0, -signal.SIGKILL), (language, err)


def test_a_process_killed_while_it_holds_the_lock(tmp_path: Path) -> None:
    folder = project(tmp_path, "holder", LOW, HIGH)
    home = tmp_path / "home"
    home.mkdir()
    lock = home / "registry.json.lock"
    caught = dict.fromkeys(CLIS, 0)
    for language in CLIS:
        for attempt in range(40):
            if caught[language] == 3:
                break
            if kill_while_holding(language, f"{language}-{attempt}", folder, home):
                caught[language] += 1
                assert lock.exists(), "the killed owner's lock is left behind"
                # The next allocation, in either language, breaks it and succeeds.
                other = "node" if language == "python" else "python"
                done = run_cli(
                    other if attempt % 2 else language, ["get", f"after-{language}-{attempt}"], folder, home, timeout=30
                )
                assert done.returncode == 0, done.stderr
                assert not lock.exists()
    assert caught == dict.fromkeys(CLIS, 3), caught
    print(f"\nkilled while holding the lock: {caught}")
    names = {lease["name"] for lease in leases(home)}
    assert {f"after-{language}-{n}" for language in CLIS for n in range(40)} & names
    check_registry(home, {})


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_leftover_lock_files_of_dead_owners_are_recovered(tmp_path: Path) -> None:
    import socket

    folder = project(tmp_path, "leftover", LOW, HIGH)
    home = tmp_path / "home"
    home.mkdir()
    assert run_cli("python", ["get", "first"], folder, home).returncode == 0
    before = leases(home)
    lock = home / "registry.json.lock"
    old = time.time() - 60
    cases = {
        # The owner died holding the lock (its pid is gone).
        "dead pid": lambda: lock.write_text(
            json.dumps({"pid": dead_pid(), "host": socket.gethostname(), "time": int(time.time() * 1000)})
        ),
        # The owner died between creating the lock and writing it (an empty file, 60 s old).
        "empty lock": lambda: (lock.write_bytes(b""), os.utime(lock, (old, old))),
        # An owner on another host (or a reused pid) that stopped updating 60 s ago.
        "old time": lambda: lock.write_text(json.dumps({"pid": 1, "host": "elsewhere", "time": int(old * 1000)})),
        # ... and its breaker died too, leaving its break marker (its owner text) behind.
        "dead breaker": lambda: (
            lock.write_text(json.dumps({"pid": dead_pid(), "host": socket.gethostname(), "time": 1})),
            (home / "registry.json.lock.break").write_text(
                json.dumps({"pid": dead_pid(), "host": socket.gethostname(), "time": int(old * 1000)})
            ),
        ),
    }
    for case, make in cases.items():
        for language in CLIS:
            make()
            done = run_cli(language, ["get", f"{case.replace(' ', '-')}-{language}"], folder, home, timeout=30)
            assert done.returncode == 0, (case, language, done.stderr)
            assert not lock.exists(), (case, language)
            assert not (home / "registry.json.lock.break").exists(), (case, language)
    after = {lease["name"]: lease["port"] for lease in leases(home)}
    assert all(after[lease["name"]] == lease["port"] for lease in before)
    assert len(after) == 1 + 2 * len(cases)


def test_a_live_owner_is_never_broken(tmp_path: Path) -> None:
    """A fresh lock of a live process is respected: the CLI waits, then says who holds it."""
    import socket

    folder = project(tmp_path, "live", LOW, HIGH)
    home = tmp_path / "home"
    home.mkdir()
    lock = home / "registry.json.lock"
    owner = {"pid": os.getpid(), "host": socket.gethostname(), "time": int(time.time() * 1000)}
    lock.write_text(json.dumps(owner))
    waiting = {language: start(language, ["get", "web"], folder, home) for language in CLIS}
    for language, process in waiting.items():  # both wait at once: 10 s, the CLIs' limit
        out, err = process.communicate(timeout=60)
        assert process.returncode == 1, (language, out, err)
        assert f"is locked by pid {os.getpid()}" in err, err
    assert json.loads(lock.read_text()) == owner, "a live owner's lock is left alone"
    assert not (home / "registry.json").exists()
