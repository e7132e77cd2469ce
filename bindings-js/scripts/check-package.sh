#!/usr/bin/env bash
# Checks the npm packages as they would be published (`make check-package-js`):
#   1. packs them (scripts/pack.sh) into target/npm-pack/;
#   2. npm/<platform>/ holds exactly what `napi create-npm-dirs` makes of package.json;
#   3. attw: the types of every entry (., ./vite, ./web) under node10, node16 and bundler;
#   4. publint: the main and the platform package;
#   5. installs the tarballs into fresh projects and uses them (test/package/).
set -euo pipefail
JS=$(cd "$(dirname "$0")/.." && pwd)
out=$(dirname "$JS")/target/npm-pack
BIN=$JS/node_modules/.bin
rm -rf "$out"
"$JS/scripts/pack.sh" "$out"
main=$out/portplan-$(node -p "require('$JS/package.json').version").tgz

fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
cp "$JS/package.json" "$fresh/"
"$BIN/napi" create-npm-dirs --cwd "$fresh" > /dev/null
if ! diff -r "$JS/npm" "$fresh/npm"; then
    echo "check-package: bindings-js/npm/ is not what napi create-npm-dirs makes of package.json (run it in bindings-js)" >&2
    exit 1
fi

"$BIN/attw" "$main" --entrypoints . ./vite --format table-flipped
# portplan/web is a browser ES module: from CommonJS it is import() (or require(esm), Node >= 20.19).
"$BIN/attw" "$main" --entrypoints ./web --ignore-rules cjs-resolves-to-esm --format table-flipped
for tarball in "$out"/*.tgz; do
    "$BIN/publint" run --strict "$tarball"
done

PORTPLAN_PACKED=$out node --test --test-concurrency=1 "$JS/test/package/"
