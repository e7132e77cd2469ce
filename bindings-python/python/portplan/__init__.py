"""portplan: deterministic, collision-free ports for dev servers, test workers and scripts.

    >>> import portplan
    >>> portplan.port("web")            # stable, probed and leased in the registry
    21225
    >>> sock = portplan.bind("api")     # already bound and listening: hand it to the server

Every call runs once in the portplan core (a Rust extension) as a session that decides
everything; this package only starts it with this process' facts and does the few effects
only Python can do (print, sleep, start a command, make the caller's socket). The types of the
core's JSON shapes (`PlanDict`, `ReasonDict`, `ConfigDict`, ...) are in `portplan.typing`,
generated from the core's JSON Schema.
"""

from __future__ import annotations

from ._api import leases, port, ports, release
from ._native import __version__
from .errors import PlanError, PortInUseError, PortplanError, RegistryError

TYPE_CHECKING = False  # typing is not imported at run time: a first port loads less
if TYPE_CHECKING:
    from typing import Any

    from ._bind import bind
    from ._lease import Lease
    from ._plan import Entry, Plan, plan
    from ._probe import probe
    from .typing import (
        ConfigDict,
        EntryDict,
        ErrorDict,
        HashName,
        Layout,
        LeaseDict,
        PlanDict,
        ReasonDict,
        ServiceValue,
    )

# Imported on first use (PEP 562), so a process that only asks for a port loads less.
_LAZY = {
    "bind": "._bind",
    "Entry": "._plan",
    "Lease": "._lease",
    "Plan": "._plan",
    "plan": "._plan",
    "probe": "._probe",
    **dict.fromkeys(
        (
            "ConfigDict",
            "EntryDict",
            "ErrorDict",
            "HashName",
            "Layout",
            "LeaseDict",
            "PlanDict",
            "ReasonDict",
            "ServiceValue",
        ),
        ".typing",
    ),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'portplan' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "ConfigDict",
    "Entry",
    "EntryDict",
    "ErrorDict",
    "HashName",
    "Layout",
    "Lease",
    "LeaseDict",
    "Plan",
    "PlanDict",
    "PlanError",
    "PortInUseError",
    "PortplanError",
    "ReasonDict",
    "RegistryError",
    "ServiceValue",
    "__version__",
    "bind",
    "leases",
    "plan",
    "port",
    "ports",
    "probe",
    "release",
]
