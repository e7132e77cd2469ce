"""Measures how long `portplan get` takes when a dead owner left its lock behind, against a
normal run; prints a Markdown table for docs/reliability.md (no test asserts on time).

    .venv/bin/python tests/reliability/measure_recovery.py [RUNS]"""

from __future__ import annotations

import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reliability_helpers import CLIS, cli_env, project


def dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    tmp = Path(tempfile.mkdtemp(prefix="portplan-recovery-"))
    folder = project(tmp, "recovery", 49000, 49499)
    home = tmp / "home"
    home.mkdir()
    lock = home / "registry.json.lock"
    leftovers = {
        "nothing (normal run)": lambda: None,
        "lock of a dead pid": lambda: lock.write_text(
            json.dumps({"pid": dead_pid(), "host": socket.gethostname(), "time": int(time.time() * 1000)})
        ),
        "empty lock, just written (owner killed between create and write)": lambda: lock.write_bytes(b""),
        "lock of a dead pid + break file of a dead breaker, just written": lambda: (
            lock.write_text(json.dumps({"pid": dead_pid(), "host": socket.gethostname(), "time": 1})),
            (home / "registry.json.lock.break").write_text("1"),
        ),
    }
    print("| left behind | " + " | ".join(f"{language} `get` (median of {runs})" for language in CLIS) + " |")
    print("|---|" + "---|" * len(CLIS))
    n = 0
    for title, make in leftovers.items():
        cells = []
        for language in CLIS:
            times = []
            for _ in range(runs):
                make()
                n += 1
                began = time.monotonic()
                done = subprocess.run(
                    [*CLIS[language], "get", f"m{n}"],
                    cwd=folder,
                    env=cli_env(home),
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
                times.append(time.monotonic() - began)
                assert done.returncode == 0, done.stderr
                assert not lock.exists()
            cells.append(f"{statistics.median(times) * 1000:.0f} ms")
        print(f"| {title} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
