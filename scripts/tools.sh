#!/usr/bin/env bash
# Installs the build tools a fresh machine lacks, once. Slow installs are cached outside the
# repo ($PORTPLAN_TOOLS, default ~/.cache/portplan-tools) so CI and later runs skip them.
#   scripts/tools.sh wasm      rustup's wasm32 target and wasm-bindgen-cli (the Cargo.lock version)
#   scripts/tools.sh chromium  Debian's Chromium for the browser tests
# Prints nothing on success but what the step installs; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="${PORTPLAN_TOOLS:-$HOME/.cache/portplan-tools}"

wasm() {
    if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
        rustup target add wasm32-unknown-unknown
    fi
    # wasm-bindgen-cli must be exactly the version of the wasm-bindgen crate in Cargo.lock.
    local version
    version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3 }' Cargo.lock)
    if [ -z "$version" ]; then
        echo "tools.sh: wasm-bindgen is not in Cargo.lock" >&2
        exit 1
    fi
    if ! "$TOOLS/bin/wasm-bindgen" --version 2>/dev/null | grep -qx "wasm-bindgen $version"; then
        # Without --locked: the CLI's own lockfile pins a crate the registry lacks (TOOLCHAIN.md).
        cargo install wasm-bindgen-cli --version "$version" --root "$TOOLS"
    fi
}

chromium() {
    if ! command -v chromium >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    fi
}

for step in "$@"; do
    "$step"
done
