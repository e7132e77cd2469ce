"""Bad input, in both CLIs: the same message and exit code, nothing overwritten or lost,
and docs/errors.md lists exactly what they print (error_table.py writes it)."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from error_table import CASES, DOC, LEASE, LOCK_FILES, Case, case_base, run_case, table


@pytest.fixture(scope="module")
def base():
    path = case_base()
    yield path
    subprocess.run(["chmod", "-R", "u+rwx", str(path.parent)], check=False)
    shutil.rmtree(path.parent, ignore_errors=True)


OUTCOMES: dict[str, object] = {}


def changed(before: dict, after: dict) -> set[str]:
    """The files that differ, but for the lock's own (LOCK_FILES): they hold no lease."""
    keys = before.keys() | after.keys()
    return {key for key in keys if before.get(key) != after.get(key) and key not in LOCK_FILES}


@pytest.mark.parametrize("case", CASES, ids=[case.title for case in CASES])
def test_both_clis_say_the_same_and_change_nothing(case: Case, base: Path) -> None:
    python = run_case(case, "python", base)
    node = run_case(case, "node", base)
    OUTCOMES[case.title] = python
    assert (node.exit, node.stdout, node.stderr) == (python.exit, python.stdout, python.stderr)
    for outcome in (python, node):
        if outcome.exit != 0:
            assert outcome.stdout == ""
            assert outcome.stderr.startswith("portplan: error: ")
            assert outcome.stderr.count("\n") == 1, "one line, never a traceback"
            assert changed(outcome.before, outcome.after) == set(), "a failing command changes no file"
        else:
            extra = {
                key
                for key in changed(outcome.before, outcome.after)
                if not any(key == allowed or key.startswith(allowed + "/") for allowed in case.may_change)
            }
            assert extra == set(), f"unexpected changes: {extra}"
    if python.exit == 0:
        assert python.stdout.strip().isdigit()
        if "home/registry.json" in python.before:
            registry = json.loads((base / "home" / "registry.json").read_text())
            assert registry["version"] == 2, "a version 1 registry is upgraded at a write"
            # A version 1 lease that no checkout adopted is kept, with no root.
            assert {**LEASE, "root": None} in registry["leases"], "the lease that was there is kept"
        assert not list((base / "home").glob("registry.json.tmp.*")), "no temporary file left"
        assert stat.S_IMODE((base / "home").stat().st_mode) in (0o700, 0o755)
        if case.title == "PORTPLAN_HOME does not exist":
            assert stat.S_IMODE((base / "home").stat().st_mode) == 0o700


def test_docs_errors_md_is_what_the_clis_print(base: Path) -> None:
    """Runs after the cases above (same module); regenerate with error_table.py."""
    rows = [(case, OUTCOMES.get(case.title) or run_case(case, "python", base)) for case in CASES]
    assert DOC.read_text(encoding="utf-8") == table(rows, base), (
        "docs/errors.md is out of date: run .venv/bin/python tests/reliability/error_table.py"
    )
