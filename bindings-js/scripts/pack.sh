#!/usr/bin/env bash
# Packs the npm packages as they would be published, into OUTDIR:
#   portplan-<version>.tgz             the main package (`npm pack` builds it first: scripts/prepack.js)
#   portplan-<platform>-<version>.tgz  one platform package for each addon in ADDONS
# ADDONS (default bindings-js/native, the addon built for this host) is where the release
# pipeline gathers every target's `portplan.<platform>.node`. Prints the tarballs' paths.
#   bindings-js/scripts/pack.sh OUTDIR [ADDONS]
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 OUTDIR [ADDONS]" >&2
    exit 2
fi
JS=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
addons=${2:-$JS/native}

main=$(cd "$JS" && npm pack --pack-destination "$out" --silent)
echo "$out/$main"

[ -d "$addons" ] && addons=$(cd "$addons" && pwd)
shopt -s nullglob
found=("$addons"/portplan.*.node)
if [ ${#found[@]} -eq 0 ]; then
    echo "pack.sh: no addon (portplan.<platform>.node) in $addons" >&2
    exit 1
fi
for addon in "${found[@]}"; do
    platform=${addon##*/portplan.}
    platform=${platform%.node}
    manifest=$JS/npm/$platform/package.json
    if [ ! -f "$manifest" ]; then
        echo "pack.sh: $addon is for $platform, which has no npm/$platform (not in package.json napi.targets)" >&2
        exit 1
    fi
    # Packed from a copy, so the tree keeps no addon in npm/.
    stage=$(mktemp -d)
    cp "$manifest" "$JS/npm/$platform/README.md" "$JS/LICENSE" "$addon" "$stage/"
    tarball=$(cd "$stage" && npm pack --pack-destination "$out" --silent)
    rm -rf "$stage"
    echo "$out/$tarball"
done
