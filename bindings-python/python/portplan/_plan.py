"""`plan()`: the pure plan of a config, and the `Plan` and `Entry` types every call returns."""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union, cast

from . import _native
from ._core import call
from ._discovery import read_text
from ._host_errors import config_io, config_without_section
from .typing import ConfigDict, HashName, Layout, PlanDict, ReasonDict, ReasonKind

ConfigSource = Union[ConfigDict, Mapping[str, Any], str, "os.PathLike[str]"]
_NOT_PLAN = ("registry", "probe", "root", "config_file")


@dataclass(frozen=True)
class Entry:
    """One service of a plan: its port and why it got it (the core's reason object)."""

    name: str
    port: int
    reason: ReasonDict = field(hash=False, compare=True)

    @property
    def kind(self) -> ReasonKind:
        """`pinned`, `home`, `displaced`, `sequential`, `block` or `kept`."""
        return self.reason["kind"]


class Plan:
    """A plan: every service with its port and reason, in the core's order (by UTF-8 name)."""

    def __init__(self, answer: Mapping[str, Any]) -> None:
        # The plan part of the answer (allocate_json's also carries the registry, the ports to
        # probe, the project root and the config file).
        self._answer = cast(PlanDict, {k: v for k, v in answer.items() if k not in _NOT_PLAN})
        self.entries: dict[str, Entry] = {e["name"]: Entry(e["name"], e["port"], e["reason"]) for e in answer["plan"]}
        self.namespace: str = answer["namespace"]
        self.range: tuple[int, int] = (answer["range"][0], answer["range"][1])
        self.layout: Layout = answer["layout"]
        self.hash: HashName = answer["hash"]

    @property
    def ports(self) -> dict[str, int]:
        """Service name → port."""
        return {name: entry.port for name, entry in self.entries.items()}

    def __getitem__(self, name: str) -> int:
        return self.entries[name].port

    def __contains__(self, name: object) -> bool:
        return name in self.entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def to_dict(self) -> PlanDict:
        """The same JSON shape as the core's `plan_json` answer."""
        return copy.deepcopy(self._answer)

    def why(self, name: str) -> str:
        """One sentence saying why `name` has its port (as `portplan why NAME` prints it)."""
        text: str = call(_native.render_json, {"what": "why", "plan": self._answer, "name": name})["text"]
        return text.rstrip("\n")

    def table(self) -> str:
        """The plan as the table `portplan plan` prints."""
        text: str = call(_native.render_json, {"what": "table", "plan": self._answer})["text"]
        return text

    def __repr__(self) -> str:
        return f"Plan({self.ports!r}, namespace={self.namespace!r})"


def _config_value(config: ConfigSource) -> tuple[Any, Union[str, None]]:
    """The config as the core takes it (object or text), and the path it was read from."""
    if isinstance(config, Mapping):
        return dict(config), None
    if isinstance(config, os.PathLike):
        return _read_config_file(Path(config))
    if isinstance(config, str):
        # Config text always holds `=`, `{` or a line break (or is blank); a path never needs them.
        if not config.strip() or "=" in config or "\n" in config or config.lstrip().startswith("{"):
            return config, None
        return _read_config_file(Path(config))
    raise TypeError(f"config must be a dict, a TOML/JSON string or a path, not {type(config).__name__}")


def _read_config_file(path: Path) -> tuple[Any, str]:
    """The portplan section of the file at `path`; errors name the path as given."""
    shown = str(path)
    try:
        text = read_text(shown)
    except OSError as error:
        raise config_io(shown, error) from None
    config = call(_native.extract_config_json, {"file": path.name, "text": text}, shown)["config"]
    if config is None:
        raise config_without_section(shown)
    return config, shown


def plan(config: ConfigSource, busy: Iterable[int] = ()) -> Plan:
    """The plan of `config` with the ports in `busy` taken. Pure: no probe, no registry.

    `config` is a dict, a TOML or JSON string, or the path of a config file
    (`portplan.toml`, `pyproject.toml` with `[tool.portplan]`, `package.json` with `"portplan"`).
    Raises `PlanError` (with `.kind`) when the core rejects the config.
    """
    value, path = _config_value(config)
    return Plan(call(_native.plan_json, {"config": value, "busy": list(busy)}, path))
