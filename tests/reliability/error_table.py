"""Every bad input tried on both CLIs, and what each prints: writes docs/errors.md.

    .venv/bin/python tests/reliability/error_table.py     # rewrite docs/errors.md

test_bad_input.py runs the same cases and checks that both languages print the same bytes
and exit code, that no file is changed, and that docs/errors.md is this script's output."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from reliability_helpers import CLIS, IS_ROOT, ROOT, as_user, cli_env, snapshot

DOC = ROOT / "docs" / "errors.md"
# The kernel lock's files (docs/registry.md): `registry.lock`, created once and never deleted,
# and `registry.owner`, who took the lock last (for messages). A command that takes the lock
# may create or rewrite them, also when it then fails: they hold no lease.
LOCK_FILES = ("home/registry.lock", "home/registry.owner")
BASE_PORT = 47000  # this file's ports: 47000-47099
LEASE = {"namespace": "project", "name": "kept", "port": 47050, "created": 1795000000, "used": 1795000000}
GOOD_REGISTRY = json.dumps({"version": 1, "leases": [LEASE]}, indent=2) + "\n"
NOBODY = "nobody"


@dataclass
class Case:
    title: str
    # (project folder, home folder) -> None: sets the case up.
    setup: Callable[[Path, Path], None]
    args: list[str] = field(default_factory=lambda: ["get", "web"])
    config: Optional[str] = f"range = [{BASE_PORT}, {BASE_PORT + 99}]\n"
    as_nobody: bool = False  # permission cases: root reads anything, so run as `nobody`
    home: str = "home"  # PORTPLAN_HOME, relative to the case folder
    # Files the command may create or change (a success case): everything else is untouched,
    # but for the lock's own two (LOCK_FILES).
    may_change: tuple[str, ...] = ()
    hold: Optional[int] = None  # a port held (TCP, 0.0.0.0) while the command runs


def config_case(title: str, config: str, args: Optional[list[str]] = None) -> Case:
    return Case(title, lambda p, h: None, args or ["get", "web"], config)


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def registry(text: str) -> Callable[[Path, Path], None]:
    return lambda p, h: write(h / "registry.json", text)


def chown_tree(path: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    for item in [path, *path.rglob("*")]:
        os.lchown(item, entry.pw_uid, entry.pw_gid)


def unreadable(p: Path, h: Path) -> None:
    write(h / "registry.json", GOOD_REGISTRY)
    if IS_ROOT:
        chown_tree(h, NOBODY)
    os.chmod(h / "registry.json", 0o000)


def not_writable_home(p: Path, h: Path) -> None:
    write(h / "registry.json", GOOD_REGISTRY)
    os.chmod(h / "registry.json", 0o644)
    if IS_ROOT:
        chown_tree(h, NOBODY)  # the registry is the user's own, its folder read-only
    os.chmod(h, 0o555)  # nobody (or, not as root, its owner) cannot create the lock


def dead_pid_owner(p: Path, h: Path) -> None:
    """The lock free, its owner file naming a pid that is gone (the owner died: the kernel
    released its lock)."""
    write(h / "registry.json", GOOD_REGISTRY)
    child = subprocess.Popen(["true"])
    child.wait()
    write(h / "registry.owner", json.dumps({"pid": child.pid, "host": socket.gethostname(), "time": 1}))


def symlink(p: Path, h: Path) -> None:
    write(p / "victim.json", GOOD_REGISTRY)
    (h / "registry.json").symlink_to(p / "victim.json")


def other_owner(p: Path, h: Path) -> None:
    write(h / "registry.json", GOOD_REGISTRY)
    entry = pwd.getpwnam(NOBODY)
    os.lchown(h / "registry.json", entry.pw_uid, entry.pw_gid)


def lock_is_directory(p: Path, h: Path) -> None:
    write(h / "registry.json", GOOD_REGISTRY)
    (h / "registry.lock").mkdir()


def owner_is_directory(p: Path, h: Path) -> None:
    write(h / "registry.json", GOOD_REGISTRY)
    (h / "registry.owner").mkdir()


def owner_text(text: str) -> Callable[[Path, Path], None]:
    """The lock free, its owner file holding `text` beside a good registry."""

    def setup(p: Path, h: Path) -> None:
        write(h / "registry.json", GOOD_REGISTRY)
        write(h / "registry.owner", text)

    return setup


def lock_fifo(p: Path, h: Path) -> None:
    write(h / "registry.json", GOOD_REGISTRY)
    os.mkfifo(h / "registry.lock")


def lock_link(target: str) -> Callable[[Path, Path], None]:
    def setup(p: Path, h: Path) -> None:
        write(h / "registry.json", GOOD_REGISTRY)
        (h / "registry.lock").symlink_to(target)

    return setup


def old_version_lock(p: Path, h: Path) -> None:
    """The lock file and break marker of the version before the kernel lock, left behind by a
    process that died: not portplan's files any more."""
    dead_pid_owner(p, h)
    (h / "registry.owner").unlink()
    child = subprocess.Popen(["true"])
    child.wait()
    write(h / "registry.json.lock", json.dumps({"pid": child.pid, "host": socket.gethostname(), "time": 1}))
    write(h / "registry.json.lock.break", "breaking\n")


