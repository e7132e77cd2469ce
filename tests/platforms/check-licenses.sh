#!/usr/bin/env bash
# One license everywhere (make check-licenses):
#   - the repository's LICENSE is the MIT license, and the manifests say MIT (Cargo.toml, the
#     npm packages, pyproject.toml);
#   - bindings-js/LICENSE and bindings-python/LICENSE (what npm and maturin pack) are copies of it;
#   - every npm tarball in DIR (main and platform packages, as packed) holds it as package/LICENSE.
# The wheel and the sdist are checked by bindings-python/tests_dist (make check-package-python).
#   tests/platforms/check-licenses.sh DIR
set -euo pipefail
[ $# -eq 1 ] || {
    echo "usage: $0 DIR (npm tarballs, e.g. target/npm-pack)" >&2
    exit 2
}
cd "$(dirname "$0")/../.."
packed=$1
problems=0

problem() {
    echo "check-licenses: $*" >&2
    problems=$((problems + 1))
}

[ -f LICENSE ] || {
    echo "check-licenses: no LICENSE at the repository root" >&2
    exit 1
}
[ "$(head -n 1 LICENSE)" = "MIT License" ] || problem "LICENSE does not start with 'MIT License'"

grep -qx 'license = "MIT"' Cargo.toml || problem "Cargo.toml: no 'license = \"MIT\"' in [workspace.package]"
grep -qx 'license = "MIT"' bindings-python/pyproject.toml || problem "bindings-python/pyproject.toml: license is not \"MIT\""
for manifest in bindings-js/package.json bindings-js/npm/*/package.json; do
    says=$(node -p "require('./$manifest').license")
    [ "$says" = MIT ] || problem "$manifest: license is '$says', not MIT"
done

for copy in bindings-js/LICENSE bindings-python/LICENSE; do
    cmp -s LICENSE "$copy" || problem "$copy is not the same as LICENSE"
done

shopt -s nullglob
tarballs=("$packed"/*.tgz)
[ ${#tarballs[@]} -ge 2 ] || problem "$packed: expected the main and at least one platform tarball, found ${#tarballs[@]}"
for tarball in "${tarballs[@]}"; do
    if ! tar -xOzf "$tarball" package/LICENSE 2>/dev/null | cmp -s LICENSE -; then
        problem "$tarball: no package/LICENSE, or not the same as LICENSE"
    fi
done

if [ "$problems" -ne 0 ]; then
    exit 1
fi
echo "check-licenses: LICENSE (MIT) at the root, in both packages' folders and in ${#tarballs[@]} npm tarballs"
