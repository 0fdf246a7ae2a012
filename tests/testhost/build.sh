#!/usr/bin/env bash
# build.sh - build (once, cached) the base image of the L1 "test host": Debian's cloud kernel
# booted by QEMU-TCG with emulated AMD SVM, so that vmm inside it gets a real /dev/kvm.
# (This machine's own /dev/kvm is kvm_pvm, which cannot run Linux guests.)
#
# usage: tests/testhost/build.sh          prints the base initramfs path on stdout
#
# The base initramfs holds busybox, /init (init.sh), /kvm/ (kvm-amd.ko, the modules it needs,
# and order, the order to load them in) and /mods/{brd,dm-mod,dm-flakey}.ko from the same
# kernel package as the guest, the guest artifacts of guest/linux/make-guest.sh in /g/,
# and with WITH_QEMU=1 qemu-system-x86_64 (+ shared libraries) with its firmware in /q/fw/.
# vmm, lib.sh and the scenarios are NOT in it: run.sh appends them per run as a second,
# small cpio archive (the kernel unpacks concatenated archives in order).
#
# Cache ($TH_OUT, default tests/testhost/out):
#   base-<key>.cpio[.lz4]  the base image; <key> hashes the kernel/busybox versions, the guest
#                          stamps, init.sh, build.sh and the QEMU package version
#   base-<key>.env         what went in (KERNEL_VER, VMLINUZ, QEMU version, ...)
#   Older bases of the same variant (plain / -qemu) are deleted when a new one is built.
#
# Env: WITH_QEMU=1, SKIP_APT_INSTALL=1, FORCE=1, TH_OUT, GUEST_OUT (guest/linux/out),
#      FLAVOUR / KERNEL_PKG (passed to make-guest.sh), TH_COMPRESS=lz4|gzip|none (lz4)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

WITH_QEMU="${WITH_QEMU:-0}"
TH_COMPRESS="${TH_COMPRESS:-lz4}"
mkdir -p "$TH_OUT"

th_need cpio:cpio file:file lz4:lz4 gzip:gzip libc-bin:ldd
if [[ $WITH_QEMU == 1 ]]; then
    th_need qemu-system-x86:qemu-system-x86_64
    [[ -f /usr/share/seabios/bios-256k.bin && -f /usr/share/qemu/qboot.rom ]] ||
        th_apt_install seabios qemu-system-data
fi

# 1. guest artifacts (cached by make-guest.sh itself); its log: $TH_OUT/make-guest.log
if ! OUT="$GUEST_OUT" "$REPO_DIR/guest/linux/make-guest.sh" > "$TH_OUT/make-guest.log" 2>&1; then
    cat "$TH_OUT/make-guest.log" >&2
    th_die "guest/linux/make-guest.sh failed"
fi
grep -E 'WARNING|!!!|building|extracting|downloading' "$TH_OUT/make-guest.log" >&2 || true
# shellcheck source=/dev/null
. "$GUEST_OUT/guest.env"

qemu_ver=none
if [[ $WITH_QEMU == 1 ]]; then
    qemu_ver=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null || qemu-system-x86_64 --version | head -1)
fi

# 2. cache key
key=$( {
    echo "kernel=$KERNEL_VER $KERNEL_DEB_VERSION busybox=$BUSYBOX_VERSION qemu=$qemu_ver compress=$TH_COMPRESS"
    cat "$GUEST_OUT/vmlinux.stamp" "$GUEST_OUT/initramfs.stamp" "$GUEST_OUT/disk.stamp"
    sha256sum "$TH_DIR/init.sh" "$TH_DIR/build.sh" "$TH_DIR/common.sh" | cut -d' ' -f1
} | sha256sum | cut -c1-16)
variant=base; [[ $WITH_QEMU == 1 ]] && variant="base-qemu"
case "$TH_COMPRESS" in
    lz4)  ext=cpio.lz4; comp=(lz4 -l -1 -q) ;;     # legacy frame: what the kernel's unlz4 reads
    gzip) ext=cpio.gz;  comp=(gzip -1n) ;;
    none) ext=cpio;     comp=(cat) ;;
    *) th_die "TH_COMPRESS must be lz4, gzip or none" ;;
esac
base="$TH_OUT/$variant-$key.$ext"

if [[ "${FORCE:-}" != 1 && -s $base && -s "$TH_OUT/$variant-$key.env" ]]; then
    th_log "base image up to date: $base"
    printf '%s\n' "$base"
    exit 0
fi