def registry_fifo(p: Path, h: Path) -> None:
    os.mkfifo(h / "registry.json")


def home_is_file(p: Path, h: Path) -> None:
    h.rmdir()
    write(h, "not a folder\n")


def home_missing(p: Path, h: Path) -> None:
    h.rmdir()


def home_under_unwritable(p: Path, h: Path) -> None:
    h.rmdir()
    os.chmod(h.parent, 0o555)  # nobody cannot create home/ in it


def pyproject_without_section(p: Path, h: Path) -> None:
    write(p / "pyproject.toml", '[project]\nname = "x"\n')


def unreadable_file(name: str, text: str) -> Callable[[Path, Path], None]:
    """A file of the project that only root can read (the case runs as `nobody`)."""

    def setup(p: Path, h: Path) -> None:
        write(p / name, text)
        os.chmod(p / name, 0o000)

    return setup


def project_file(name: str, text: str) -> Callable[[Path, Path], None]:
    return lambda p, h: write(p / name, text)


def registry_of_version_1(p: Path, h: Path) -> None:
    write(h / "registry.json", GOOD_REGISTRY)


def env_file(data: bytes) -> Callable[[Path, Path], None]:
    return lambda p, h: (p / ".env").write_bytes(data)


def env_file_fifo(p: Path, h: Path) -> None:
    os.mkfifo(p / ".env")


ENV_BLOCK_START = b"# >>> portplan: generated by portplan env --write; edits inside are replaced >>>\n"
ENV_BLOCK_END = b"# <<< portplan <<<\n"


