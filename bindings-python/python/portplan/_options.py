"""The API's keyword options as a call's options (`CallOptions`). Python shapes become the core's
JSON here (a path object, a tuple, a `range`); a value of a type JSON cannot hold is a
`TypeError` naming the option. What the values mean, and whether they are valid, the core says."""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any, Optional, Union

    from ._schema import CallOptions

    PathArg = Union[str, "os.PathLike[str]"]


def name(function: str, value: object) -> str:
    """A service name: a `str` (`port(8000)` is a mistake worth saying so)."""
    if not isinstance(value, str):
        raise TypeError(f"{function}() takes the name of a service (a str), not {_shown(value)}")
    return value


def names(function: str, values: object) -> list[str]:
    if isinstance(values, str):
        raise TypeError(f"{function}() takes a list of names; use port() for one name")
    try:
        return [name(function, value) for value in values]  # type: ignore[attr-defined]
    except TypeError as error:
        if "takes the name" in str(error):
            raise
        raise TypeError(f"{function}() takes a list of names, not {_shown(values)}") from None


def call_options(
    *,
    cwd: Optional[PathArg] = None,
    config: Optional[PathArg] = None,
    busy: Iterable[int] = (),
    probe: bool = True,
    test: Optional[str] = None,
    keys: Optional[Mapping[str, Any]] = None,
) -> CallOptions:
    """The options of a call: where it works, and the config keys given (None: not given)."""
    if not isinstance(probe, bool):
        raise TypeError(f"probe must be True or False, not {_shown(probe)}")
    options: CallOptions = {"probe": probe, "busy": ports("busy", busy)}
    if cwd is not None:
        options["cwd"] = path("cwd", cwd)
    if config is not None:
        options["config_path"] = path("config", config)
    if test is not None:
        options["test"] = test
    given = {key: json_value(key, value) for key, value in (keys or {}).items() if value is not None}
    if given:
        options["config"] = given  # type: ignore[typeddict-item]
    return options


def path(option: str, value: object) -> str:
    if isinstance(value, (str, os.PathLike)):
        found = os.fspath(value)
        if isinstance(found, str):
            return found
    raise TypeError(f"{option} must be a path (str or os.PathLike), not {_shown(value)}")


def ports(option: str, values: object) -> list[int]:
    """A list of ports (ints); a `range` is its ports."""
    try:
        found: list[int] = list(values)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(f"{option} must be a list of ports, not {_shown(values)}") from None
    for port in found:
        if isinstance(port, bool) or not isinstance(port, int):
            raise TypeError(f"{option} must hold ports (ints), not {_shown(port)}")
    return found


def json_value(option: str, value: object) -> Any:
    """`value` as JSON holds it: sequences as lists, mappings with their keys as text, a
    `range(first, stop)` as the config's inclusive `[first, stop - 1]`."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, range):
        if value.step != 1 or len(value) == 0:
            raise ValueError(f"{option}: a range must be non-empty with step 1, not {value!r}")
        return [value.start, value.stop - 1]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    from collections.abc import Mapping

    if isinstance(value, Mapping):
        return {_key(option, key): json_value(f"{option}.{key}", item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_value(option, item) for item in value]
    raise TypeError(f"{option} cannot be {_shown(value)}")


def _key(option: str, key: object) -> str:
    if not isinstance(key, str):
        raise TypeError(f"{option} must have names (str) as keys, not {_shown(key)}")
    return key


def _shown(value: object) -> str:
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{type(value).__name__} {text}"
