"""`run` of a .cmd/.bat shim on Windows (npx, vite, pnpm): the command line cmd.exe gets is
escaped exactly as cross-spawn, the Node host's library, escapes it. Checked here against
cross-spawn itself (the npm package's own dependency, run by Node), since no Windows runs
these tests: any string, with cmd's metacharacters, quotes and backslashes."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

from portplan import _spawn

CROSS_SPAWN = Path(__file__).resolve().parents[2] / "bindings-js" / "node_modules" / "cross-spawn"

# cmd's metacharacters, quotes, backslashes, spaces, letters, and a few beyond ASCII.
ALPHABET = "()[]%!^\"`<>&|;, *?\\/ \tabcXYZ019-=$'.é中"

SAMPLES = [
    "",
    "plain",
    "with space",
    'a"b',
    'a\\"b',
    "ends with backslash\\",
    "ends with two\\\\",
    "%PATH%",
    "!x!",
    "a&calc.exe",
    "a|b",
    "^",
    '"quoted"',
    "C:\\Program Files\\x\\",
    "--base=/a&b/",
]


def cross_spawn_escapes(arguments: list[str]) -> list[dict[str, str]]:
    """cross-spawn's `command` and `argument` (single and double) of each string."""
    node = shutil.which("node")
    assert node, "node is needed (make test installs it; so does CI)"
    assert (CROSS_SPAWN / "lib" / "util" / "escape.js").is_file(), f"{CROSS_SPAWN} is missing: make build-js"
    script = (
        f"const escape = require({json.dumps(str(CROSS_SPAWN / 'lib' / 'util' / 'escape.js'))});"
        "const all = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify(all.map((a) => ({"
        "command: escape.command(a), single: escape.argument(a, false), double: escape.argument(a, true)}))));"
    )
    done = subprocess.run([node, "-e", script], input=json.dumps(arguments), capture_output=True, text=True, check=True)
    answer: list[dict[str, str]] = json.loads(done.stdout)
    return answer


def test_arguments_and_commands_are_escaped_as_cross_spawn_escapes_them() -> None:
    rng = random.Random(20261205)
    randoms = ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 12))) for _ in range(2000)]
    arguments = SAMPLES + randoms
    expected = cross_spawn_escapes(arguments)
    for argument, want in zip(arguments, expected):
        assert _spawn.cmd_escape_command(argument) == want["command"], argument
        assert _spawn.cmd_escape_argument(argument, False) == want["single"], argument
        assert _spawn.cmd_escape_argument(argument, True) == want["double"], argument


def test_a_shim_line_runs_through_cmd_with_every_argument_escaped() -> None:
    # An npm shim in node_modules\.bin: its arguments escaped twice (cmd reads them twice).
    line = _spawn.cmd_line(["vite", "--port", "41000", "a&b"], "C:\\app\\node_modules\\.bin\\vite.CMD")
    assert line == 'cmd.exe /d /s /c "vite ^^^"--port^^^" ^^^"41000^^^" ^^^"a^^^&b^^^""'
    # Another .cmd (npx itself, in Node's folder): escaped once; a posix path made Windows'.
    line = _spawn.cmd_line(["./tools/npx", "%HOME%"], "C:\\Program Files\\nodejs\\npx.cmd")
    assert line == 'cmd.exe /d /s /c "tools\\npx ^"^%HOME^%^""'


def test_cmd_exe_is_where_the_environment_says() -> None:
    assert _spawn.cmd_exe({"COMSPEC": "D:\\Windows\\system32\\cmd.exe"}) == "D:\\Windows\\system32\\cmd.exe"
    assert _spawn.cmd_exe({}) == "cmd.exe"
