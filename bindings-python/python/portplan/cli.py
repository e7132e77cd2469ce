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


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the CLI on `argv` (default: the process's arguments) and returns the exit code."""
    from . import _calls
    from .errors import PortplanError

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        answer = _calls.cli(args)
    except KeyboardInterrupt:
        return 130
    except PortplanError as error:  # the session could not even run its command
        sys.stderr.write(f"portplan: error: {error.message}\n")
        return 1
    if "preview" in answer:
        sys.stderr.write(PREVIEW_NEEDS_NODE)
        return 1
    return answer["exit"]
