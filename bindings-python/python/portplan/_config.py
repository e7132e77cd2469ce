"""Config discovery (SPEC §7): the config file, the caller's options, the namespace, git."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Optional, Union

from . import _native
from ._core import answer, call, config_files
from ._host_errors import config_io, config_without_section
from .errors import from_answer

PathArg = Union[str, "os.PathLike[str]"]


def _read_text(path: Path, shown: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise config_io(shown, OSError(0, "not UTF-8 text")) from None
    except OSError as error:
        raise config_io(shown, error) from None


def _extract(path: Path, text: str, shown: str) -> Optional[Any]:
    """The portplan section of one file (None when it has none); parse errors name the path."""
    return call(_native.extract_config_json, {"file": path.name, "text": text}, shown)["config"]


def read_config_file(path: Path, start: Optional[Path] = None) -> dict[str, Any]:
    """A config file the caller named (`--config FILE`, relative to `start`), as a `found`
    object for the core. Messages name the path as the caller wrote it."""
    full = path if start is None or path.is_absolute() else start / path
    config = _extract(full, _read_text(full, str(path)), str(path))
    if config is None:
        raise config_without_section(str(path))
    return {"file": full.name, "folder": full.absolute().parent.name, "config": config}


def find_config(start: Path) -> Optional[dict[str, Any]]:
    """The first folder from `start` upward holding a config, as a `found` object, or None."""
    files = config_files()
    for folder in (start, *start.parents):
        for file in files:
            path = folder / file
            if not path.is_file():
                continue
            config = _extract(path, _read_text(path, str(path)), str(path))
            if config is not None:
                return {"file": file, "folder": folder.name, "config": config}
    return None


def _git(cwd: Path, *args: str) -> Optional[str]:
    import subprocess

    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except OSError:  # git is not installed
        return None
    out = done.stdout.strip()
    return out if done.returncode == 0 and out else None


def git_info(cwd: Path) -> dict[str, Optional[str]]:
    """What the core needs for the `git` namespace (core-api.md lists the commands)."""
    common_dir = _git(cwd, "rev-parse", "--path-format=absolute", "--git-common-dir")
    # The main worktree's folder, so every worktree of one repository shares its name.
    toplevel = str(Path(common_dir).parent) if common_dir else _git(cwd, "rev-parse", "--show-toplevel")
    return {
        "remote": _git(cwd, "remote", "get-url", "origin"),
        "toplevel": toplevel,
        "branch": _git(cwd, "symbolic-ref", "--short", "-q", "HEAD"),
        "head": _git(cwd, "rev-parse", "--short", "HEAD"),
    }


def _json_form(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _json_form(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_json_form(v) for v in value]
    return value


def core_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Caller options in the core's JSON form (tuples become lists); None means not given."""
    return {key: _json_form(value) for key, value in options.items() if value is not None}


def resolve_config(
    names: Iterable[str] = (),
    options: Optional[Mapping[str, Any]] = None,
    config_path: Optional[PathArg] = None,
    cwd: Optional[PathArg] = None,
) -> dict[str, Any]:
    """The resolved config: the found (or named) file, the options over it, `names` added."""
    start = Path(cwd).absolute() if cwd is not None else Path(os.getcwd())
    if config_path is not None:
        found: Optional[dict[str, Any]] = read_config_file(Path(config_path), start)
    else:
        found = find_config(start)
    request: dict[str, Any] = {
        "found": found,
        "options": core_options(options or {}),
        "names": list(names),
        "git": None,
    }
    result = answer(_native.load_config_json, request)
    if result.get("need") == "git":
        request["git"] = git_info(start)
        result = answer(_native.load_config_json, request)
    if "error" in result:
        raise from_answer(result["error"])
    config: dict[str, Any] = result["config"]
    return config
