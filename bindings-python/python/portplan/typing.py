"""The core's JSON shapes as Python types, by their public names.

Every type is generated from the core's JSON Schema (core/schema/portplan.schema.json) into
`portplan._schema` (scripts/gen_types.py; tests/test_types.py checks it is current); this module
only names the ones a user meets: `Plan.to_dict()` is a `PlanDict`, `Entry.reason` a
`ReasonDict`, `PortplanError.to_dict()` an `ErrorDict`, `plan()` takes a `ConfigDict`. The
unions the generator writes inline (a reason, a service value) are named here from its parts;
tests/test_types.py holds them to the generated fields.
"""

from __future__ import annotations

from typing import Literal, Union

from ._schema import (
    CallOptions,
    ErrorKind,
    HashKind,
    Holder,
    Layout,
    ReasonBlock,
    ReasonDisplacedBusy,
    ReasonDisplacedExcluded,
    ReasonDisplacedLease,
    ReasonDisplacedPinned,
    ReasonDisplacedRange,
    ReasonDisplacedService,
    ReasonDisplacedUnsafe,
    ReasonHome,
    ReasonKept,
    ReasonPinned,
    ReasonSequential,
)
from ._schema import (
    ConfigInput1 as ConfigDict,
)
from ._schema import (
    Entry as EntryDict,
)
from ._schema import (
    Lease as LeaseDict,
)
from ._schema import (
    PlanAnswer as PlanDict,
)
from ._schema import (
    PlanError as ErrorDict,
)
from ._schema import (
    ProjectPlan as ProjectPlanDict,
)

HashName = HashKind
"""How a service's home port is computed (SPEC §4): `sha256` or `lagom`."""

ServiceValue = Union[bool, int]
"""A service of a config: `True` (any port), a port (pinned), or `False` (declared, no port)."""

ExcludeEntry = Union[int, tuple[int, int]]
"""An excluded port, or an inclusive `[first, last]` range of them."""

ReasonKind = Literal["pinned", "home", "displaced", "sequential", "block", "kept"]
"""What `Entry.kind` says."""

DisplacedReason = Union[
    ReasonDisplacedService,
    ReasonDisplacedPinned,
    ReasonDisplacedLease,
    ReasonDisplacedBusy,
    ReasonDisplacedExcluded,
    ReasonDisplacedUnsafe,
    ReasonDisplacedRange,
]
"""A service moved off its home port; `by` says what held the home (one shape per holder)."""

ReasonDict = Union[ReasonPinned, ReasonHome, DisplacedReason, ReasonSequential, ReasonBlock, ReasonKept]
"""Why a service has its port; `kind` tells which of the shapes it is."""

PinnedReason = ReasonPinned
HomeReason = ReasonHome
SequentialReason = ReasonSequential
BlockReason = ReasonBlock
KeptReason = ReasonKept

__all__ = [
    "BlockReason",
    "CallOptions",
    "ConfigDict",
    "DisplacedReason",
    "EntryDict",
    "ErrorDict",
    "ErrorKind",
    "ExcludeEntry",
    "HashName",
    "Holder",
    "HomeReason",
    "KeptReason",
    "Layout",
    "LeaseDict",
    "PinnedReason",
    "PlanDict",
    "ProjectPlanDict",
    "ReasonDict",
    "ReasonKind",
    "SequentialReason",
    "ServiceValue",
]
