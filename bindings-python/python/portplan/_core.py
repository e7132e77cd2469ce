"""Calls into the core (`portplan._native`): JSON in, JSON out, errors raised as exceptions."""

from __future__ import annotations

import json

from . import _native
from .errors import from_answer

TYPE_CHECKING = False  # typing is not imported at run time: a first port loads less
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Callable, Optional


def answer(function: Callable[[str], str], request: Mapping[str, Any]) -> dict[str, Any]:
    """The core's answer to `request`, errors included (`{"error": {...}}`)."""
    result: dict[str, Any] = json.loads(function(json.dumps(request)))
    return result


def call(function: Callable[[str], str], request: Mapping[str, Any], path: Optional[str] = None) -> dict[str, Any]:
    """The core's answer to `request`; an error answer is raised (naming `path` if given)."""
    result = answer(function, request)
    if "error" in result:
        if path is not None:
            from ._host_errors import with_path

            raise with_path(path, result["error"])
        raise from_answer(result["error"])
    return result


def config_files() -> list[str]:
    """The file names that can hold a config, in the order tried within one folder."""
    files: list[str] = json.loads(_native.config_files_json())["files"]
    return files
