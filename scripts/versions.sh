#!/usr/bin/env bash
# The release version is one number in every manifest (docs/release.md says which to bump):
#   scripts/versions.sh          prints it (Cargo.toml's [workspace.package] version); fails,
#                                naming each manifest that says otherwise
#   scripts/versions.sh vX.Y.Z   the same, and fails unless the version is X.Y.Z (the release tag)
# Manifests: Cargo.toml, bindings-js/package.json (version, and the portplan-<platform>
# optionalDependencies), bindings-js/npm/*/package.json, bindings-python/pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."

# The `version = "..."` of one [section] of a TOML file; empty if there is none.
toml_version() {
    awk -v section="[$2]" '
        /^\[/ { inside = ($0 == section) }
        inside && /^version[ \t]*=[ \t]*"/ { sub(/^version[ \t]*=[ \t]*"/, ""); sub(/".*/, ""); print; exit }
    ' "$1"
}

# "FILE<TAB>WHAT<TAB>VERSION" lines of one package.json: its version and the versions it
# asks of its portplan-<platform> packages.
# shellcheck disable=SC2016  # JavaScript template literals, not shell expansions
json_versions() {
    node -e '
        const [file] = process.argv.slice(1);
        const manifest = JSON.parse(require("fs").readFileSync(file, "utf8"));
        console.log([file, "version", manifest.version ?? ""].join("\t"));
        for (const [name, wanted] of Object.entries(manifest.optionalDependencies ?? {})) {
            if (name.startsWith("portplan-")) console.log([file, `optionalDependencies.${name}`, wanted].join("\t"));
        }
    ' "$1"
}

[ $# -le 1 ] || {
    sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}
version=$(toml_version Cargo.toml workspace.package)
[ -n "$version" ] || {
    echo "versions.sh: Cargo.toml: no version in [workspace.package]" >&2
    exit 1
}

entries=()
python_version=$(toml_version bindings-python/pyproject.toml project)
# A pyproject without a static version takes Cargo's (maturin's dynamic version).
[ -z "$python_version" ] || entries+=("bindings-python/pyproject.toml"$'\t'"[project] version"$'\t'"$python_version")
for manifest in bindings-js/package.json bindings-js/npm/*/package.json; do
    [ -f "$manifest" ] || continue
    lines=$(json_versions "$manifest")
    while IFS= read -r line; do entries+=("$line"); done <<<"$lines"
done

status=0
for entry in "${entries[@]}"; do
    IFS=$'\t' read -r file what found <<<"$entry"
    if [ "$found" != "$version" ]; then
        echo "versions.sh: $file: $what is '$found', Cargo.toml's version is '$version'" >&2
        status=1
    fi
done
if [ $# -eq 1 ] && [ "$1" != "v$version" ]; then
    echo "versions.sh: the tag is '$1' but the manifests say version $version (tag v$version)" >&2
    status=1
fi
[ "$status" -eq 0 ] && echo "$version"
exit "$status"