# 3. stage the root
t0=$(date +%s.%N)
th_log "building $variant ($KERNEL_VER, qemu=$qemu_ver)"
stage=$(mktemp -d "$TH_OUT/stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root="$stage/root"
cp -a "$INITRAMFS_ROOT" "$root"            # busybox, /dev/console, /dev/null, dirs
rm -rf "$root/lib/modules" "$root/etc/modules.order"
install -m 0755 "$TH_DIR/init.sh" "$root/init"
mkdir -p "$root/kvm" "$root/g" "$root/t/bin" "$root/usr/bin" "$root/q/fw"

kmods="$KERNEL_TREE/lib/modules/$KERNEL_VER/kernel"
# put_module DIR MODULE: the kernel package's MODULE.ko (path under kernel/), uncompressed
put_module() {
    local ko
    ko=$(find "$kmods/$(dirname "$2")" -maxdepth 1 -name "$(basename "$2").ko*" | head -1)
    [[ -n $ko ]] || th_die "no $2.ko in $KERNEL_TREE"
    case "$ko" in
        *.xz)  xz -dc "$ko" > "$1/$(basename "$2").ko" ;;
        *.zst) zstd -qdc "$ko" > "$1/$(basename "$2").ko" ;;
        *)     cp "$ko" "$1/" ;;
    esac
}
# kvm-amd and the modules it needs, from the kernel package's modules.dep (the generic kernel's
# kvm-amd needs ccp, for SEV; the cloud kernel's only kvm and irqbypass), deepest first: the
# order init.sh loads them in, /kvm/order
kdeps=$(sed -n 's|^kernel/arch/x86/kvm/kvm-amd\.ko[^:]*:||p' "$KERNEL_TREE/lib/modules/$KERNEL_VER/modules.dep")
[[ -n $kdeps ]] || th_die "kvm-amd's dependencies not in $KERNEL_TREE's modules.dep"
: >"$root/kvm/order"
for m in $(printf '%s\n' $kdeps | tac) kernel/arch/x86/kvm/kvm-amd.ko; do
    m=${m#kernel/}; m=${m%.ko*}
    put_module "$root/kvm" "$m"
    basename "$m" >>"$root/kvm/order"
done
# For scenarios that need a real block device (insmod them there): brd, a RAM disk that takes
# O_DIRECT (tmpfs does not: cache=none), and device-mapper's error and flakey targets.
mkdir -p "$root/mods"
for m in drivers/block/brd drivers/md/dm-mod drivers/md/dm-flakey; do put_module "$root/mods" "$m"; done

for f in vmlinuz vmlinux initramfs.cpio.gz disk.ext4 disk.ext4.sha256 guest.env vmlinux.info kernel.config; do
    cp "$GUEST_OUT/$f" "$root/g/"
done
# paths in guest.env are host paths: keep only the version facts
grep -vE '_TREE=|_ROOT=' "$GUEST_OUT/guest.env" > "$root/g/guest.env"

if [[ $WITH_QEMU == 1 ]]; then
    q=$(command -v qemu-system-x86_64)
    cp -L "$q" "$root/usr/bin/qemu-system-x86_64"
    th_copy_libs "$root" "$q"
    for fw in qboot.rom bios-microvm.bin pvh.bin linuxboot_dma.bin multiboot_dma.bin kvmvapic.bin; do
        if [[ -e /usr/share/qemu/$fw ]]; then cp -L "/usr/share/qemu/$fw" "$root/q/fw/$fw"
        else th_log "warning: no /usr/share/qemu/$fw"; fi
    done
    cp -L /usr/share/seabios/bios-256k.bin "$root/q/fw/"
fi

# 4. pack
rm -f "$TH_OUT/$variant"-[0-9a-f]*.cpio* "$TH_OUT/$variant"-[0-9a-f]*.env
th_cpio "$root" "$base" "${comp[@]}"
{
    echo "KEY=$key"
    echo "BASE=$base"
    echo "VMLINUZ=$GUEST_OUT/vmlinuz"
    echo "KERNEL_VER=$KERNEL_VER"
    echo "KERNEL_DEB_VERSION=$KERNEL_DEB_VERSION"
    echo "QEMU_VERSION=$qemu_ver"
    echo "WITH_QEMU=$WITH_QEMU"
} > "$TH_OUT/$variant-$key.env"
t1=$(date +%s.%N)
th_log "built $base ($(du -h "$base" | cut -f1)) in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')s"
printf '%s\n' "$base"
