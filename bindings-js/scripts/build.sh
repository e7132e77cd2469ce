#!/usr/bin/env bash
# Builds the npm package in place, on a fresh machine too: npm dependencies, the native
# addon (napi), the WebAssembly engines (Node fallback in pkg/node/, browsers in web/),
# and the TypeScript (dist/cjs, dist/esm). Steps whose inputs did not change are skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
JS=bindings-js
STAMPS=target/portplan-js
mkdir -p "$STAMPS"

scripts/tools.sh wasm

# npm install, not npm ci (TOOLCHAIN.md: ci rejects optional deps missing from this registry).
if [ ! -f $JS/node_modules/.package-lock.json ] || [ $JS/package.json -nt $JS/node_modules/.package-lock.json ]; then
    (cd $JS && npm install --no-audit --no-fund)
    touch $JS/node_modules/.package-lock.json
fi
BIN=$JS/node_modules/.bin

# Native addon: cargo skips the build when nothing changed.
(cd $JS && node_modules/.bin/napi build --platform --release --manifest-path napi/Cargo.toml \
    --package-json-path package.json --output-dir native --no-js --dts index.d.ts)

# One wasm build: cargo, then wasm-bindgen and wasm-opt when the module changed.
wasm() {
    local stage=$1 bindgen_target=$2 out=$3
    shift 3
    cargo build --quiet -p portplan-wasm --target wasm32-unknown-unknown --profile wasm "$@"
    local raw=target/wasm32-unknown-unknown/wasm/portplan_wasm.wasm
    if cmp -s "$raw" "$STAMPS/$stage.wasm" && [ -f "$out/portplan_wasm_bg.wasm" ]; then
        return
    fi
    wasm-bindgen --target "$bindgen_target" --out-dir "$out" "$raw"
    "$BIN/wasm-opt" -Oz --converge --strip-debug --strip-producers "$out/portplan_wasm_bg.wasm" -o "$out/portplan_wasm_bg.wasm"
    cp "$raw" "$STAMPS/$stage.wasm"
}
# Node fallback: the whole API. Browsers: only plan (feature `host` off), to stay small.
wasm node nodejs $JS/pkg/node
wasm web web $JS/web --no-default-features

# TypeScript: both module formats, rebuilt when a source changed.
if [ ! -f $JS/dist/esm/index.js ] || [ -n "$(find $JS/src $JS/scripts $JS/tsconfig*.json -newer $JS/dist/esm/index.js)" ]; then
    rm -rf $JS/dist
    "$BIN/tsc" -p $JS/tsconfig.cjs.json
    "$BIN/tsc" -p $JS/tsconfig.esm.json
    # The ES module build has no __dirname: its locate.js uses import.meta.url.
    cp $JS/scripts/locate.esm.js $JS/dist/esm/locate.js
    echo '{"type": "commonjs"}' > $JS/dist/cjs/package.json
    echo '{"type": "module"}' > $JS/dist/esm/package.json
fi

web_wasm=$JS/web/portplan_wasm_bg.wasm
web_gz=$(gzip -9c $web_wasm | wc -c)
echo "portplan/web: $(wc -c < $web_wasm) bytes, $web_gz gzipped (budget 40960)"
# The budget is part of the build: a change that outgrows it fails here, not in a browser
# (docs/wasm-size.md says where the bytes go).
if [ "$web_gz" -gt 40960 ]; then
    echo "error: portplan/web is $web_gz bytes gzipped, over its 40960-byte budget (docs/wasm-size.md)" >&2
    rm -f "$STAMPS/web.wasm"  # so the next build checks again
    exit 1
fi
