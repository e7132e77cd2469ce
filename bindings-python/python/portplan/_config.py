"""The project of a call (SPEC §7): its config, its root and its namespace, decided by the core
(`load_config_json`) from what the host sees on disk, the caller's options, and git."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

from . import _native
from ._core import call
from ._discovery import config_file_view, walk, walk_signature

TYPE_CHECKING = False  # typing is not imported at run time: a first port loads less
if TYPE_CHECKING:
    from collections.abc import Hashable, Iterable
    from typing import Any, Optional, Union

    PathArg = Union[str, "os.PathLike[str]"]


class Project:
    """The resolved config (every key filled in), the project root, and the config file used."""

    __slots__ = ("config", "config_file", "root")

    def __init__(self, config: dict[str, Any], root: str, config_file: Optional[str]) -> None:
        self.config = config
        self.root = root
        self.config_file = config_file

    @property
    def namespace(self) -> str:
        namespace: str = self.config["namespace"]
        return namespace


def _git(cwd: str, *args: str) -> Optional[str]:
    import subprocess

    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except OSError:  # git is not installed
        return None
    out = done.stdout.strip()
    return out if done.returncode == 0 and out else None


def git_info(cwd: str) -> dict[str, Optional[str]]:
    """What the core needs for the `git` namespace (core-api.md lists the commands)."""
    common_dir = _git(cwd, "rev-parse", "--path-format=absolute", "--git-common-dir")
    return {
        "remote": _git(cwd, "remote", "get-url", "origin"),
        # The main worktree's folder, so every worktree of one repository shares its name.
        "toplevel": os.path.dirname(common_dir) if common_dir else None,
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


def working_folder(cwd: Optional[PathArg] = None) -> str:
    """The folder a call works from, absolute with symlinks resolved."""
    return os.path.realpath(os.path.join(os.getcwd(), os.fspath(cwd)) if cwd is not None else os.getcwd())


# The project of a folder without extra names, with the signature of the walk it came from
# (`base_project`): repeated calls reuse it while no file of that walk changed.
_BASE: dict[tuple[str, str], tuple[tuple[object, ...], Project]] = {}


def base_project(options: Mapping[str, Any], cwd: Optional[PathArg] = None) -> Optional[tuple[Hashable, Project]]:
    """The project of `cwd` with `options` and no names added, and a key naming it; reused
    while the stat of every file the walk reads is the same. None when the namespace comes
    from git (a branch can change without any of those files changing)."""
    start = working_folder(cwd)
    key = (start, json.dumps(core_options(options), sort_keys=True))
    signature = walk_signature(start)
    cached = _BASE.get(key)
    if cached is not None and cached[0] == signature:
        return (key, signature), cached[1]
    request: dict[str, Any] = {
        "cwd": start,
        "config_path": None,
        "config_file": None,
        "options": core_options(options),
        "names": [],
        "git": None,
        "folders": walk(start),
    }
    result = call(_native.load_config_json, request)
    if result.get("need") == "git":
        return None
    project = Project(result["config"], result["root"], result.get("config_file"))
    if len(_BASE) > 64:
        _BASE.clear()
    _BASE[key] = (signature, project)
    return (key, signature), project


def resolve_project(
    names: Iterable[str] = (),
    options: Optional[Mapping[str, Any]] = None,
    config_path: Optional[PathArg] = None,
    cwd: Optional[PathArg] = None,
) -> Project:
    """The project of a call from `cwd` (default: the working directory): the config found
    upward (or the file `config_path`) with `options` over it and `names` added."""
    start = working_folder(cwd)
    request: dict[str, Any] = {
        "cwd": start,
        "config_path": None,
        "config_file": None,
        "options": core_options(options or {}),
        "names": list(names),
        "git": None,
    }
    if config_path is not None:
        request["config_path"] = os.fspath(config_path)
        request["config_file"], request["folders"] = config_file_view(request["config_path"], start)
    else:
        request["folders"] = walk(start)
    result = call(_native.load_config_json, request)
    if result.get("need") == "git":
        request["git"] = git_info(start)
        result = call(_native.load_config_json, request)
    return Project(result["config"], result["root"], result.get("config_file"))
