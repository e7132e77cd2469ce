#!/bin/sh
# Installs the main npm package and one platform package from their tarballs into a fresh
# project, as a user's `npm install` does (offline: nothing else is needed), then loads it with
# require and with import and asks it for one port: the engine must be the native addon.
#   tests/platforms/npm-load.sh MAIN.tgz PLATFORM.tgz
# POSIX sh, no bash: the release runs it in Alpine (musl) containers too.
set -eu
if [ $# -ne 2 ]; then
    echo "usage: $0 MAIN.tgz PLATFORM.tgz" >&2
    exit 2
fi
main=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
platform=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
project=$(mktemp -d)
trap 'rm -rf "$project"' EXIT
cd "$project"
npm init -y >/dev/null
npm install --offline --no-audit --no-fund --loglevel=error "$platform" "$main"
# Git Bash on Windows: the registry's path as Windows programs spell it.
PORTPLAN_HOME="$project/registry"
if command -v cygpath >/dev/null 2>&1; then PORTPLAN_HOME=$(cygpath -w "$PORTPLAN_HOME"); fi
export PORTPLAN_HOME PORTPLAN_ENGINE=
# Each prints: engine port; the second must find the lease the first made.
check='(p) => p.port("web", { range: [41000, 41999] }).then((port) => console.log(p.engine, port))'
cjs=$(node -e "($check)(require('portplan'))" | tr -d '\r')
esm=$(node --input-type=module -e "($check)(await import('portplan'))" | tr -d '\r')
echo "require: $cjs; import: $esm ($(node -p 'process.platform + " " + process.arch'), $(basename "$platform"))"
case $cjs in
    "native "4[01][0-9][0-9][0-9]) ;;
    *)
        echo "npm-load: require('portplan') said '$cjs', expected the native engine and a port of 41000-41999" >&2
        exit 1
        ;;
esac
if [ "$esm" != "$cjs" ]; then
    echo "npm-load: import('portplan') said '$esm', require('portplan') '$cjs'" >&2
    exit 1
fi
