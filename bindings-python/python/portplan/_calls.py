"""The core's calls, one typed function each (docs/host-protocol.md): every request the package
makes goes through one of these. Each starts a session with this process' facts, runs it, and
gives the answer, or raises the core's error as its exception (errors.py)."""

from __future__ import annotations

from ._host import facts
from ._session import run
from .errors import from_answer

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Optional, Union

    from ._schema import (
        Answer,
        Answer1 as PortsAnswer,
        AnswerExit,
        AnswerPreview,
        CallOptions,
        Lease,
        ProjectPlan,
        Start,
    )
    from ._session import Listen


def _answer(start: Start, listen: Optional[Listen] = None) -> Answer:
    answer = run(start, listen)
    if "error" in answer:
        raise from_answer(answer["error"])
    return answer


def ports(names: Sequence[str], options: CallOptions) -> PortsAnswer:
    """The ports of `names`, probed and leased, and the namespace they are leased in."""
    answer = _answer({"host": facts(), "call": "ports", "names": list(names), "options": options})
    return answer  # type: ignore[return-value]


def listen(name: str, options: CallOptions, address: Optional[str], listener: Listen) -> int:
    """Starts the caller's server (`listener`) on the port of `name`, then leases it: the port."""
    start: Start = {"host": facts(), "call": "listen", "name": name, "options": options}
    if address is not None:
        start["address"] = address
    answer = _answer(start, listener)
    port: int = answer["port"]  # type: ignore[typeddict-item]
    return port


def release(name: Optional[str], all: bool, options: CallOptions) -> list[Lease]:
    """Frees this checkout's lease of `name`, or with `all` every lease of its namespace."""
    answer = _answer({"host": facts(), "call": "release", "name": name, "all": all, "options": options})
    released: list[Lease] = answer["released"]  # type: ignore[typeddict-item]
    return released


def leases() -> list[Lease]:
    """Every lease of the registry."""
    answer = _answer({"host": facts(), "call": "leases"})
    found: list[Lease] = answer["leases"]  # type: ignore[typeddict-item]
    return found


def plan(names: Sequence[str], options: CallOptions) -> ProjectPlan:
    """The project's plan against the registry, read-only (`portplan plan`)."""
    answer = _answer({"host": facts(), "call": "plan", "names": list(names), "options": options})
    return answer  # type: ignore[return-value]


def cli(argv: Sequence[str]) -> Union[AnswerExit, AnswerPreview]:
    """Runs a command line (its output printed): the exit code, or the preview to serve."""
    answer = _answer({"host": facts(), "call": "cli", "argv": list(argv)})
    return answer  # type: ignore[return-value]
