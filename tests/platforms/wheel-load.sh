#!/bin/sh
# Installs a wheel into a fresh venv of PYTHON (default python3) and asks it for one port, as a
# user's `pip install portplan` then `portplan.port(...)` does; and `portplan get` the same.
#   tests/platforms/wheel-load.sh WHEEL [PYTHON]
# POSIX sh, no bash: the release runs it in Alpine (musl) containers too.
set -eu
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 WHEEL [PYTHON]" >&2
    exit 2
fi
wheel=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
python=${2:-python3}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$python" -m venv "$scratch/venv"
bin=$scratch/venv/bin
[ -d "$bin" ] || bin=$scratch/venv/Scripts # Windows
"$bin/python" -m pip install -q --disable-pip-version-check --no-index "$wheel"
cd "$scratch"
# Git Bash on Windows: the registry's path as Windows programs spell it.
PORTPLAN_HOME="$scratch/registry"
if command -v cygpath >/dev/null 2>&1; then PORTPLAN_HOME=$(cygpath -w "$PORTPLAN_HOME"); fi
export PORTPLAN_HOME
api=$("$bin/python" -c 'import portplan; print(portplan.port("web", range=(41000, 41999)))' | tr -d '\r')
cli=$("$bin/portplan" get web --range 41000-41999 | tr -d '\r')
echo "port(): $api; portplan get: $cli ($("$bin/python" -c 'import platform; print(platform.system(), platform.machine(), platform.python_version())'), $(basename "$wheel"))"
case $api in
    4[01][0-9][0-9][0-9]) ;;
    *)
        echo "wheel-load: portplan.port('web') said '$api', expected a port of 41000-41999" >&2
        exit 1
        ;;
esac
if [ "$cli" != "$api" ]; then
    echo "wheel-load: portplan get web said '$cli', port() '$api'" >&2
    exit 1
fi
