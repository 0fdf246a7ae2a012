# common.sh - shared by tests/testhost/build.sh and run.sh (bash; sourced, not run).
# shellcheck shell=bash

TH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$TH_DIR/../.." && pwd)"
TH_OUT="${TH_OUT:-$TH_DIR/out}"
GUEST_OUT="${GUEST_OUT:-$REPO_DIR/guest/linux/out}"

th_log() { printf '[testhost] %s\n' "$*" >&2; }
th_die() { printf '[testhost] ERROR: %s\n' "$*" >&2; exit 1; }

# th_need PKG:CMD... : apt-get install (Debian) the packages whose command is missing
th_need() {
    local pc missing=()
    for pc in "$@"; do
        command -v "${pc#*:}" >/dev/null 2>&1 || missing+=("${pc%%:*}")
    done
    ((${#missing[@]})) || return 0
    th_apt_install "${missing[@]}"
}

# th_apt_install PKG... : apt-get install from Debian, unless SKIP_APT_INSTALL is set
th_apt_install() {
    [[ -z "${SKIP_APT_INSTALL:-}" ]] || th_die "missing packages (SKIP_APT_INSTALL set): $*"
    th_log "installing: $*"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# th_copy_libs ROOT BINARY : copy the shared libraries (and the ELF interpreter) BINARY needs
# into ROOT at the same paths. No-op for static binaries and scripts.
th_copy_libs() {
    local root=$1 bin=$2 lib
    file -L "$bin" | grep -q 'dynamically linked' || return 0
    ldd "$bin" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
        [[ -f $lib ]] || continue
        mkdir -p "$root$(dirname "$lib")"
        [[ -e $root$lib ]] || cp -L "$lib" "$root$lib"
    done
}

# th_cpio DIR OUTFILE [COMPRESSOR...] : pack DIR as a newc cpio (root-owned), compressed
th_cpio() {
    local dir=$1 out=$2; shift 2
    (($#)) || set -- gzip -1n
    (cd "$dir" && find . -print0 | LC_ALL=C sort -z |
        cpio --null -o -H newc --owner=0:0 --quiet --reproducible) | "$@" > "$out.tmp.$$"
    mv "$out.tmp.$$" "$out"
}