CASES: list[Case] = [
    # Configs: the spec's error list (§2), one fault each.
    config_case("range reversed", "range = [47099, 47000]\n"),
    config_case("range beyond 65535", "range = [47000, 70000]\n"),
    config_case("range of three numbers", "range = [47000, 47010, 47020]\n"),
    config_case("unknown layout", 'range = [47000, 47099]\nlayout = "spiral"\n'),
    config_case("unknown hash", 'range = [47000, 47099]\nhash = "md5"\n'),
    config_case("lagom with a namespace", 'range = [47000, 47099]\nhash = "lagom"\nnamespace = "shop"\n'),
    config_case("bad exclude entry", 'range = [47000, 47099]\nexclude = ["http"]\n'),
    config_case("block_size 0", 'range = [47000, 47099]\nlayout = "block"\nblock_size = 0\n'),
    config_case("block larger than the range", 'range = [47000, 47009]\nlayout = "block"\nblock_size = 16\n'),
    config_case("namespace with a control character", 'range = [47000, 47099]\nnamespace = "a\\u0007b"\n'),
    config_case("service value neither true nor a port", 'range = [47000, 47099]\n[services]\napi = "yes"\n'),
    config_case("service port 0", "range = [47000, 47099]\n[services]\napi = 0\n"),
    config_case("browser_safe not a boolean", 'range = [47000, 47099]\nbrowser_safe = "yes"\n'),
    config_case("asking for a service set to false", "range = [47000, 47099]\n[services]\nweb = false\n"),
    # A name the config declares (an undeclared one is refused first: "no service named").
    config_case(
        "two services pin one port", "range = [47000, 47099]\n[services]\napi = 47010\ndb = 47010\n", ["get", "api"]
    ),
    config_case(
        "not enough free ports", "range = [47000, 47001]\n[services]\na = true\nb = true\nc = true\n", ["get", "a"]
    ),
    config_case(
        "a name the config does not declare", "range = [47000, 47099]\n[services]\nweb = true\n", ["get", "wbe"]
    ),
    Case(
        "pinned port in use on the host (a pin is never probed)",
        lambda p, h: None,
        ["get", "api"],
        "range = [47000, 47099]\n[services]\napi = 47020\n",
        hold=47020,  # and nothing is written: a pin is never leased
    ),
    config_case("not TOML", "range = [47000, \n"),
    config_case("unknown key", "range = [47000, 47099]\nrnage = 1\n"),
    Case("--config FILE missing", lambda p, h: None, ["--config", "missing.toml", "get", "web"]),
    Case(
        "--config pyproject.toml without [tool.portplan]",
        pyproject_without_section,
        ["--config", "pyproject.toml", "get", "web"],
    ),
    Case(
        "--config FILE unreadable",
        unreadable_file("ports.toml", "range = [47000, 47099]\n"),
        ["--config", "ports.toml", "get", "web"],
        as_nobody=True,
    ),
    Case("--config FILE is a folder", lambda p, h: (p / "ports").mkdir(), ["--config", "ports", "get", "web"]),
    Case(
        "--config FILE is a symlink loop",
        lambda p, h: (p / "ports.toml").symlink_to(p / "ports.toml"),
        ["--config", "ports.toml", "get", "web"],
    ),
    # Config files met on the way up (SPEC §7 discovery).
    Case("portplan.toml unreadable", unreadable_file("portplan.toml", "range = [47000, 47099]\n"), as_nobody=True),
    Case(
        "portplan.toml unreadable (plan)",
        unreadable_file("portplan.toml", "range = [47000, 47099]\n"),
        ["plan"],
        as_nobody=True,
    ),
    Case(
        "package.json unreadable, no portplan.toml", unreadable_file("package.json", "{}"), config=None, as_nobody=True
    ),
    Case("package.json not JSON, no portplan.toml", project_file("package.json", "{"), config=None),
    Case(
        "package.json over 1 MiB, no portplan.toml",
        project_file("package.json", '{"x": "' + "x" * (1 << 20) + '"}'),
        config=None,
    ),
    Case("pyproject.toml not TOML, no other config", project_file("pyproject.toml", "[project\n"), config=None),
    Case("package.json name not JSON beside portplan.toml", project_file("package.json", "{")),
    # Names on the command line.
    config_case("name of 256 bytes", f"range = [{BASE_PORT}, {BASE_PORT + 99}]\n", ["get", "n" * 256]),
    config_case("name of 86 three-byte characters (258 bytes)", "range = [47000, 47099]\n", ["get", "€" * 86]),
    config_case("empty name", "range = [47000, 47099]\n", ["get", ""]),
    config_case("name with a newline", "range = [47000, 47099]\n", ["get", "web\nPORT=1"]),
    config_case("name with a tab", "range = [47000, 47099]\n", ["get", "web\tx"]),
    config_case("name with a C1 control (NEL)", "range = [47000, 47099]\n", ["get", "web \x85x"]),
    config_case("name with a right-to-left override", "range = [47000, 47099]\n", ["get", "admin \u202egnp.exe"]),
    config_case("name with a line separator", "range = [47000, 47099]\n", ["get", "web \u2028x"]),
    # The registry file.
    Case("registry empty", registry("")),
    Case("registry truncated", registry(GOOD_REGISTRY[:40])),
    Case("registry of version 3", registry(GOOD_REGISTRY.replace('"version": 1', '"version": 3'))),
    Case("registry of version 1 (upgraded)", registry_of_version_1, may_change=("home/registry.json",)),
    Case("registry not JSON", registry("leases:\n  - web\n")),
    Case("registry JSON but not an object", registry("[]\n")),
    Case("registry lease with a port of 70000", registry(GOOD_REGISTRY.replace("47050", "70000"))),
    Case("registry not UTF-8", lambda p, h: (h / "registry.json").write_bytes(b"\xff\xfe{}")),
    Case("registry is a directory", lambda p, h: (h / "registry.json").mkdir()),
    Case("registry is a symlink", symlink),
    Case("registry is a symlink (ls)", symlink, ["ls"]),
    Case("registry unreadable", unreadable, as_nobody=True),
    Case("registry unreadable (ls)", unreadable, ["ls"], as_nobody=True),
    Case("registry owned by another user", other_owner),
    Case("registry truncated (ls)", registry(GOOD_REGISTRY[:40]), ["ls"]),
    Case("registry truncated (release)", registry(GOOD_REGISTRY[:40]), ["release", "kept"]),
    # The lock and PORTPLAN_HOME.
    Case("owner file naming a dead pid (the lock free)", dead_pid_owner, may_change=("home/registry.json",)),
    Case("lock is a directory", lock_is_directory),
    Case("lock is a FIFO", lock_fifo),
    Case("lock is a dangling symlink", lock_link("nowhere")),
    Case("lock is a symlink to /dev/zero", lock_link("/dev/zero")),
    Case("owner file is a directory", owner_is_directory),
    Case(
        "owner file nested 100,000 levels deep (the lock free)",
        owner_text("[" * 100_000 + "]" * 100_000),
        may_change=("home/registry.json",),
    ),
    Case(
        "owner file with pid 2**63 (the lock free)",
        owner_text('{"pid": 9223372036854775808, "host": "box", "time": 1}'),
        may_change=("home/registry.json",),
    ),
    Case(
        "owner file longer than 4096 bytes (the lock free)",
        owner_text(json.dumps({"pid": 1, "host": "box", "time": 1, "x": "y" * 5000})),
        may_change=("home/registry.json",),
    ),
    Case(
        "lock and break marker of the version before, left behind", old_version_lock, may_change=("home/registry.json",)
    ),
    Case("registry is a FIFO", registry_fifo),
    Case("registry with a 1 MB unknown key", registry(json.dumps({"version": 2, "leases": [], "k" * 1_000_000: 1}))),
    Case("portplan.toml with a 1 MB unknown key", lambda p, h: None, config=f"{'q' * 1_000_000} = 1\n"),
    Case(
        "env with colliding variable names",
        lambda p, h: None,
        ["env"],
        config=f"range = [{BASE_PORT}, {BASE_PORT + 99}]\n[services]\nweb-api = true\nweb_api = true\n",
    ),
    Case(
        "env --write: .env with two portplan blocks",
        env_file(b"A=1\n" + (ENV_BLOCK_START + ENV_BLOCK_END) * 2),
        ["env", "--write"],
    ),
    Case(
        "env --write: .env block without its end line",
        env_file(b"A=1\n" + ENV_BLOCK_START + b"WEB_PORT=1\n"),
        ["env", "--write"],
    ),
    Case("env --write: .env end line without a start", env_file(b"A=1\n" + ENV_BLOCK_END), ["env", "--write"]),
    Case("env --write: .env not UTF-8", env_file(b"A=\xff\xfe\n"), ["env", "--write"]),
    Case("env --write: .env is a FIFO", env_file_fifo, ["env", "--write"]),
    Case("env --write: .env is a folder", lambda p, h: (p / ".env").mkdir(), ["env", "--write"]),
    Case(
        "run: a service whose variable is a tool's (flask-run)",
        lambda p, h: None,
        ["run", "web", "--", "flask", "run"],
        config=f"range = [{BASE_PORT}, {BASE_PORT + 99}]\n[services]\nweb = true\nflask-run = true\n",
    ),
    Case("--write with another command", lambda p, h: None, ["get", "web", "--write"]),
    Case("--no-open with another command", lambda p, h: None, ["plan", "--no-open"]),
    Case("a service named --help", lambda p, h: None, ["get", "--", "--help"], may_change=("home/registry.json",)),
    Case("PORTPLAN_HOME does not exist", home_missing, may_change=("home",)),
    Case("PORTPLAN_HOME is a file", home_is_file),
    Case("PORTPLAN_HOME not writable", not_writable_home, as_nobody=True),
    Case("PORTPLAN_HOME missing, parent not writable", home_under_unwritable, as_nobody=True),
]


