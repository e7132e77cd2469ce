#!/usr/bin/env bash
# Builds the npm package in place, on a fresh machine too: npm dependencies, the native
# addon (napi), the WebAssembly engines (Node fallback in pkg/node/, browsers in web/),
# and the TypeScript (dist/cjs, dist/esm). Steps whose inputs did not change are skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
JS=bindings-js
STAMPS=target/portplan-js
mkdir -p "$STAMPS"

# The tools that scripts/tools.sh installs (wasm-bindgen), also when run without make (npm pack).
export PATH="${PORTPLAN_TOOLS:-$HOME/.cache/portplan-tools}/bin:$PATH"
scripts/tools.sh wasm

# npm install, not npm ci: ci refuses a lockfile without the optional platform packages
# (portplan-<platform>), which only exist on the registry once published. The committed
# lockfile is what npm install writes, so it stays as it is; in CI a rewrite fails the build.
# npm 11 or later (package.json devEngines): npm 10 rewrites it without the `libc` fields.
if [ ! -f $JS/node_modules/.package-lock.json ] || [ $JS/package.json -nt $JS/node_modules/.package-lock.json ] \
    || [ $JS/package-lock.json -nt $JS/node_modules/.package-lock.json ]; then
    lock_before=$(cksum < $JS/package-lock.json)
    (cd $JS && npm install --no-audit --no-fund)
    if [ "$(cksum < $JS/package-lock.json)" != "$lock_before" ]; then
        echo "build.sh: npm install rewrote bindings-js/package-lock.json; commit the new lockfile" >&2
        if [ -n "${CI:-}" ]; then exit 1; fi
    fi
    touch $JS/node_modules/.package-lock.json
fi
BIN=$JS/node_modules/.bin

# Native addon: cargo skips the build when nothing changed. Stripped of its symbol table, as
# published (napi's --strip links with -s, which left the table in place here).
(cd $JS && CARGO_PROFILE_RELEASE_STRIP=symbols node_modules/.bin/napi build --platform --release --manifest-path napi/Cargo.toml \
    --package-json-path package.json --output-dir native --no-js --dts index.d.ts)

# One wasm build: cargo with PROFILE, then wasm-bindgen and wasm-opt (OPT: -O3 for speed, -Oz
# for size) when the module changed.
wasm() {
    local stage=$1 bindgen_target=$2 out=$3 profile=$4 opt=$5
    shift 5
    cargo build --quiet -p portplan-wasm --target wasm32-unknown-unknown --profile "$profile" "$@"
    local raw=target/wasm32-unknown-unknown/$profile/portplan_wasm.wasm
    if cmp -s "$raw" "$STAMPS/$stage.wasm" && [ -f "$out/portplan_wasm_bg.wasm" ]; then
        return
    fi
    wasm-bindgen --target "$bindgen_target" --out-dir "$out" "$raw"
    # shellcheck disable=SC2086  # OPT is one or more wasm-opt flags
    "$BIN/wasm-opt" $opt --strip-debug --strip-producers "$out/portplan_wasm_bg.wasm" -o "$out/portplan_wasm_bg.wasm"
    cp "$raw" "$STAMPS/$stage.wasm"
}
# Node fallback: the whole API, built for speed (it ships in the package, nobody downloads it
# on a page). Browsers: only plan (feature `host` off), built for size (its gzip budget below).
wasm node nodejs $JS/pkg/node wasm-node -O3
wasm web web $JS/web wasm "-Oz --converge" --no-default-features

# TypeScript: the CommonJS build, and the ES module entries that re-export it (src/esm/).
# tsc writes the declarations and every module; then each entry a user loads (index, vite, the
# CLI) is replaced by one file that esbuild bundles from the sources: a fresh process reads and
# compiles 1 file instead of 15 (issue 16, first port). errors.js stays a module of its own that
# every entry requires, so all of them throw the same PlanError classes. cross-spawn (a
# dependency) stays outside the bundles: only `run` loads it.
if [ ! -f $JS/dist/esm/index.js ] || [ -n "$(find $JS/src $JS/tsconfig.json -newer $JS/dist/esm/index.js)" ]; then
    rm -rf $JS/dist
    "$BIN/tsc" -p $JS/tsconfig.json
    bundle=(--bundle --platform=node --format=cjs --target=node20 --outdir="$JS/dist/cjs" --allow-overwrite
        --external:./errors.js --external:vite --external:cross-spawn --log-level=warning)
    "$BIN/esbuild" $JS/src/index.ts $JS/src/cli.ts "${bundle[@]}"
    # `require('portplan/vite')` is the plugin itself (`plugins: [require('portplan/vite')()]`
    # in a vite.config.cjs), still carrying `portplan` and `default` for named and default imports.
    "$BIN/esbuild" $JS/src/vite.ts "${bundle[@]}" \
        --footer:js='module.exports = Object.assign(module.exports.default, module.exports);'
    # src/ imports Node's modules as `import fs = require('node:fs')`: esbuild keeps that one
    # require, where `import * as fs` copies every export of the module through its __toESM
    # helper at load (~0.6 ms of a fresh process' import). One that slips back in fails here.
    if grep -l '__toESM(require("node:' $JS/dist/cjs/{index,cli,vite}.js; then
        echo "error: a namespace import of a node: module in src/ (use import x = require('node:x'))" >&2
        rm -rf $JS/dist  # so the next build bundles again
        exit 1
    fi
    echo '{"type": "commonjs"}' > $JS/dist/cjs/package.json
    mkdir -p $JS/dist/esm
    cp $JS/src/esm/* $JS/dist/esm/
fi

web_wasm=$JS/web/portplan_wasm_bg.wasm
web_gz=$(gzip -9c $web_wasm | wc -c)
budget=153600  # 150 KB gzipped (issue 13)
echo "portplan/web: $(wc -c < $web_wasm) bytes, $web_gz gzipped (budget $budget)"
# The budget is part of the build: a change that outgrows it fails here, not in a browser
# (docs/wasm-size.md says where the bytes go).
if [ "$web_gz" -gt $budget ]; then
    echo "error: portplan/web is $web_gz bytes gzipped, over its $budget-byte budget (docs/wasm-size.md)" >&2
    rm -f "$STAMPS/web.wasm"  # so the next build checks again
    exit 1
fi
