#!/usr/bin/env bash
# Tests of scripts/versions.sh on scratch manifests: one version everywhere passes and prints
# it; a manifest, a platform package, an optional dependency or the tag that differs fails
# and is named.
#   scripts/tests/test_versions.sh     prints one line per case and "N passed, N failed"
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# shellcheck source=scripts/tests/harness.sh
. "$repo/scripts/tests/harness.sh"

# Manifests that all say 1.2.3.
new_case() {
    begin_case "$1"
    box=$(mktemp -d "$scratch/case.XXXX")
    mkdir -p "$box/scripts" "$box/bindings-js/npm/linux-x64-gnu" "$box/bindings-python"
    cp "$repo/scripts/versions.sh" "$box/scripts/"
    printf '[workspace]\nmembers = ["core"]\n\n[workspace.package]\nversion = "1.2.3"\nedition = "2024"\n' >"$box/Cargo.toml"
    printf '[build-system]\nrequires = ["maturin"]\n\n[project]\nname = "portplan"\nversion = "1.2.3"\n' >"$box/bindings-python/pyproject.toml"
    printf '{"name": "portplan", "version": "1.2.3", "optionalDependencies": {"portplan-linux-x64-gnu": "1.2.3"}}\n' >"$box/bindings-js/package.json"
    printf '{"name": "portplan-linux-x64-gnu", "version": "1.2.3"}\n' >"$box/bindings-js/npm/linux-x64-gnu/package.json"
}

run_versions() {
    "$box/scripts/versions.sh" "$@" >"$box.out" 2>"$box.err"
    status=$?
}

expect_version() {
    [ "$status" -eq 0 ] || problem "exit status $status: $(cat "$box.err")"
    [ "$(cat "$box.out")" = "$1" ] || problem "printed '$(cat "$box.out")', expected '$1'"
}

expect_failure() {
    [ "$status" -eq 1 ] || problem "exit status $status, expected 1"
    grep -qxF "$1" "$box.err" || problem "no line '$1' in: $(cat "$box.err")"
}

new_case "one version everywhere: printed"
run_versions
expect_version 1.2.3
end_case

new_case "the tag of that version: passes"
run_versions v1.2.3
expect_version 1.2.3
end_case

new_case "another tag: fails"
run_versions v1.2.4
expect_failure "versions.sh: the tag is 'v1.2.4' but the manifests say version 1.2.3 (tag v1.2.3)"
end_case

new_case "package.json behind: fails, named"
sed -i 's/"version": "1.2.3"/"version": "1.2.2"/' "$box/bindings-js/package.json"
run_versions
expect_failure "versions.sh: bindings-js/package.json: version is '1.2.2', Cargo.toml's version is '1.2.3'"
end_case

new_case "an optional platform dependency behind: fails, named"
sed -i 's/"portplan-linux-x64-gnu": "1.2.3"/"portplan-linux-x64-gnu": "^1.2.0"/' "$box/bindings-js/package.json"
run_versions
expect_failure "versions.sh: bindings-js/package.json: optionalDependencies.portplan-linux-x64-gnu is '^1.2.0', Cargo.toml's version is '1.2.3'"
end_case

new_case "a platform package behind: fails, named"
sed -i 's/1.2.3/1.0.0/' "$box/bindings-js/npm/linux-x64-gnu/package.json"
run_versions
expect_failure "versions.sh: bindings-js/npm/linux-x64-gnu/package.json: version is '1.0.0', Cargo.toml's version is '1.2.3'"
end_case

new_case "pyproject behind: fails, named"
sed -i 's/version = "1.2.3"/version = "1.2.0"/' "$box/bindings-python/pyproject.toml"
run_versions
expect_failure "versions.sh: bindings-python/pyproject.toml: [project] version is '1.2.0', Cargo.toml's version is '1.2.3'"
end_case

new_case "pyproject with a dynamic version (maturin takes Cargo's): passes"
sed -i 's/^version = "1.2.3"$/dynamic = ["version"]/' "$box/bindings-python/pyproject.toml"
run_versions
expect_version 1.2.3
end_case

new_case "a version in another section of Cargo.toml does not count"
printf '\n[workspace.dependencies]\nversion = "9.9.9"\n' >>"$box/Cargo.toml"
run_versions
expect_version 1.2.3
end_case

finish
