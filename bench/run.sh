#!/usr/bin/env bash
# make bench: install the peers into bench/.peers (never as dependencies of the packages),
# then run every scenario and write docs/benchmarks.md. BENCH_QUICK=1 for a short run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
peers=$here/.peers
python=$root/.venv/bin/python

# Peer versions: pinned by major so a fresh machine measures the same tools.
node_peers=(get-port@7 portfinder@1)
python_peers=('portpicker>=1.6,<2' 'port4me>=0.7,<1' 'port-for>=1.1,<2' 'pyinstrument>=5,<6')
stamp="${node_peers[*]} ${python_peers[*]}"

if [[ "$(cat "$peers/.stamp" 2>/dev/null)" != "$stamp" ]]; then
  rm -rf "$peers"
  mkdir -p "$peers/node"
  echo '{"private": true}' > "$peers/node/package.json"
  (cd "$peers/node" && npm install --no-audit --no-fund --loglevel=error "${node_peers[@]}")
  "$python" -m pip install -q --disable-pip-version-check --target "$peers/python" "${python_peers[@]}"
  echo "$stamp" > "$peers/.stamp"
fi

exec "$python" "$here/bench.py" "$@"
