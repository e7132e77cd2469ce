"""The core's JSON shapes as Python types: what a config holds and what the core answers.

`Plan.to_dict()` is a `PlanDict`, `Entry.reason` a `ReasonDict`, `PortplanError.to_dict()` an
`ErrorDict`; `plan()` takes a `ConfigDict`; the core's `render_json` answers a
`RenderAnswerDict`. tests/test_schema.py holds these types to the core's JSON Schema
(core/schema/portplan.schema.json), so a field added on one side only fails the tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, Optional, TypedDict, Union

Layout = Literal["hash", "sequential", "block"]
"""How free services get their ports (SPEC §5)."""

HashName = Literal["sha256", "lagom"]
"""How a service's home port is computed (SPEC §4)."""

ServiceValue = Union[bool, int]
"""A service of a config: `True` (any port), a port (pinned), or `False` (declared, no port)."""

ExcludeEntry = Union[int, Sequence[int]]
"""An excluded port, or an inclusive `[first, last]` range of them."""


class ConfigDict(TypedDict, total=False):
    """A config (SPEC §1). Every key is optional; the defaults are the spec's."""

    range: Sequence[int]
    """`[min, max]`, inclusive."""
    layout: Layout
    hash: HashName
    namespace: str
    """Scopes the services; `"git"` means `<repo>@<branch>` of the current checkout."""
    block_size: int
    exclude: Sequence[ExcludeEntry]
    browser_safe: bool
    """`True` (default): ports that browsers refuse are never handed to a free service."""
    services: Mapping[str, ServiceValue]


ReasonKind = Literal["pinned", "home", "displaced", "sequential", "block", "kept"]

Holder = Literal["service", "pinned", "lease", "busy", "excluded", "unsafe", "range"]
"""What held a displaced service's home: a service given it earlier, a pin, another lease, a
busy port, an excluded port, a port browsers refuse, or (Lagom) a home outside the range."""


class PinnedReason(TypedDict):
    kind: Literal["pinned"]


class HomeReason(TypedDict):
    kind: Literal["home"]
    home: int


class _DisplacedKeys(TypedDict):
    kind: Literal["displaced"]
    home: int
    by: Holder


class DisplacedReason(_DisplacedKeys, total=False):
    service: str
    """The holder's service (`by` is `service`, `pinned` or `lease`)."""
    namespace: str
    """The holder's namespace (`by` is `lease`)."""
    root: Optional[str]
    """The holder lease's project root, when it is another checkout's (`by` is `lease`)."""


class SequentialReason(TypedDict):
    kind: Literal["sequential"]


class BlockReason(TypedDict):
    kind: Literal["block"]
    base: int
    offset: int


class KeptReason(TypedDict):
    kind: Literal["kept"]
    since: int
    """When the lease was made (Unix seconds)."""


ReasonDict = Union[PinnedReason, HomeReason, DisplacedReason, SequentialReason, BlockReason, KeptReason]
"""Why a service has its port; `kind` tells which of the shapes it is."""


class EntryDict(TypedDict):
    """One service of a plan."""

    name: str
    port: int
    reason: ReasonDict


class PlanDict(TypedDict):
    """A plan as the core answers it (`portplan plan --json`): entries sorted by UTF-8 name."""

    plan: list[EntryDict]
    namespace: str
    range: list[int]
    layout: Layout
    hash: HashName
    exclude: list[Union[int, list[int]]]


class LeaseDict(TypedDict):
    """A lease of the registry: `(namespace, name, root) → port`; times in Unix seconds."""

    namespace: str
    name: str
    root: Optional[str]
    """The project root of the checkout that holds it; None for a version 1 lease not yet adopted."""
    port: int
    created: int
    used: int


ErrorKind = Literal[
    "invalid_range",
    "invalid_config",
    "invalid_name",
    "invalid_port",
    "duplicate_pin",
    "pin_busy",
    "range_exhausted",
    "invalid_request",
    "invalid_registry",
    "usage",
    "unknown_service",
    "host",
]
"""The kinds of SPEC §2, then those of the host layers (docs/core-api.md)."""


class _ErrorKeys(TypedDict):
    kind: ErrorKind
    message: str


class ErrorDict(_ErrorKeys, total=False):
    """An error: its kind, one sentence, and the data behind it (the keys that apply)."""

    key: str
    """The config key at fault (`services.web`, `range`, `exclude[2]`)."""
    name: str
    """The name that breaks the naming rule."""
    range: object
    """The range as given, when it is not a valid range."""
    port: int
    services: list[str]
    """Every service that pins `port` (duplicate_pin)."""
    service: str
    needed: int
    """Free ports a plan needs (range_exhausted)."""
    free: int
    """Free ports there are (range_exhausted)."""
    version: int
    """The registry's format version, when this portplan cannot read it."""
    path: str
    """The file at fault (a config file, the registry, the file of `env --write`)."""
    line: int
    """The line of that file at fault, from 1 (`env --write`: a second portplan block)."""
    code: str
    """The OS's errno name behind a host fault (a failed bind: `EADDRNOTAVAIL`)."""
    exit: int
    """The exit code of a command that cannot run (126, 127)."""


class _RenderKeys(TypedDict):
    text: str
    """What to print (for `preview_service` and `test_namespace`: the name, no newline)."""


class RenderAnswerDict(_RenderKeys, total=False):
    """What the core's `render_json` answers (docs/core-api.md): the text, and the keys of the
    `what` kinds that have more."""

    exit: int
    """`error`: the CLI's exit code."""
    env: dict[str, str]
    """`run`: the variables to add to the command's environment (`PORT`, `WEB_PORT`, ...)."""
    argv: list[str]
    """`run`: the command to run, with its tool's port flag when it needs one."""
    changed: bool
    """`env_file`: whether the new text differs from the file's (False: write nothing)."""
    message: str
    """`env_file`: the line to print on stdout."""