@dataclass
class Outcome:
    exit: int
    stdout: str
    stderr: str
    before: dict
    after: dict


def run_case(case: Case, language: str, base: Path) -> Outcome:
    """Sets the case up afresh in `base` (always the same path, so both languages print the
    same bytes), runs it, and snapshots the folder before and after."""
    if base.exists():
        subprocess.run(["chmod", "-R", "u+rwx", str(base)], check=True)
        shutil.rmtree(base)
    base.mkdir(parents=True)
    os.chmod(base, 0o755)
    folder, home = base / "project", base / "home"
    folder.mkdir()
    home.mkdir()
    if case.config is not None:
        write(folder / "portplan.toml", case.config)
    case.setup(folder, home)
    if case.as_nobody and IS_ROOT:
        chown_tree(folder, NOBODY)
    user = NOBODY if case.as_nobody and IS_ROOT else None
    before = snapshot(base)
    holder = None
    if case.hold:
        holder = socket.socket()
        holder.bind(("0.0.0.0", case.hold))
        holder.listen()
    try:
        done = subprocess.run(
            [*as_user(user), *CLIS[language], *case.args],
            cwd=folder,
            env=cli_env(base / case.home),
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        if holder:
            holder.close()
    return Outcome(done.returncode, done.stdout, done.stderr, before, snapshot(base))


def case_base() -> Path:
    # World-traversable, so the cases run as `nobody` can reach their files.
    parent = Path(tempfile.mkdtemp(prefix="portplan-errors-"))
    os.chmod(parent, 0o755)
    return parent / "case"


def shown(text: str, base: Path) -> str:
    text = text.replace(str(base / "home"), "$PORTPLAN_HOME").replace(str(base / "project"), "<project>")
    return text.strip().replace("|", "\\|").replace("\n", "⏎")


def table(rows: list[tuple[Case, Outcome]], base: Path) -> str:
    lines = [
        "# Bad input: what each CLI says",
        "",
        "Generated by `tests/reliability/error_table.py`; `tests/reliability/test_bad_input.py` checks",
        "that the Python and the Node CLI print exactly these bytes and exit codes, and that no",
        "file is changed (bytes, mode, mtime; the success rows may only create what they list).",
        "`$PORTPLAN_HOME` and `<project>` stand for the case's folders. Cases marked *(nobody)* run",
        "as the user `nobody` when the tests run as root (root reads and writes anything).",
        "",
        "| input | command | exit | stderr (or stdout when it succeeds) |",
        "|---|---|---|---|",
    ]
    for case, outcome in rows:
        title = case.title + (" *(nobody)*" if case.as_nobody else "")
        command = " ".join(
            "portplan" if i == 0 else json.dumps(a) if (not a or any(c in a for c in " \n\t")) or len(a) > 40 else a
            for i, a in enumerate(["portplan", *case.args])
        )
        if len(command) > 60:
            command = command[:57] + "…"
        message = outcome.stderr if outcome.exit else outcome.stdout
        lines.append(f"| {title} | `{command}` | {outcome.exit} | {shown(message, base)} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    base = case_base()
    try:
        rows = [(case, run_case(case, "python", base)) for case in CASES]
        DOC.write_text(table(rows, base), encoding="utf-8")
    finally:
        subprocess.run(["chmod", "-R", "u+rwx", str(base.parent)], check=False)
        shutil.rmtree(base.parent, ignore_errors=True)
    print(f"wrote {DOC.relative_to(ROOT)} ({len(CASES)} cases)")


if __name__ == "__main__":
    main()
