#!/usr/bin/env bash
# Builds the Python package as it is published: the sdist and this platform's abi3 wheel.
#   bindings-python/scripts/build-dist.sh OUTDIR
# Prints the paths it wrote, one a line. OUTDIR must not hold portplan dists already, so
# what it holds afterwards is exactly this build.
#
# Linux: the wheel is linked by zig (PyPI's `ziglang`) against glibc 2.17 and tagged
# manylinux2014, whatever the glibc of the build host (Debian 12 has 2.36, and its own
# linker makes the library need 2.34); maturin checks the symbols and refuses a wheel that
# does not meet its tag. The release flow (strip, compatibility) is in pyproject.toml.
# The build tools live in a venv of their own outside the repo:
# $PORTPLAN_TOOLS/python-dist (default ~/.cache/portplan-tools/python-dist).
set -euo pipefail

MATURIN_VERSION=1.16.0
ZIGLANG_VERSION=0.17.1

fail() {
    echo "build-dist.sh: $*" >&2
    exit 1
}

[ $# -eq 1 ] || fail "usage: build-dist.sh OUTDIR"
mkdir -p "$1"
outdir=$(cd "$1" && pwd)
package_dir=$(cd "$(dirname "$0")/.." && pwd)
tools="${PORTPLAN_TOOLS:-$HOME/.cache/portplan-tools}/python-dist"

shopt -s nullglob
existing=("$outdir"/portplan-*.whl "$outdir"/portplan-*.tar.gz)
[ ${#existing[@]} -eq 0 ] || fail "$outdir already holds ${existing[0]##*/}; give an empty or new folder"

case "$(uname -s)" in
    Linux) use_zig=1 ;;
    *) use_zig=0 ;;
esac

install_tools() {
    if [ ! -x "$tools/bin/python" ]; then
        # Debian's python3 may lack ensurepip: then a venv without pip, filled by the system's pip.
        python3 -m venv "$tools" 2>/dev/null || {
            rm -rf "$tools"
            python3 -m venv --without-pip "$tools"
            python3 -m pip --python "$tools/bin/python" install -q pip
        }
    fi
    local wanted=("maturin==$MATURIN_VERSION")
    [ "$use_zig" -eq 0 ] || wanted+=("ziglang==$ZIGLANG_VERSION")
    # pip does nothing when the pinned versions are there already.
    "$tools/bin/python" -m pip install -q --disable-pip-version-check "${wanted[@]}"
}

check_tools() {
    local version
    version=$("$tools/bin/maturin" --version 2>/dev/null) || fail "maturin does not run from $tools/bin"
    [ "$version" = "maturin $MATURIN_VERSION" ] || fail "expected maturin $MATURIN_VERSION in $tools, found: $version"
    if [ "$use_zig" -eq 1 ]; then
        version=$("$tools/bin/python" -m ziglang version 2>/dev/null) || fail "zig (PyPI ziglang) does not run from $tools"
        [ "$version" = "$ZIGLANG_VERSION" ] || fail "expected zig $ZIGLANG_VERSION in $tools, found: $version"
    fi
}

install_tools
check_tools
# maturin finds zig through the venv's python on PATH.
export PATH="$tools/bin:$PATH"
cd "$package_dir"
maturin_flags=(--release --out "$outdir")
[ "$use_zig" -eq 0 ] || maturin_flags+=(--zig)
maturin sdist --out "$outdir" >&2
maturin build "${maturin_flags[@]}" >&2

written=("$outdir"/portplan-*.whl "$outdir"/portplan-*.tar.gz)
[ ${#written[@]} -eq 2 ] || fail "expected one wheel and one sdist in $outdir, found ${#written[@]} files"
printf '%s\n' "${written[@]}"
