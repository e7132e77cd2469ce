#!/usr/bin/env bash
# Installs the real tools of tests/e2e into the tool cache ($PORTPLAN_TOOLS, default
# ~/.cache/portplan-tools), outside the repository, once; then proves each one runs.
#   npm:  tests/e2e/servers/package-lock.json (playwright-core, Vite 8, Next 16, Astro 5, React)
#         → $PORTPLAN_TOOLS/npm/e2e-servers-<the lockfile's hash>  (npm ci)
#   PyPI: Django, Flask, uvicorn (pinned below, wheels only)
#         → $PORTPLAN_TOOLS/venvs/e2e-servers-<the pins' hash>
#   tests/e2e/install.sh           install what is missing; prints nothing when all is there
#   tests/e2e/install.sh --paths   prints the two folders (installs nothing): the tests ask
# Each folder is named after what it holds, so a change makes a new folder beside the old one and
# never replaces one another checkout's tests may be running from.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOOLS="${PORTPLAN_TOOLS:-$HOME/.cache/portplan-tools}"
# Django 5.2 (LTS) is the newest that runs on Python 3.11 (Django 6 needs 3.12).
PINS=(django==5.2.19 flask==3.1.3 uvicorn==0.54.0)
PY_KEY=$(printf '%s\n' "${PINS[@]}" | sha256sum | cut -c1-12)
NPM_KEY=$(cat "$HERE/servers/package.json" "$HERE/servers/package-lock.json" | sha256sum | cut -c1-12)
VENV="$TOOLS/venvs/e2e-servers-$PY_KEY"
NPM_DIR="$TOOLS/npm/e2e-servers-$NPM_KEY"
if [ "${1:-}" = "--paths" ]; then
    printf 'npm=%s\nvenv=%s\n' "$NPM_DIR" "$VENV"
    exit 0
fi

fail() {
    echo "install.sh: $*" >&2
    exit 1
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# ---- npm: the versions each package.json in node_modules says, against the lockfile's pins ----
npm_versions() {
    # shellcheck disable=SC2016 # JavaScript, not shell: its ${...} is a template literal.
    node -e '
const path = require("node:path");
const dir = process.argv[1];
const want = require(path.join(dir, "package.json")).dependencies;
for (const [name, version] of Object.entries(want)) {
  let got = "missing";
  try { got = require(path.join(dir, "node_modules", name, "package.json")).version; } catch {}
  console.log(`${name}@${got}` + (got === version ? "" : ` (wanted ${version})`));
}' "$1"
}
npm_ok() {
    [ -f "$NPM_DIR/.installed" ] && ! npm_versions "$NPM_DIR" | grep -q wanted
}
if ! npm_ok; then
    echo "install.sh: installing tests/e2e/servers (npm ci) into $NPM_DIR" >&2
    rm -rf "$NPM_DIR"
    mkdir -p "$NPM_DIR"
    cp "$HERE/servers/package.json" "$HERE/servers/package-lock.json" "$NPM_DIR/"
    if ! (cd "$NPM_DIR" && npm ci --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        fail "npm ci in $NPM_DIR failed"
    fi
    touch "$NPM_DIR/.installed"
    npm_ok || { npm_versions "$NPM_DIR" >&2; fail "npm: installed, but not the pinned versions"; }
fi
# Each tool answers --version (a broken native binding fails here, not in a test).
for tool in vite next astro; do
    "$NPM_DIR/node_modules/.bin/$tool" --version >"$log" 2>&1 || { cat "$log" >&2; fail "$tool does not run"; }
done

# ---- PyPI ----
py_versions() {
    "$VENV/bin/python" -c 'import sys; from importlib.metadata import version
for pin in sys.argv[1:]:
    name = pin.split("==")[0]
    print(f"{name}=={version(name)}")' "${PINS[@]}" 2>/dev/null
}
expected=$(printf '%s\n' "${PINS[@]}")
if [ "$(py_versions || true)" != "$expected" ]; then
    echo "install.sh: installing ${PINS[*]} into $VENV (pip)" >&2
    rm -rf "$VENV"
    if ! { python3 -m venv "$VENV" && "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
        --only-binary :all: "${PINS[@]}"; } >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        fail "'pip install ${PINS[*]}' failed"
    fi
    [ "$(py_versions || true)" = "$expected" ] || fail "pip: installed, but not ${PINS[*]}"
fi
"$VENV/bin/django-admin" --version >/dev/null || fail "django-admin does not run"
"$VENV/bin/flask" --version >/dev/null || fail "flask does not run"
"$VENV/bin/uvicorn" --version >/dev/null || fail "uvicorn does not run"
