#!/usr/bin/env bash
# Install what building and testing need, from Debian's apt repositories only.
# Idempotent: installs only what is missing. Set SKIP_APT_INSTALL=1 to only check.
set -euo pipefail
PKGS=(build-essential meson ninja-build pkg-config libfdt-dev libcmocka-dev
      acpica-tools device-tree-compiler clang libclang-rt-dev
      qemu-system-x86 busybox-static kmod cpio gzip lz4 e2fsprogs file binutils
      liblz4-dev liblzma-dev libzstd-dev zlib1g-dev libxxhash-dev libseccomp-dev gdb dmsetup)
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]})) || exit 0
if [[ -n "${SKIP_APT_INSTALL:-}" ]]; then
	echo "deps: missing packages: ${missing[*]}" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
SUDO=
[[ $(id -u) -eq 0 ]] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
