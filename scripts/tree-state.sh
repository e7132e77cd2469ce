#!/usr/bin/env bash
# Builds and tests must leave the work tree as they found it (artifacts ignored, lockfiles
# unchanged). `make test` records the tree before and compares after:
#   scripts/tree-state.sh snapshot FILE        every modified or untracked (not ignored) file,
#                                              with a hash of its content, into FILE
#   scripts/tree-state.sh compare FILE WHAT    fails naming each file that appeared, changed
#                                              or went back since the snapshot (WHAT: "make test")
set -euo pipefail
cd "$(dirname "$0")/.."

# One line per entry of `git status`: code, content hash, path. A file that was already
# modified before the run and was modified again shows up through its hash.
tree_state() {
    local entry code path hash
    git status --porcelain=v1 -z --untracked-files=all | while IFS= read -r -d '' entry; do
        code=${entry:0:2}
        path=${entry:3}
        # A staged rename or copy is followed by its source path.
        case $code in R* | C*) IFS= read -r -d '' _ ;; esac
        if [ -f "$path" ]; then
            hash=$(git hash-object --no-filters -- "$path")
        else
            hash=gone
        fi
        printf '%s\t%s\t%s\n' "$code" "$hash" "$path"
    done | LC_ALL=C sort
}

usage() {
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

[ $# -ge 2 ] || usage
action=$1 file=$2
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    echo "tree-state.sh: not a git work tree: whether the run changed the tree is not checked" >&2
    [ "$action" = snapshot ] && : >"$file"
    exit 0
fi
case $action in
    snapshot)
        tree_state >"$file"
        ;;
    compare)
        what=${3:-the run}
        now=$(tree_state)
        # comm -3: the entries of only one side (the second side's indented by a tab).
        changed=$(LC_ALL=C comm -3 "$file" - <<<"$now" | sed 's/^\t//' | cut -f3 | sed '/^$/d' | LC_ALL=C sort -u)
        [ -z "$changed" ] && exit 0
        echo "tree-state.sh: $what changed the work tree (commit the change, or ignore the artifact in .gitignore):" >&2
        while IFS= read -r path; do
            line=$(P=$path awk -F'\t' '$3 == ENVIRON["P"] { print $1 }' <<<"$now")
            echo "  ${line:-clean again}  $path" >&2
        done <<<"$changed"
        exit 1
        ;;
    *) usage ;;
esac
