"""The `portplan` command: one `cli` session of the core, which parses the command line, runs
the command and prints every text itself, so the Node CLI prints the same bytes. This module
only starts it and exits with its code."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Optional

# The preview page is served by the npm package (a static page and the wasm module).
PREVIEW_NEEDS_NODE = (
    "portplan: the preview is served by the npm package; run `npx portplan preview` "
    "(Node.js 20 or newer) in this project\n"
)


class _Terminated(BaseException):
    """SIGTERM while a session runs: raised so the session is dropped (its lock released, its
    temporary files removed, as for Ctrl-C) before the process ends by the signal."""


def _terminated(signum: int, frame: object) -> None:
    raise _Terminated(signum)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the CLI on `argv` (default: the process's arguments) and returns the exit code."""
    import signal

    from . import _calls
    from .errors import PortplanError

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        previous = signal.signal(signal.SIGTERM, _terminated)
    except ValueError:  # not the main thread: its caller handles signals
        previous = None
    try:
        answer = _calls.cli(args)
    except _Terminated:
        # Ended by the signal, as the process would have been without the cleanup.
        import os

        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        return 130
    except PortplanError as error:  # the session could not even run its command
        sys.stderr.write(f"portplan: error: {error.message}\n")
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    if "preview" in answer:
        sys.stderr.write(PREVIEW_NEEDS_NODE)
        return 1
    return answer["exit"]
