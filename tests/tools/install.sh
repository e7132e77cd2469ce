#!/usr/bin/env bash
# Installs the real servers the tests of tests/tools start (Flask, uvicorn, Django; pinned, from
# PyPI) into a venv of the tool cache ($PORTPLAN_TOOLS, default ~/.cache/portplan-tools), once,
# and proves each one runs. Prints nothing on success but what it installs; a server that is
# still missing or does not run afterwards fails with one line: `install.sh: TOOL: what is wrong`.
#   tests/tools/install.sh   the venv is $PORTPLAN_TOOLS/venvs/python-servers
set -euo pipefail
TOOLS="${PORTPLAN_TOOLS:-$HOME/.cache/portplan-tools}"
VENV="$TOOLS/venvs/python-servers"
# Django 5.2 (LTS) runs on Python 3.10 to 3.14; Django 6 needs 3.12.
PINS=(flask==3.1.3 uvicorn==0.54.0 django==5.2.19)

fail() {
    echo "install.sh: $*" >&2
    exit 1
}

# The version each server says, one line each: what the venv must answer for its pins.
versions() {
    "$VENV/bin/flask" --version 2>/dev/null | sed -n 's/^Flask \([0-9.]*\)$/flask==\1/p'
    "$VENV/bin/uvicorn" --version 2>/dev/null | sed -n 's/^Running uvicorn \([0-9.]*\) .*/uvicorn==\1/p'
    "$VENV/bin/django-admin" --version 2>/dev/null | sed 's/^/django==/'
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
    grep -qxF "$pin" <<<"$said" || fail "${pin%%==*}: installed, but its --version does not say ${pin#*==}"
done
