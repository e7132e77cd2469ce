"""The load figures of docs/reliability.md (issue 17), re-measured through both CLIs:

    .venv/bin/python tests/reliability/measure_faults.py [what ...]

what: `crowd` (256 processes at once, half Python, half Node: duplicates and lost leases),
`kill9` (30 rounds of a 500-lease `env` SIGKILLed at a random moment: lost leases, temp files
left), `big` (a `get` against 50,000 leases, new and asked again: median wall time), `hold` (how
long the kernel lock is held, seen in /proc/locks, during a `get` against 50,000 leases and a
60,000-service `env`, and whether a 60,000-service `plan` takes it).
A measurement, not a test: it prints figures and fails loudly only on a broken invariant."""

from __future__ import annotations

import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from reliability_helpers import CLIS, LOCK_FILE, OWNER_FILE, cli_env, leases, lock_holders, project, run_cli


def crowd(tmp: Path) -> None:
    folder = project(tmp, "crowd", 30000, 30999)
    home = tmp / "crowd-home"
    home.mkdir()
    processes = {
        f"svc-{i}": subprocess.Popen(
            [*CLIS["python" if i % 2 else "node"], "get", f"svc-{i}"],
            cwd=folder,
            env=cli_env(home),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(256)
    }
    printed, failed = {}, {}
    for name, process in processes.items():
        out, err = process.communicate(timeout=600)
        if process.returncode == 0:
            printed[name] = int(out)
        else:
            failed[name] = err.strip()
    held = {lease["name"]: lease["port"] for lease in leases(home)}
    lost = [name for name, port in printed.items() if held.get(name) != port]
    duplicates = len(printed) - len(set(printed.values()))
    left = sorted(name for name in os.listdir(home) if name not in ("registry.json", LOCK_FILE, OWNER_FILE))
    print(f"crowd: 256 processes, {len(printed)} ports printed, {len(failed)} failed, {duplicates} duplicates,")
    print(f"       {len(lost)} lost, {len(held)} leases, files left: {left or 'none'}")
    for name, err in list(failed.items())[:5]:
        print(f"       failed {name}: {err}")


def kill9(tmp: Path, rounds: int = 30, size: int = 500) -> None:
    rng = random.Random(1717)
    home = tmp / "kill-home"
    home.mkdir()
    services = "[services]\n" + "".join(f"s{i} = true\n" for i in range(size))
    confirmed: dict[tuple[str, str], int] = {}
    killed = 0
    max_temps = 0
    for number in range(rounds):
        language = "python" if number % 2 else "node"
        folder = project(tmp, f"batch{number}", 20000, 60000, services)
        process = subprocess.Popen(
            [*CLIS[language], "env", "--no-probe"],
            cwd=folder,
            env=cli_env(home),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(rng.uniform(0.05, 0.35))  # a Python or Node start takes ~0.15 s
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        out, _ = process.communicate(timeout=120)
        if process.returncode == 0:
            for line in out.splitlines():
                key, port = line.split("=")
                confirmed[(str(folder), key)] = int(port)
        max_temps = max(max_temps, sum(".tmp." in name for name in os.listdir(home)))
    # One more write: dead writers' temp files go.
    finale = project(tmp, "finale", 20000, 60000)
    assert run_cli("python", ["get", "web"], finale, home, timeout=120).returncode == 0
    held = {(lease["root"], f"{lease['name'].upper()}_PORT"): lease["port"] for lease in leases(home)}
    lost = [key for key, port in confirmed.items() if held.get(key) != port]
    ports = [lease["port"] for lease in leases(home)]
    temps = [name for name in os.listdir(home) if ".tmp." in name]
    print(
        f"kill9: {rounds} rounds of {size}-lease env, {killed} SIGKILLed, {len(confirmed)} leases confirmed, "
        f"{len(lost)} lost, {len(ports) - len(set(ports))} ports twice, temp files at most {max_temps} between "
        f"writes, {len(temps)} after the next write"
    )


def _big_registry(home: Path, count: int) -> None:
    now = int(time.time())
    rows = [
        {"namespace": f"ns{i % 97}", "name": f"svc{i}", "root": None, "port": 10000 + i, "created": now, "used": now}
        for i in range(count)
    ]
    (home / "registry.json").write_text(json.dumps({"version": 2, "leases": rows}))


def _median_ms(command: list[str], folder: Path, home: Path, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=folder, env=cli_env(home), capture_output=True, text=True, timeout=600)
        times.append((time.perf_counter() - start) * 1000)
        assert done.returncode == 0, done.stderr
    return statistics.median(times)


def big(tmp: Path) -> None:
    home = tmp / "big-home"
    home.mkdir()
    _big_registry(home, 50_000)
    folder = project(tmp, "big", 60001, 60999)
    for language, cli in CLIS.items():
        new = _median_ms_each([*cli, "get"], [f"web{language}{n}" for n in range(7)], folder, home)
        again = _median_ms([*cli, "get", f"web{language}0"], folder, home)
        print(f"big: get against 50,000 leases, {language}: new name median {new:.0f} ms, asked again {again:.0f} ms")
    for language, cli in CLIS.items():
        empty = tmp / f"empty-home-{language}"
        empty.mkdir()
        fresh = _median_ms_each([*cli, "get"], [f"web{n}" for n in range(7)], folder, empty)
        print(f"big: get against an empty registry, {language}: new name median {fresh:.0f} ms")


def _median_ms_each(command: list[str], names: list[str], folder: Path, home: Path) -> float:
    times = []
    for name in names:
        start = time.perf_counter()
        done = subprocess.run([*command, name], cwd=folder, env=cli_env(home), capture_output=True, text=True)
        times.append((time.perf_counter() - start) * 1000)
        assert done.returncode == 0, done.stderr
    return statistics.median(times)


class LockWatch:
    """Polls /proc/locks from another thread (looking never takes the lock): how long each
    holding of the kernel lock lasted."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.holds: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        since = None
        while not self._stop.is_set():
            held = bool(lock_holders(self.home))
            now = time.perf_counter()
            if held and since is None:
                since = now
            elif not held and since is not None:
                self.holds.append((now - since) * 1000)
                since = None
            time.sleep(0.0005)

    def __enter__(self) -> LockWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def hold(tmp: Path) -> None:
    home = tmp / "hold-home"
    home.mkdir()
    _big_registry(home, 50_000)
    small = project(tmp, "hold-get", 60001, 60999)
    for language in CLIS:
        with LockWatch(home) as watch:
            for number in range(7):
                run_cli(language, ["get", f"web{language}{number}"], small, home, timeout=600)
        print(f"hold: get against 50,000 leases, {language}: lock held median {statistics.median(watch.holds):.1f} ms")
    services = "[services]\n" + "".join(f"s{i} = true\n" for i in range(60_000))
    for language, cli in CLIS.items():
        home = tmp / f"hold-{language}"
        home.mkdir()
        folder = project(tmp, f"hold-60k-{language}", 2000, 65000, services)
        for command in (["plan", "--json"], ["env"], ["env"]):
            with LockWatch(home) as watch:
                start = time.perf_counter()
                done = subprocess.run(
                    [*cli, *command], cwd=folder, env=cli_env(home), capture_output=True, text=True, timeout=1200
                )
                total = (time.perf_counter() - start) * 1000
            assert done.returncode == 0, done.stderr[:500]
            holds = ", ".join(f"{ms:.0f} ms" for ms in watch.holds) or "never taken"
            print(f"hold: {' '.join(command)} of 60,000 services, {language}: {total:.0f} ms in all, lock: {holds}")


MEASURES = {"crowd": crowd, "kill9": kill9, "big": big, "hold": hold}

if __name__ == "__main__":
    chosen = sys.argv[1:] or list(MEASURES)
    with tempfile.TemporaryDirectory(prefix="portplan-measure-") as folder:
        for what in chosen:
            MEASURES[what](Path(folder))
