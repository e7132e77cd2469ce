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
# npm's own shim writer, which the tests use to install their fake dev server as npm does.
CMD_SHIM_VERSION=8.0.0
packed=$(cd "$1" && pwd)
version=$(node -p "require('$repo/bindings-js/package.json').version")
main=$packed/portplan-$version.tgz

fail() {
    echo "run.sh: $*" >&2
    exit 1
}

[ -f "$main" ] || fail "no $main (make pack-js)"

shims=$TOOLS/npm-wine
cmd_shim=$shims/node_modules/cmd-shim
if [ "$(node -p "require('$cmd_shim/package.json').version" 2>/dev/null)" != "$CMD_SHIM_VERSION" ]; then
    echo "run.sh: installing cmd-shim $CMD_SHIM_VERSION into $shims (npm)" >&2
    mkdir -p "$shims"
    npm install --prefix "$shims" --no-audit --no-fund --no-save --silent "cmd-shim@$CMD_SHIM_VERSION"
    node -e "require('$cmd_shim')" || fail "cmd-shim: installed into $shims but require('$cmd_shim') fails"
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# The main package's optionalDependencies (the platform packages) are not on the registry
# before a release: offline, npm skips them.
(cd "$scratch" && npm init -y >/dev/null && npm install --offline --no-audit --no-fund --silent "$main")
export PORTPLAN_WINE_PACKAGE=$scratch/node_modules/portplan PORTPLAN_WINE_CMD_SHIM=$cmd_shim
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
