"""`plan()`: the plan of a config (pure) or of the project (read-only, as `portplan plan` shows
it), and the `Plan` and `Entry` types."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional, Union, cast

from . import _calls, _native, _options
from .errors import from_answer

if TYPE_CHECKING:
    from ._api import ExcludeArg, RangeArg
    from ._schema import HashKind, Layout, PlanAnswer
    from .typing import ConfigDict, ReasonKind
    from .typing import ReasonDict as Reason
    from .typing import ServiceValue as Service

    ConfigSource = Union[ConfigDict, Mapping[str, Any], str, "os.PathLike[str]"]

_NOT_PLAN = ("root", "config_file")


@dataclass(frozen=True)
class Entry:
    """One service of a plan: its port and why it got it (the core's reason object)."""

    name: str
    port: int
    reason: Reason = field(hash=False, compare=True)

    @property
    def kind(self) -> ReasonKind:
        """`pinned`, `home`, `displaced`, `sequential`, `block` or `kept`."""
        return self.reason["kind"]


class Plan:
    """A plan: every service with its port and reason, in the core's order (by UTF-8 name).
    A plan of the project also has its `root` and `config_file` (None for a config's plan)."""

    def __init__(self, answer: Mapping[str, Any]) -> None:
        self._answer = cast("PlanAnswer", {k: v for k, v in answer.items() if k not in _NOT_PLAN})
        self.entries: dict[str, Entry] = {e["name"]: Entry(e["name"], e["port"], e["reason"]) for e in answer["plan"]}
        self.namespace: str = answer["namespace"]
        self.range: tuple[int, int] = (answer["range"][0], answer["range"][1])
        self.layout: Layout = answer["layout"]
        self.hash: HashKind = answer["hash"]
        self.root: Optional[str] = answer.get("root")
        self.config_file: Optional[str] = answer.get("config_file")

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

    def to_dict(self) -> PlanAnswer:
        """The same JSON shape as the core's `plan_json` answer."""
        return copy.deepcopy(self._answer)

    def why(self, name: str) -> str:
        """One sentence saying why `name` has its port (as `portplan why NAME` prints it)."""
        return self._text(name).rstrip("\n")

    def table(self) -> str:
        """The plan as the table `portplan plan` prints."""
        return self._text(None)

    def _text(self, name: Optional[str]) -> str:
        answer = json.loads(_native.plan_text(json.dumps(self._answer), name))
        if "error" in answer:
            raise from_answer(answer["error"])
        text: str = answer["text"]
        return text

    def __repr__(self) -> str:
        return f"Plan({self.ports!r}, namespace={self.namespace!r})"


def _is_config_text(text: str) -> bool:
    """Config text always holds `=`, `{` or a line break (or is blank); a path never needs them."""
    return not text.strip() or "=" in text or "\n" in text or text.lstrip().startswith("{")


def plan(
    config: Optional[ConfigSource] = None,
    busy: Iterable[int] = (),
    *,
    names: Iterable[str] = (),
    cwd: Optional[Union[str, os.PathLike[str]]] = None,
    probe: bool = True,
    range: RangeArg = None,
    namespace: Optional[str] = None,
    layout: Optional[Layout] = None,
    hash: Optional[HashKind] = None,
    block_size: Optional[int] = None,
    exclude: ExcludeArg = None,
    browser_safe: Optional[bool] = None,
    services: Optional[Mapping[str, Service]] = None,
) -> Plan:
    """A plan, two ways:

    - `plan({"services": {...}})`, or config text (TOML or JSON): the pure plan of that config
      with the ports in `busy` taken. No probe, no registry, no project.
    - `plan()`, or `plan(path)` of a config file (`portplan.toml`, a `pyproject.toml` with
      `[tool.portplan]`, a `package.json` with `"portplan"`): the project's plan as
      `portplan plan` shows it: its namespace, its leases, probed (`probe=False`: not). Reads
      only. `names` adds services; the other keywords are config keys set over the file's.

    Raises `PlanError` (with `.kind`) when the core rejects the config."""
    if isinstance(config, Mapping) or (isinstance(config, str) and _is_config_text(config)):
        config_value = dict(config) if isinstance(config, Mapping) else config
        request = {"config": _options.json_value("config", config_value), "busy": _options.ports("busy", busy)}
        answer = json.loads(_native.plan_json(json.dumps(request)))
        if "error" in answer:
            raise from_answer(answer["error"])
        return Plan(answer)
    if config is not None and not isinstance(config, (str, os.PathLike)):
        raise TypeError(f"config must be a dict, a TOML/JSON string or a path, not {type(config).__name__}")
    keys = {
        "range": range,
        "namespace": namespace,
        "layout": layout,
        "hash": hash,
        "block_size": block_size,
        "exclude": exclude,
        "browser_safe": browser_safe,
        "services": services,
    }
    options = _options.call_options(cwd=cwd, config=config, busy=busy, probe=probe, keys=keys)
    return Plan(_calls.plan(_options.names("plan", names), options))
