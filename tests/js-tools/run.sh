#!/usr/bin/env bash
# The npm package with the real JS tools (`make test-js-tools`): the packed tarballs installed
# as a user installs them, then each tool's test (tests/js-tools/*.test.js):
#   types.test.js    tsc 5.9, 6 and 7 on a consumer project, `types` set or not, skipLibCheck on
#                    and off, noUncheckedIndexedAccess, ESM, CommonJS and bundler resolution
#   express.test.js  `await listen('api', express())` settles and the port answers
#   workers.test.js  Vitest and Jest with 4 workers: 4 distinct ports, the same on a rerun, other
#                    ports for a second run at the same time
#   vite.test.js     `portplan run web -- npm exec vite` / `npm x vite`, the Vite plugin's lines
#   turbo.test.js    an npm + turbo workspace in strict env mode, a scoped workspace app
#   readme.test.js   the JS examples of README.md and bindings-js/README.md, as copied
#   tests/js-tools/run.sh PACKED [TEST.js...]   (PACKED: the folder pack.sh wrote; default: every test)
# The tools are installed once into the tool cache (install.sh). Each run makes a folder of its
# own inside it (so that projects there find the tools as a project finds its own
# node_modules), installs the tarballs there, and removes it at the end.
set -euo pipefail
if [ $# -lt 1 ]; then
    echo "usage: $0 PACKED [TEST.js...]" >&2
    exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
packed=$(cd "$1" && pwd)
shift
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=("$HERE"/*.test.js)
"$HERE/install.sh"
tools=$("$HERE/install.sh" --dir)

version=$(node -p "require('$HERE/../../bindings-js/package.json').version")
main=$packed/portplan-$version.tgz
[ -f "$main" ] || { echo "run.sh: no $main (run bindings-js/scripts/pack.sh)" >&2; exit 1; }
platform=()
for tarball in "$packed"/portplan-*-"$version".tgz; do
    [ -f "$tarball" ] && platform+=("$tarball")
done

mkdir -p "$tools/runs"
trial=$(mktemp -d "$tools/runs/run-XXXXXX")
trap 'rm -rf "$trial"' EXIT
# The trial's own package.json makes it a project of its own: npm installs into it, not into
# the tools folder around it. The tarballs' one registry dependency (@types/node) comes from
# npm's cache when it is there.
echo '{ "name": "portplan-trial", "private": true }' > "$trial/package.json"
if ! (cd "$trial" && npm install --prefer-offline --no-audit --no-fund --loglevel=error "${platform[@]}" "$main"); then
    echo "run.sh: npm install of the packed tarballs failed" >&2
    exit 1
fi
PORTPLAN_JS_TOOLS=$tools PORTPLAN_TRIAL=$trial PORTPLAN_PACKED=$packed \
    node --test --test-concurrency=1 "${tests[@]}"
