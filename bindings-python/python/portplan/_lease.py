"""`Lease`, what `portplan.leases()` and `portplan.release()` return (its own module, so a
process that only asks for a port never imports dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Lease:
    """A lease of the registry: `(namespace, name, root) → port`, with Unix-second timestamps.
    `root` is the project root of the checkout that holds it (None: a version 1 lease not yet
    adopted by a checkout)."""

    namespace: str
    name: str
    root: Optional[str]
    port: int
    created: int
    used: int
