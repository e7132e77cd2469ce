#!/usr/bin/env bash
# The Windows lane (make test-wine): the tests of tests/wine/ on the npm package as packed,
# installed into a fresh project (offline, without a platform package: the wasm engine), run
# first by this machine's node, then by Windows' node.exe under Wine (tests/wine/node.sh).
# Prints each run's report and time; fails when either run has a failing test.
#   tests/wine/run.sh PACKED     PACKED: the folder of the packed tarballs (make pack-js: target/npm-pack)
set -euo pipefail
[ $# -eq 1 ] || {
    echo "usage: $0 PACKED (the folder of the packed npm tarballs)" >&2
    exit 2
}
repo=$(cd "$(dirname "$0")/../.." && pwd)
TOOLS="${PORTPLAN_TOOLS:-$HOME/.cache/portplan-tools}"
# The shim writers of npm (cmd-shim) and pnpm (@zkochan/cmd-shim; 7.0.0 is its last release
# for Node 20), with which the tests install their fake dev server as each does.
CMD_SHIM_VERSION=8.0.0
PNPM_CMD_SHIM_VERSION=7.0.0
packed=$(cd "$1" && pwd)
version=$(node -p "require('$repo/bindings-js/package.json').version")
main=$packed/portplan-$version.tgz

fail() {
    echo "run.sh: $*" >&2
    exit 1
}

[ -f "$main" ] || fail "no $main (make pack-js)"

shims=$TOOLS/npm-wine
writers=$shims/node_modules
installed() { node -p "require('$writers/$1/package.json').version" 2>/dev/null || true; }
if [ "$(installed cmd-shim)" != "$CMD_SHIM_VERSION" ] || [ "$(installed @zkochan/cmd-shim)" != "$PNPM_CMD_SHIM_VERSION" ]; then
    echo "run.sh: installing cmd-shim $CMD_SHIM_VERSION and @zkochan/cmd-shim $PNPM_CMD_SHIM_VERSION into $shims (npm)" >&2
    mkdir -p "$shims"
    # One install for both: npm removes what a later install into the folder does not name.
    npm install --prefix "$shims" --no-audit --no-fund --no-save --silent \
        "cmd-shim@$CMD_SHIM_VERSION" "@zkochan/cmd-shim@$PNPM_CMD_SHIM_VERSION"
    for writer in cmd-shim @zkochan/cmd-shim; do
        node -e "require('$writers/$writer')" || fail "$writer: installed into $shims but require('$writers/$writer') fails"
    done
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# The main package's optionalDependencies (the platform packages) are not on the registry
# before a release: offline, npm skips them.
(cd "$scratch" && npm init -y >/dev/null && npm install --offline --no-audit --no-fund --silent "$main")
export PORTPLAN_WINE_PACKAGE=$scratch/node_modules/portplan PORTPLAN_WINE_SHIM_WRITERS=$writers
cd "$repo"

status=0
echo "== tests/wine with this machine's node $(node --version) ($(uname -s))"
start=$SECONDS
node --test --test-reporter=spec --test-concurrency=1 tests/wine/ || status=1
echo "== this machine's node: $((SECONDS - start)) s"

echo "== tests/wine with Windows' node.exe under Wine"
start=$SECONDS
tests/wine/node.sh --test --test-reporter=spec --test-concurrency=1 tests/wine/ || status=1
echo "== Windows' node.exe under Wine: $((SECONDS - start)) s"
exit "$status"
