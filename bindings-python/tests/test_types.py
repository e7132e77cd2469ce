"""The package's types come from one source, the core's JSON Schema: portplan/_schema.py must be
exactly what scripts/gen_types.py makes of it, portplan.typing's names must be the generated
types, and the generated file must import on every Python the package supports."""

from __future__ import annotations

import subprocess
import sys
import typing
from typing import Union, get_args, get_type_hints

import portplan.typing as public
from conftest import REPO
from portplan import _schema

GENERATOR = REPO / "bindings-python" / "scripts" / "gen_types.py"


def test_the_generated_types_are_current() -> None:
    done = subprocess.run([sys.executable, str(GENERATOR), "--check"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_the_public_names_are_the_generated_types() -> None:
    assert public.PlanDict is _schema.PlanAnswer
    assert public.EntryDict is _schema.Entry
    assert public.LeaseDict is _schema.Lease
    assert public.ErrorDict is _schema.PlanError
    assert public.ConfigDict is _schema.ConfigInput1
    assert get_args(public.Layout) == ("hash", "sequential", "block")
    assert get_args(public.HashName) == ("sha256", "lagom")


def _flat(union: object) -> set[object]:
    found: set[object] = set()
    for arg in get_args(union):
        found |= _flat(arg) if typing.get_origin(arg) is Union else {arg}
    return found


def test_the_named_unions_are_the_generated_fields() -> None:
    reason = get_type_hints(_schema.Entry)["reason"]
    assert _flat(public.ReasonDict) == _flat(reason)
    kinds = {get_args(get_type_hints(variant)["kind"])[0] for variant in _flat(reason)}
    assert kinds == set(get_args(public.ReasonKind))
    services = get_type_hints(_schema.ConfigInput1)["services"]
    assert set(get_args(services)[1].__args__) == set(get_args(public.ServiceValue))


def test_the_generated_types_import_where_typing_lacks_notrequired() -> None:
    """Python 3.9 and 3.10 have no typing.NotRequired (nor 3.9 TypeAlias): _compat's stand-ins,
    taken as on those versions, must let _schema import, functional TypedDicts included."""
    code = (
        "import sys; sys.version_info = (3, 9, 0, 'final', 0); import typing;"
        "from portplan import _schema, typing as public;"
        "print(_schema.ReplyReadFile.__name__, public.ReasonDict is not None)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout) == (0, "ReplyReadFile True\n"), done.stderr
