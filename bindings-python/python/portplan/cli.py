"""The `portplan` command. The core parses the command line and renders every text; this
module only does the I/O between them, so the Node CLI prints the same bytes."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn, Optional

from . import _native
from ._allocate import lease_dicts
from ._config import Project, resolve_project
from ._core import answer, call
from ._env_file import PreparedWrite, read_env_file
from ._host_errors import kept_busy, spawn_failed
from ._plan import Plan
from ._probe import free_for_a_server
from ._session import RegistrySession, kept_answer
from .errors import PortplanError


def _render(request: Mapping[str, Any]) -> str:
    text: str = call(_native.render_json, request)["text"]
    return text


def _render_answer(request: Mapping[str, Any]) -> dict[str, Any]:
    """A render answer with its fields beyond `text` (`run`: env and argv; `env_file`)."""
    return call(_native.render_json, request)


def _fail(error: Mapping[str, Any]) -> int:
    rendered = answer(_native.render_json, {"what": "error", "error": error})
    sys.stderr.write(rendered["text"])
    sys.stderr.flush()
    exit_code: int = rendered["exit"]
    return exit_code


def _run(argv: Sequence[str], env: Mapping[str, str]) -> NoReturn:
    """Starts the command the core chose (`render run`: the tool's port flag added) with the
    core's variables over this process's environment."""
    full_env = {**os.environ, **env}
    sys.stdout.flush()
    sys.stderr.flush()
    # argv is a list all the way: no shell, so neither NAME nor PORT can inject a word.
    try:
        if os.name == "posix":
            # Replace this process, so signals and the exit code are the command's own.
            os.execvpe(argv[0], list(argv), full_env)
        import subprocess

        sys.exit(subprocess.run(list(argv), env=full_env, check=False).returncode)
    except OSError as error:
        sys.exit(_fail(spawn_failed(argv[0], error).to_dict()))


def _started_command(parsed: Mapping[str, Any], project: Project, result: Mapping[str, Any]) -> dict[str, Any]:
    """What `run` will start (`render run`: argv and env), checked before anything is written:
    a kept port held by another process, variables that collide."""
    name: str = parsed["name"]
    entry = next(e for e in result["plan"] if e["name"] == name)
    # A kept port is never probed by the plan: check it before the command starts.
    if entry["reason"]["kind"] == "kept" and parsed["probe"] and not free_for_a_server(entry["port"]):
        raise kept_busy(project.namespace, entry["name"], entry["port"])
    return _render_answer({"what": "run", "plan": result, "name": name, "cmd": parsed["cmd"]})


def _write_env_file(parsed: Mapping[str, Any], project: Project) -> int:
    """`env --write [FILE]`: the file is read and its new text computed (and staged beside it)
    before the registry is written; the file is replaced last."""
    file = read_env_file(parsed["env_file"])
    with RegistrySession(write=True) as session:
        result = session.allocate(project, parsed["lease"], probe=parsed["probe"], env=True)
        merged = _render_answer({"what": "env_file", "plan": result, **file.render_request()})
        if not merged["changed"]:
            session.write(result)
        else:
            with PreparedWrite(file, merged["text"]) as staged:
                session.write(result)
                staged.commit()
    sys.stdout.write(merged["message"])
    return 0


def _execute(parsed: Mapping[str, Any]) -> int:
    command: str = parsed["command"]
    name: Optional[str] = parsed["name"]
    out = sys.stdout
    if command == "ls":  # the one command that resolves no project
        leases = lease_dicts()
        out.write(_render({"what": "leases_json" if parsed["json"] else "leases", "leases": leases}))
        return 0
    if command == "preview":  # the page is in the npm package: say where, read nothing
        out.write(_render({"what": "preview"}))
        return 0
    project = resolve_project(parsed["names"], parsed["options"], parsed["config_path"])
    if command == "env" and parsed["env_file"] is not None:
        return _write_env_file(parsed, project)
    # `get` or `run` of a name leased already, that the core keeps with nothing to write:
    # answered from the registry as read, without the lock (SPEC §7), as `port()` does.
    result = kept_answer(project, parsed["lease"], parsed["probe"]) if command in ("get", "run") else None
    if result is not None:
        started = _started_command(parsed, project, result) if command == "run" else None
    else:
        with RegistrySession(write=parsed["write"]) as session:
            if command == "release":
                result = session.release(project, None if parsed["all"] else name)
                session.write(result)
                out.write(_render({"what": "released", "released": result["released"], "name": name}))
                return 0
            result = session.allocate(project, parsed["lease"], probe=parsed["probe"], env=command == "env")
            started = _started_command(parsed, project, result) if command == "run" else None
            if session.writes:
                session.write(result)
    if command == "get":
        out.write(f"{Plan(result)[name]}\n")  # type: ignore[index]
    elif command == "plan":
        out.write(_render({"what": "json" if parsed["json"] else "table", "plan": result}))
    elif command == "why":
        out.write(_render({"what": "why", "plan": result, "name": name}))
    elif command == "env":
        out.write(_render({"what": "env", "plan": result}))
    elif started is not None:
        _run(started["argv"], started["env"])
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the CLI on `argv` (default: the process's arguments) and returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    parsed = answer(_native.cli_json, {"argv": args})
    if "error" in parsed:
        return _fail(parsed["error"])
    if "help" in parsed:
        sys.stdout.write(parsed["help"])
        return 0
    if "version" in parsed:
        sys.stdout.write(parsed["text"])
        return 0
    try:
        code = _execute(parsed)
        sys.stdout.flush()
        return code
    except PortplanError as error:
        return _fail(error.to_dict())
    except BrokenPipeError:  # the reader went away (portplan ls | head)
        return 1
    except OSError as error:  # an I/O fault the host layer did not foresee
        return _fail({"kind": "host", "message": str(error)})
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a bug: still one line, never a traceback
        return _fail({"kind": "host", "message": f"internal error ({type(error).__name__}: {error}); please report it"})
