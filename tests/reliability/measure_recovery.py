"""Measures how long `portplan get` takes when a dead owner left something behind (the kernel
released its lock; its owner text, or the old version's lock file, stays), against a normal
run; prints a Markdown table for docs/reliability.md (no test asserts on time).

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
    owner = home / "registry.owner"
    old_lock = home / "registry.json.lock"

    def text(pid: int) -> str:
        return json.dumps({"pid": pid, "host": socket.gethostname(), "time": int(time.time() * 1000)})

    leftovers = {
        "nothing (normal run)": lambda: None,
        "owner file of a dead pid": lambda: owner.write_text(text(dead_pid())),
        "owner file of a live unrelated pid (a reused pid)": lambda: owner.write_text(text(1)),
        "lock file and break marker of the version before (dead pid)": lambda: (
            old_lock.write_text(text(dead_pid())),
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
            cells.append(f"{statistics.median(times) * 1000:.0f} ms")
        print(f"| {title} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
