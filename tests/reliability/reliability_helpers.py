"""Shared helpers of the reliability tests (no conftest.py here: tests/cross has one).

Every test gets its own PORTPLAN_HOME under pytest's tmp_path and a port range of its own
(4xxxx-6xxxx), so the tests never touch the user's registry nor each other's ports."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Optional, TypeVar

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
NODE = os.environ.get("NODE", "node")
PYTHON = sys.executable
PYTHON_CLI = [PYTHON, "-m", "portplan"]
NODE_CLI = [NODE, str(ROOT / "bindings-js" / "bin" / "portplan.js")]
CLIS = {"python": PYTHON_CLI, "node": NODE_CLI}
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "PORTPLAN_HOME": str(home), **extra}
    env.pop("PORT", None)
    return env


def run_cli(
    language: str,
    args: Sequence[str],
    cwd: Path,
    home: Path,
    timeout: float = 60,
    user: Optional[str] = None,
    umask: Optional[int] = None,
) -> subprocess.CompletedProcess:
    """Runs one CLI (`python` or `node`) with PORTPLAN_HOME=home; as `user` when given."""
    command = [*as_user(user), *CLIS[language], *args]
    preexec = (lambda: os.umask(umask)) if umask is not None else None
    return subprocess.run(
        command, cwd=cwd, env=cli_env(home), capture_output=True, text=True, timeout=timeout, preexec_fn=preexec
    )


def as_user(user: Optional[str]) -> list[str]:
    """A command prefix running the rest as `user` (needs root; `setpriv` from util-linux)."""
    if user is None:
        return []
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv is needed to run a case as an unprivileged user"
    return [setpriv, f"--reuid={user}", f"--regid={user_group(user)}", "--clear-groups"]


def user_group(user: str) -> str:
    import grp
    import pwd

    return grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name


def project(tmp: Path, name: str, low: int, high: int, extra: str = "") -> Path:
    """A folder with a portplan.toml using the range [low, high]."""
    folder = tmp / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "portplan.toml").write_text(f"range = [{low}, {high}]\n{extra}", encoding="utf-8")
    return folder


def leases(home: Path) -> list[dict]:
    data = json.loads((home / "registry.json").read_text(encoding="utf-8"))
    assert data["version"] == 2
    return data["leases"]


def node_probe(ports: Sequence[int], user: Optional[str] = None) -> dict[int, bool]:
    """The npm package's probe of each port, in a Node process of its own."""
    out = subprocess.run(
        [*as_user(user), NODE, str(HERE / "probe_driver.cjs"), *map(str, ports)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    return {int(k): v for k, v in json.loads(out).items()}


def python_probe(ports: Sequence[int], user: Optional[str] = None) -> dict[int, bool]:
    """The Python package's probe of each port, in a Python process of its own."""
    code = "import json,sys; from portplan import probe; print(json.dumps({p: probe(int(p)) for p in sys.argv[1:]}))"
    out = subprocess.run(
        [*as_user(user), PYTHON, "-c", code, *map(str, ports)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=ROOT,
    ).stdout
    return {int(k): v for k, v in json.loads(out).items()}


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry under `folder`: kind, mode, bytes and mtime (to prove nothing changed)."""
    result = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        if path.is_symlink():
            content: object = os.readlink(path)
        elif path.is_file():
            try:
                content = path.read_bytes()
            except PermissionError:
                content = "<unreadable>"
        else:  # a folder: its own mtime moves with the lock file's coming and going
            result[str(path.relative_to(folder))] = (info.st_mode, None, None)
            continue
        result[str(path.relative_to(folder))] = (info.st_mode, info.st_mtime_ns, content)
    return result


# ---- the kernel lock (docs/registry.md "The lock"): registry.lock held with flock ----

LOCK_FILE = "registry.lock"
OWNER_FILE = "registry.owner"
T = TypeVar("T")


def wait_for(check: Callable[[], T], what: str, timeout: float = 60.0, every: float = 0.01) -> T:
    """Polls `check` until it returns something true; that value. A deadline, never a bare
    sleep: `what` says what never happened."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)


def lock_holders(home: Path) -> list[int]:
    """The pids /proc/locks gives for the flock locks on HOME/registry.lock (empty: not held).
    Reads only: looking never takes the lock, so it cannot disturb a writer. (For Node's wasm
    engine the pid is that of the `flock` helper that took it for Node's descriptor.)"""
    try:
        info = (home / LOCK_FILE).stat()
    except FileNotFoundError:
        return []
    device = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    pids = []
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "->" in fields:  # a waiter's line ("1: -> FLOCK ..."): not a holder
            continue
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == device:
            pids.append(int(fields[4]))
    return pids


def owner(home: Path) -> Optional[dict]:
    """registry.owner as JSON (who took the lock last; for messages only), None if unreadable."""
    try:
        return json.loads((home / OWNER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def slowed(seconds: float, syscall: str = "fsync") -> list[str]:
    """A command prefix that delays every `syscall` of the command (and its threads and
    children) by `seconds` (strace's fault injection). portplan fsyncs only the files it
    renames into place (the registry, a .env), so `fsync` holds a writer in the middle of its
    write: the lock taken, the owner file written, the temporary file complete."""
    strace = shutil.which("strace")
    assert strace, "strace is needed to slow a writer down (apt-get install strace)"
    return [
        strace,
        "-f",
        "-q",
        "-o",
        "/dev/null",
        "-e",
        f"trace={syscall}",
        "-e",
        f"inject={syscall}:delay_enter={int(seconds * 1_000_000)}",
    ]


def flock_trace(log: Path) -> list[str]:
    """A command prefix that logs the command's flock(2) calls (and its children's) to LOG."""
    strace = shutil.which("strace")
    assert strace, "strace is needed (apt-get install strace)"
    return [strace, "-f", "-q", "-o", str(log), "-e", "trace=flock"]


def met_a_held_lock(log: Path) -> bool:
    """Whether a flock_trace LOG shows a try that found the lock held."""
    return any("LOCK_NB" in line and "EAGAIN" in line for line in log.read_text().splitlines())


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (children first), from /proc."""
    found = []
    todo = [pid]
    while todo:
        current = todo.pop(0)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.append(child)
                    todo.append(child)
    return found


def command_line(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def cli_process(pid: int) -> Optional[int]:
    """The portplan CLI process among `pid` and its descendants (a Python or Node running
    `-m portplan` or `portplan.js`), None if not started yet."""
    for candidate in [pid, *descendants(pid)]:
        words = command_line(candidate)
        if not words or not Path(words[0]).name.startswith(("python", "node")):
            continue  # strace, unshare, sh: their arguments name portplan too
        if "portplan" in words or any(word.endswith("portplan.js") for word in words):
            return candidate
    return None


class Frozen:
    """A CLI run that stops itself in the middle of its first fsync (strace injects SIGSTOP
    there): for a registry write, with the lock held, the owner file written and the temporary
    file complete; for `env --write`, with the new .env staged beside the old. `prefix` goes
    before strace (e.g. `unshare --pid ...`). `resume()` lets it go on."""

    def __init__(
        self, language: str, args: Sequence[str], cwd: Path, env: dict[str, str], prefix: Sequence[str] = ()
    ) -> None:
        strace = shutil.which("strace")
        assert strace, "strace is needed to stop a writer mid-way (apt-get install strace)"
        handle, log = tempfile.mkstemp(prefix="portplan-frozen-", suffix=".log")
        os.close(handle)
        self.log = Path(log)
        stop = [strace, "-f", "-q", "-o", log, "-e", "trace=fsync", "-e", "inject=fsync:signal=SIGSTOP:when=1"]
        self.process = subprocess.Popen(
            [*prefix, *stop, *CLIS[language], *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_for(self._stopped, f"{language} {' '.join(args)} stopped in its write")
        pid = cli_process(self.process.pid)
        assert pid is not None
        self.pid: int = pid

    def _stopped(self) -> bool:
        if self.process.poll() is not None:
            out, err = self.process.communicate()
            raise AssertionError(f"ended before it stopped ({self.process.returncode}): {out} {err}")
        # strace logs the group stop its SIGSTOP caused (the process and each of its threads).
        return "--- stopped by SIGSTOP ---" in self.log.read_text()

    def resume(self) -> None:
        """Lets it go on (nothing to do when it was killed and reaped meanwhile)."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGCONT)

    def finish(self, timeout: float = 120) -> subprocess.CompletedProcess:
        try:
            out, err = self.process.communicate(timeout=timeout)
        finally:
            self.log.unlink(missing_ok=True)
        return subprocess.CompletedProcess(self.process.args, self.process.returncode, out, err)


def mount_tmpfs(folder: Path, size: str) -> str:
    """Mounts a small tmpfs on `folder` (created); the reason it cannot, or ''."""
    if not IS_ROOT:
        return "mounting a tmpfs needs root"
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    return "" if done.returncode == 0 else f"cannot mount a tmpfs here: {done.stderr.decode().strip()}"


def fill(folder: Path) -> list[Path]:
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
