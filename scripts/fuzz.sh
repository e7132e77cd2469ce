#!/usr/bin/env bash
# Fuzzes the core's JSON entry points and registry parsing with cargo-fuzz (libFuzzer).
#   scripts/fuzz.sh [SECONDS]   each target for SECONDS (default 20; `make fuzz` runs 300)
# Stable Rust: RUSTC_BOOTSTRAP lets cargo-fuzz pass its -Z sanitizer flags. New inputs
# go to core/fuzz/corpus (ignored); the seeds (the shared vectors) are committed.
set -euo pipefail
cd "$(dirname "$0")/../core"
seconds="${1:-20}"
TOOLS="${PORTPLAN_TOOLS:-$HOME/.cache/portplan-tools}"
export PATH="$TOOLS/bin:$PATH"
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    cargo install cargo-fuzz --root "$TOOLS"
fi
export RUSTC_BOOTSTRAP=1
for target in plan_json registry; do
    mkdir -p "fuzz/corpus/$target"
    log="fuzz/corpus/$target.log"
    status=0
    cargo fuzz run "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
        -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 >"$log" 2>&1 || status=$?
    grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | sed "s/^/fuzz: $target: /" || true
    if [ "$status" -ne 0 ]; then
        # A crash, a hang or a build failure: show the end of the log, keep the artifact.
        tail -n 40 "$log" >&2
        echo "fuzz: $target failed (exit $status); log: core/$log" >&2
        exit 1
    fi
done
echo "fuzz: no panic, no hang (${seconds}s per target)"
