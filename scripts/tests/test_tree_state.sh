#!/usr/bin/env bash
# Tests of scripts/tree-state.sh on a scratch git repository: a run that changes a tracked
# file, leaves an untracked file or changes an already modified file fails and names it; a
# run that only writes ignored files, or nothing, passes.
#   scripts/tests/test_tree_state.sh     prints one line per case and "N passed, N failed"
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# shellcheck source=scripts/tests/harness.sh
. "$repo/scripts/tests/harness.sh"

# A repository with the script, a tracked file, a lockfile and an ignored folder, committed.
new_case() {
    begin_case "$1"
    box=$(mktemp -d "$scratch/case.XXXX")
    mkdir -p "$box/scripts"
    cp "$repo/scripts/tree-state.sh" "$box/scripts/"
    printf 'one\n' >"$box/tracked.txt"
    printf '{}\n' >"$box/package-lock.json"
    printf 'build/\n' >"$box/.gitignore"
    git -C "$box" init -q
    git -C "$box" add -A
    git -C "$box" -c user.name=t -c user.email=t@t.invalid commit -qm start
}

snapshot() {
    "$box/scripts/tree-state.sh" snapshot "$box.state"
}

compare() {
    "$box/scripts/tree-state.sh" compare "$box.state" "the run" 2>"$box.err"
    status=$?
}

expect_pass() {
    [ "$status" -eq 0 ] || problem "exit status $status, expected 0: $(cat "$box.err")"
}

# Fails, and names each of these files with its git status code.
expect_named() {
    [ "$status" -eq 1 ] || problem "exit status $status, expected 1"
    head -n 1 "$box.err" | grep -qx "tree-state.sh: the run changed the work tree (commit the change, or ignore the artifact in .gitignore):" ||
        problem "first line: $(head -n 1 "$box.err")"
    local entry
    for entry in "$@"; do
        grep -qxF "  $entry" "$box.err" || problem "not named: '$entry' in: $(tr '\n' '|' <"$box.err")"
    done
}

new_case "nothing changed: passes"
snapshot
compare
expect_pass
end_case

new_case "only ignored files written: passes"
snapshot
mkdir -p "$box/build" && echo artifact >"$box/build/out.bin"
compare
expect_pass
end_case

new_case "a tracked lockfile rewritten: fails, names it"
snapshot
printf '{"lockfileVersion": 3}\n' >"$box/package-lock.json"
compare
expect_named " M  package-lock.json"
end_case

new_case "an untracked file not ignored, in a new folder: fails, names the file"
snapshot
mkdir -p "$box/dist/esm" && echo x >"$box/dist/esm/index.js"
compare
expect_named "??  dist/esm/index.js"
end_case

new_case "a tracked file deleted: fails, names it"
snapshot
rm "$box/tracked.txt"
compare
expect_named " D  tracked.txt"
end_case

new_case "a file modified before the run and unchanged by it: passes"
echo "local edit" >>"$box/tracked.txt"
snapshot
compare
expect_pass
end_case

new_case "a file modified before the run and modified again by it: fails, names it"
echo "local edit" >>"$box/tracked.txt"
snapshot
echo "build edit" >>"$box/tracked.txt"
compare
expect_named " M  tracked.txt"
end_case

new_case "a file modified before the run and restored by it: fails, names it"
echo "local edit" >>"$box/tracked.txt"
snapshot
git -C "$box" checkout -q -- tracked.txt
compare
expect_named "clean again  tracked.txt"
end_case

new_case "a name with spaces: named whole"
snapshot
echo x >"$box/my notes.txt"
compare
expect_named "??  my notes.txt"
end_case

finish
