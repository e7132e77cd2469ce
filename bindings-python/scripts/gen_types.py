"""Writes python/portplan/_schema.py, the Python types (TypedDicts) of the core's requests and
answers, from the JSON Schema the core generates from its Rust types
(core/schema/portplan.schema.json), with datamodel-code-generator, formatted by ruff as the
rest of the package. One source for the types: tests/test_types.py fails when the committed
file is not what this script gives.

    python bindings-python/scripts/gen_types.py           (regenerate after the schema changed)
    python bindings-python/scripts/gen_types.py --check   (exit 1 when the file is not current)

Both tools are pinned and kept in a venv of their own (in the tool cache, as tests/tools does),
so the test venv gets neither pydantic nor typing_extensions: the package must import without
them on every Python it supports (3.9+).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
REPO = PACKAGE_DIR.parent
SCHEMA = REPO / "core" / "schema" / "portplan.schema.json"
OUTPUT = PACKAGE_DIR / "python" / "portplan" / "_schema.py"
COMMAND = "python bindings-python/scripts/gen_types.py"
PINS = ("datamodel-code-generator==0.97.0", "ruff==0.17.5")

HEADER = f"""\
# The core's request and answer types, generated from core/schema/portplan.schema.json by
# `{COMMAND}`; do not edit (tests/test_types.py checks that it is current).
# ruff: noqa: E501"""

# The generator writes for Python 3.10 at the oldest; these keep the file importable on 3.9:
# `Optional`/`Union` rather than `X | Y` (functional TypedDicts evaluate their types at import),
# no PEP 728 `closed=` (typing.TypedDict of 3.9-3.12 refuses it), and the three names typing
# lacks before 3.10/3.11 from portplan._compat, never from typing_extensions (not a dependency).
OPTIONS = (
    "--input-file-type=jsonschema",
    "--output-model-type=typing.TypedDict",
    "--preset=standard-py310-20261113",
    "--reuse-model",
    "--collapse-reuse-models",
    "--use-tag-as-union-variant-name",
    "--no-use-union-operator",
    "--no-use-closed-typed-dict",
    "--disable-timestamp",
    "--use-schema-description",
    "--use-field-description",
    "--formatters=builtin",
    "--import-overrides=" + json.dumps(dict.fromkeys(("NotRequired", "TypeAlias", "TypedDict"), "portplan._compat")),
)


def tools_venv() -> Path:
    """The venv with the pinned generator and ruff, made on first use."""
    cache = Path(os.environ.get("PORTPLAN_TOOLS") or Path.home() / ".cache" / "portplan-tools")
    venv = cache / "venvs" / "python-codegen"
    stamp = venv / "pins.txt"
    wanted = "\n".join(PINS) + "\n"
    if not stamp.exists() or stamp.read_text(encoding="utf-8") != wanted:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        subprocess.run([*pip, *PINS], check=True)
        stamp.write_text(wanted, encoding="utf-8")
    return venv


def generate() -> str:
    """The text _schema.py must hold for the schema as it is now."""
    bin_dir = tools_venv() / "bin"
    with tempfile.TemporaryDirectory(prefix="portplan-types-") as folder:
        output = Path(folder) / "_schema.py"
        subprocess.run(
            [
                str(bin_dir / "datamodel-codegen"),
                f"--input={SCHEMA}",
                f"--output={output}",
                f"--custom-file-header={HEADER}",
                *OPTIONS,
            ],
            check=True,
            capture_output=True,  # its warnings (formats it does not map, such as uint16) are noise here
        )
        ruff = [str(bin_dir / "ruff"), "--quiet"]
        config = f"--config={REPO / 'ruff.toml'}"
        subprocess.run([*ruff, "check", config, "--fix", str(output)], check=True)
        subprocess.run([*ruff, "format", config, str(output)], check=True)
        return output.read_text(encoding="utf-8")


def main(argv: list[str]) -> int:
    expected = generate()
    if "--check" in argv:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != expected:
            print(f"{OUTPUT.relative_to(REPO)} is not current: run `{COMMAND}`", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(expected, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
