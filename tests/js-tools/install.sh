#!/usr/bin/env bash
# Installs the real JS tools the tests of tests/js-tools use (pinned, from the npm registry) into a
# folder of the tool cache ($PORTPLAN_TOOLS, default ~/.cache/portplan-tools), once, and proves
# each one runs. A tool that is still missing or does not run afterwards fails with one line:
# `install.sh: TOOL: what is wrong`.
#   tests/js-tools/install.sh         the folder is $PORTPLAN_TOOLS/npm/js-tools-<pins' hash>
#   tests/js-tools/install.sh --dir   prints that folder's path (installs nothing)
# The folder is named after its pins, so changing them makes a new folder beside the old one,
# never replacing one another checkout's tests may be running from. It is installed into a
# staging folder renamed into place: a run that fails halfway leaves nothing half-made.
set -euo pipefail
TOOLS="${PORTPLAN_TOOLS:-$HOME/.cache/portplan-tools}"
# Versions that run on the package's oldest Node (20.19): vitest 5 needs Node 22. The three
# TypeScripts are npm aliases of the `typescript` package: 7 is the native (Go) compiler, which
# npm ships as typescript@7 (its preview was @typescript/native-preview).
MANIFEST='{
  "name": "portplan-js-tools",
  "private": true,
  "dependencies": {
    "@types/express": "5.0.6",
    "express": "5.3.0",
    "jest": "30.5.2",
    "turbo": "2.11.13",
    "typescript-5.9": "npm:typescript@5.9.3",
    "typescript-6": "npm:typescript@6.0.3",
    "typescript-7": "npm:typescript@7.0.2",
    "vite": "8.3.8",
    "vitest": "4.1.12"
  }
}'
KEY=$(printf '%s\n' "$MANIFEST" | sha256sum | cut -c1-12)
DIR="$TOOLS/npm/js-tools-$KEY"
if [ "${1:-}" = "--dir" ]; then
    echo "$DIR"
    exit 0
fi

fail() {
    echo "install.sh: $*" >&2
    exit 1
}

# What each tool says of its version, one `name version` line each: what the folder must answer.
versions() {
    local bin=$DIR/node_modules/.bin
    echo "express $(cd "$DIR" && node -p "require('express/package.json').version" 2>/dev/null)"
    echo "jest $("$bin/jest" --version 2>/dev/null)"
    echo "turbo $("$bin/turbo" --version 2>/dev/null)"
    local ts
    for ts in 5.9 6 7; do
        echo "typescript-$ts $("$DIR/node_modules/typescript-$ts/bin/tsc" --version 2>/dev/null | sed 's/^Version //')"
    done
    echo "vite $("$bin/vite" --version 2>/dev/null | sed -n 's/^vite\/\([0-9.]*\) .*/\1/p')"
    echo "vitest $("$bin/vitest" --version 2>/dev/null | sed -n 's/^vitest\/\([0-9.]*\) .*/\1/p')"
}
expected='express 5.3.0
jest 30.5.2
turbo 2.11.13
typescript-5.9 5.9.3
typescript-6 6.0.3
typescript-7 7.0.2
vite 8.3.8
vitest 4.1.12'

[ -d "$DIR" ] && [ "$(versions)" = "$expected" ] && exit 0

echo "install.sh: installing the JS tools into $DIR (npm)" >&2
mkdir -p "$TOOLS/npm"
staging=$(mktemp -d "$TOOLS/npm/staging-js-tools-XXXXXX")
log=$(mktemp)
trap 'rm -rf "$staging" "$log"' EXIT
printf '%s\n' "$MANIFEST" > "$staging/package.json"
if ! (cd "$staging" && npm install --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    fail "npm install of the JS tools failed"
fi
rm -rf "$DIR"
mv "$staging" "$DIR" 2>/dev/null || [ -d "$DIR" ] || fail "could not move the tools into $DIR"
said=$(versions)
while read -r line; do
    grep -qxF "$line" <<<"$said" || fail "${line%% *}: installed, but it does not run or does not say ${line#* } (it says: $(grep "^${line%% *} " <<<"$said"))"
done <<<"$expected"
