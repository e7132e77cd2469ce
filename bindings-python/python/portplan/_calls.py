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
    from typing import Any, Optional, Union

    from ._schema import (
        Answer1 as PortsAnswer,
    )
    from ._schema import (
        AnswerExit,
        AnswerLeases,
        AnswerPort,
        AnswerPreview,
        AnswerReleased,
        CallOptions,
        Lease,
        ProjectPlan,
        Start,
        StartListen,
    )
    from ._session import Listen


def _answer(start: Start, listen: Optional[Listen] = None) -> Any:
    """The answer of the call `start`, of the shape its call answers; an error is raised."""
    answer = run(start, listen)
    if "error" in answer:
        raise from_answer(answer["error"])
    return answer


def ports(names: Sequence[str], options: CallOptions) -> PortsAnswer:
    """The ports of `names`, probed and leased, and the namespace they are leased in."""
    answer: PortsAnswer = _answer({"host": facts(), "call": "ports", "names": list(names), "options": options})
    return answer


def listen(name: str, options: CallOptions, address: Optional[str], listener: Listen) -> int:
    """Starts the caller's server (`listener`) on the port of `name`, then leases it: the port."""
    start: StartListen = {"host": facts(), "call": "listen", "name": name, "options": options}
    if address is not None:
        start["address"] = address
    answer: AnswerPort = _answer(start, listener)
    return answer["port"]


def release(name: Optional[str], all: bool, options: CallOptions) -> list[Lease]:
    """Frees this checkout's lease of `name`, or with `all` every lease of its namespace."""
    answer: AnswerReleased = _answer({"host": facts(), "call": "release", "name": name, "all": all, "options": options})
    return answer["released"]


def leases() -> list[Lease]:
    """Every lease of the registry."""
    answer: AnswerLeases = _answer({"host": facts(), "call": "leases"})
    return answer["leases"]


def plan(names: Sequence[str], options: CallOptions) -> ProjectPlan:
    """The project's plan against the registry, read-only (`portplan plan`)."""
    answer: ProjectPlan = _answer({"host": facts(), "call": "plan", "names": list(names), "options": options})
    return answer


def cli(argv: Sequence[str]) -> Union[AnswerExit, AnswerPreview]:
    """Runs a command line (its output printed): the exit code, or the preview to serve."""
    answer: Union[AnswerExit, AnswerPreview] = _answer({"host": facts(), "call": "cli", "argv": list(argv)})
    return answer
