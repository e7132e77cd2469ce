"""portplan: deterministic, collision-free ports for dev servers, test workers and scripts.

    >>> import portplan
    >>> portplan.port("web")            # stable, probed and leased in the registry
    21225
    >>> sock = portplan.bind("api")     # already bound and listening: hand it to the server

All deciding is done by the portplan core (a Rust extension); this package does the I/O:
config files, probes, the registry and its lock, the CLI. The types of the core's JSON
shapes (`PlanDict`, `ReasonDict`, `ConfigDict`, ...) are in `portplan.typing`.
"""

from __future__ import annotations

from ._allocate import Lease, leases, port, ports, release
from ._bind import bind
from ._native import __version__
from ._plan import Entry, Plan, plan
from ._probe import probe
from .errors import PlanError, PortInUseError, PortplanError, RegistryError
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
