#!/usr/bin/env bash
# Installs what tests/reliability needs beyond Python and Node, and proves each runs:
#   faketime   (Debian's libfaketime: a process 31 days ahead or behind)
#   strace     (writers stopped or slowed at a syscall)
#   /usr/bin/time (GNU time: peak memory)
#   unshare, flock, script, setpriv (util-linux: PID namespaces, the kernel lock, a terminal)
# Missing Debian packages are installed with apt-get (as root, else through sudo). Prints
# nothing when all are there; a tool still missing or not running afterwards fails with one
# line: `reliability-tools.sh: TOOL: what is wrong`.
set -euo pipefail

fail() {
    echo "reliability-tools.sh: $*" >&2
    exit 1
}

apt_get() {
    if [ "$(id -u)" -eq 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 "$@"
    else
        fail "apt-get: needs root or sudo to install $*"
    fi
}

missing=()
command -v faketime >/dev/null 2>&1 || missing+=(faketime)
command -v strace >/dev/null 2>&1 || missing+=(strace)
[ -x /usr/bin/time ] || missing+=(time)
for tool in unshare flock setpriv; do
    command -v "$tool" >/dev/null 2>&1 || missing+=(util-linux)
done
command -v script >/dev/null 2>&1 || missing+=(bsdutils)
if [ "${#missing[@]}" -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || fail "${missing[*]}: missing, and no apt-get to install them"
    echo "reliability-tools.sh: installing ${missing[*]} (apt-get)" >&2
    apt_get update -qq >/dev/null
    apt_get install -y -qq "${missing[@]}" >/dev/null
fi

# Each tool, run: what the tests ask of it.
[ "$(faketime -f +31d date -u +%Y 2>/dev/null)" -ge "$(date -u +%Y)" ] || fail "faketime: does not run"
strace -f -q -o /dev/null -e trace=fsync -e inject=fsync:delay_enter=1000 true ||
    fail "strace: cannot inject a delay (needs ptrace)"
/usr/bin/time -v -o /dev/null true || fail "time: /usr/bin/time -v does not run"
flock --nonblock --conflict-exit-code 75 /dev/null true || fail "flock: does not run"
setpriv --version >/dev/null || fail "setpriv: does not run"
if [ "$(id -u)" -eq 0 ]; then
    unshare --pid --fork --mount-proc true || fail "unshare: cannot make a PID namespace"
fi
