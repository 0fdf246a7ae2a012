#!/usr/bin/env bash
# make-guest.sh - build the Linux guest artifacts for vmm's tests and benchmarks, from Debian
# packages only (the stock kernel is extracted, never installed into /boot).
#
# usage: guest/linux/make-guest.sh            (idempotent: cached, rebuilds only what changed)
#
# Produces in $OUT (default guest/linux/out, gitignored):
#   vmlinuz            Debian's stock x86_64 bzImage
#   vmlinux            the uncompressed ELF inside it (for ELF / PVH entry); vmlinux.info
#                      records its entry point and PVH (XEN_ELFNOTE_PHYS32_ENTRY) entry
#   kernel.config      the kernel's .config (same package)
#   initramfs.cpio.gz  busybox-static initramfs + virtio/ext4/qemu_fw_cfg modules (same package),
#                      /init below
#   disk.ext4          64 MiB ext4 image holding hello.txt and numbers.txt
#   disk.ext4.sha256   sha256 of numbers.txt (the guest prints it in bench=ext4)
#   disk-1g.raw        1 GiB sparse raw image for throughput tests (created once, then kept)
#   guest.env          what was built (KERNEL_PKG, KERNEL_VER, versions, paths, PVH entry)
#
# Cache ($OUT/cache):
#   <pkg>_<version>.deb        downloaded packages, keyed by package version
#   kernel-<KERNEL_VER>/       extracted kernel package (+ generated modules.dep)
#   busybox-<version>/         extracted busybox-static package
#   initramfs-root/            the staged initramfs tree (kept for reuse by tests/testhost)
#   *.stamp                    input keys of vmlinux, initramfs and disk.ext4: rebuilt only
#                              when kernel version, busybox version or /init hash change
#
# Env knobs:
#   FLAVOUR=cloud-amd64|amd64   kernel flavour (default cloud-amd64: LZ4 image, fewer drivers,
#                               no MP-table parser, so >1 vCPU needs an ACPI MADT)
#   KERNEL_PKG=linux-image-...  pin an exact kernel package instead of the current one
#   OUT=/path                   output directory
#   SKIP_APT_INSTALL=1          do not apt-get install host tools (must already be present)
#   FORCE=1                     ignore the stamps and rebuild everything
#
# Guest /init protocol (kernel command line). It always prints "GUEST-INIT-READY <uptime>" first.
#   guest=shell     (default) "GUEST-SHELL" then an interactive shell on the console
#   guest=poweroff  power off at once (poweroff -f)
#   guest=reboot    reboot at once (reboot -f)
#   guest=info      GUEST-NPROC <n>, GUEST-MEMTOTAL-KB <kB>, GUEST-E820-SOURCE sysfs|dmesg|none,
#                   GUEST-E820 <start> <end> <type> per entry (hex, end inclusive, type as the
#                   source names it), GUEST-INFO-DONE, then power off
#   guest=echo      "GUEST-ECHO-READY", read one console line, print "GUEST-ECHO <line>", power off
#   guest=rtc       "GUEST-RTC-DEV ok" if /dev/rtc0 exists, "GUEST-RTC-READY", read one console
#                   line (the host's clock), then "GUEST-RTC-NOW host=<line> rtc=<rtc0
#                   since_epoch> date=<date +%s> hwclock=<hwclock -r -u as epoch s>", an alarm
#                   2 s ahead through /sys/class/rtc/rtc0/wakealarm, "GUEST-RTC-IRQ <its
#                   /proc/interrupts line>" once it fired, power off
#   guest=sleep     "GUEST-SLEEP-START", sleep 5, "GUEST-SLEEP-END", power off (the host times it)
#   bench=boot      power off at once (after GUEST-BENCH-DONE)
#   bench=bootlog   the kernel's log so far (dmesg, with its printk times) between
#                   GUEST-DMESG-BEGIN and GUEST-DMESG-END, then power off: a `quiet` boot's
#                   timeline, which a verbose boot's console output would slow down
#   bench=info      GUEST-NPROC, GUEST-MEMTOTAL-KB, GUEST-DATE (epoch s), then power off
#   bench=blk       blkbench (guest/linux/blkbench.c) on /dev/vda, all O_DIRECT: sequential
#                   1 MiB write then read of the whole disk, then 4 KiB random reads at QD1
#                   and QD8 for blkperf=SECS (10) each. One line per run:
#                   "GUEST-BLK-SEQWRITE|SEQREAD|RANDREAD-QD<n> <ops> <bytes> <secs> <MB/s> <IOPS> rc=<n>"
#   bench=soak      prints "GUEST-TEXT <address of _text>" (KASLR; the test host runs the same
#                   kernel, so its /proc/kallsyms names a stuck guest RIP), then blkbench soak on /dev/vda for blkperf=SECS: 8 threads of 4 KiB random reads,
#                   1 MiB sequential writes (fdatasync every 16) and 1 MiB sequential reads at
#                   once, progress every 10 s, "GUEST-BLK-STALL" plus every CPU's backtrace
#                   (sysrq l, w) if no request completes for 20 s; "GUEST-BLK-SOAK ... rc=<n>".
#                   With a second disk, a second blkbench soak on /dev/vdb at the same time
#                   (its lines say GUEST-BLK-SOAK-VDB), and all along a third process
#                   writes console lines ("GUEST-SOAK-CONSOLE <n> ...", 10 a second)
#   bench=ext4      mount /dev/vda (ext4, ro), print "GUEST-EXT4-OK <sha256 of numbers.txt>"
#   bench=disks     "GUEST-DISK vdX sectors=N ro=0|1 serial=ID" for every virtio disk
#   bench=ext4write write /mnt/written.txt on /dev/vda, sync: "GUEST-EXT4-WRITTEN <sha256>"
#   bench=ext4sync  write /mnt/synced.txt, sync, "GUEST-SYNCED <sha256>", then wait forever
#   bench=ext4read  "GUEST-EXT4-READ <file> <sha256>" for the files the two modes above wrote
#   bench=rowrite   try to write /dev/vda: "GUEST-RO-WRITE rc=N" (non-zero on a ro disk)
#   bench=records   mount /dev/vda (ext4; a killed boot's journal is replayed), check and append
#                   crash-consistency records to /mnt/records.dat (blkbench records: prints
#                   "GUEST-REC-FOUND <n> <bad>", then "GUEST-REC-ACK <i>" per fsync'd record)
#                   until there are recmax=N (default 1000000), then unmount and power off
#   bench=ioerr     blkbench probe /dev/vda until killed: every 200 ms a 4 KiB record written
#                   O_DIRECT, fdatasync'd and read back, "GUEST-IO <i> w=ok|EIO|... f=... r=..."
#                   (tests/linux-blk/03-host-io-errors.sh swaps the host disk's dm table under it)
#   bench=ext4err   mount /dev/vda (ext4, rw) and until killed, every 200 ms, write a new
#                   record file with fsync (busybox dd conv=fsync): "GUEST-EXT4IO N rc=R" (R: dd's
#                   status, non-zero when the file system reported an error)
#   bench=fwcfg     QEMU's fw_cfg as Linux's qemu_fw_cfg shows it in /sys/firmware/qemu_fw_cfg:
#                   "GUEST-FWCFG-REV <rev>", "GUEST-FWCFG-FILE <name> <size> <key>" per file,
#                   "GUEST-FWCFG-E820-RAW <hex bytes>" (by_name/etc/e820/raw), then the
#                   kernel's own e820 as guest=info prints it (or "GUEST-FWCFG-NODEV")
#   benchexit=reboot  every mode that powers off uses "reboot -f" instead (for a VMM without
#                     ACPI: pair it with reboot=t or reboot=k on the command line)
# bench= wins over guest=. Every bench mode ends with "GUEST-BENCH-DONE" just before power off.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${OUT:-$HERE/out}"
FLAVOUR="${FLAVOUR:-cloud-amd64}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
CACHE="$OUT/cache"
mkdir -p "$CACHE"

log() { printf '[make-guest] %s\n' "$*" >&2; }
die() { printf '[make-guest] ERROR: %s\n' "$*" >&2; exit 1; }
t0=$(date +%s.%N)

# --- 1. host tools (Debian apt only) ------------------------------------------------------
# package:command pairs; a package is installed when its command is missing
need=(kmod:depmod cpio:cpio e2fsprogs:mke2fs gzip:gzip lz4:lz4 file:file binutils:readelf
      xz-utils:xz zstd:zstd)
apt_updated=
apt_update() { [[ -n $apt_updated ]] || { apt-get update -qq; apt_updated=1; }; }
missing=()
for pc in "${need[@]}"; do
    command -v "${pc#*:}" >/dev/null 2>&1 || missing+=("${pc%%:*}")
done
if ((${#missing[@]})); then
    [[ -z "${SKIP_APT_INSTALL:-}" ]] || die "missing host tools (SKIP_APT_INSTALL set): ${missing[*]}"
    log "installing host tools: ${missing[*]}"
    apt_update
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- 2. resolve package versions and download (cached by version) ------------------------
cand_version() {  # cand_version PKG -> candidate version from the apt lists ("" if unknown)
    apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print ($2 == "(none)") ? "" : $2; exit}'
}
latest_cached() {  # latest_cached PKG -> newest cached .deb of PKG ("" if none)
    local f
    f=$(find "$CACHE" -maxdepth 1 -name "${1}_*.deb" -printf '%f\n' 2>/dev/null | sort -V | tail -1)
    [[ -n $f ]] && printf '%s\n' "$CACHE/$f"
    return 0
}
fetch_deb() {  # fetch_deb PKG -> path of the cached .deb for its candidate version
    local pkg=$1 ver deb tmp
    ver=$(cand_version "$pkg")
    if [[ -z $ver && -z "${SKIP_APT_INSTALL:-}" ]]; then apt_update; ver=$(cand_version "$pkg"); fi
    if [[ -z $ver ]]; then   # offline / no lists: fall back to what we already have
        deb=$(latest_cached "$pkg")
        [[ -n $deb ]] || die "cannot resolve a version of $pkg (apt lists empty?) and nothing cached"
        log "using cached $(basename "$deb") (no apt candidate)"
        printf '%s\n' "$deb"; return
    fi
    deb="$CACHE/${pkg}_${ver//:/%3a}.deb"
    if [[ ! -s $deb ]]; then
        log "downloading $pkg=$ver"
        tmp=$(mktemp -d "$CACHE/dl.XXXXXX")
        (cd "$tmp" && apt-get download -qq "$pkg=$ver" >/dev/null 2>&1) ||
            { apt_update; (cd "$tmp" && apt-get download -qq "$pkg=$ver" >/dev/null); }
        mv "$tmp"/*.deb "$deb"
        rmdir "$tmp"
    fi
    printf '%s\n' "$deb"
}
deb_version() { dpkg-deb -f "$1" Version; }

if [[ -z "${KERNEL_PKG:-}" ]]; then
    # The meta package (linux-image-cloud-amd64 / linux-image-amd64) depends on the current ABI.
    meta_dep() { apt-cache depends "linux-image-$FLAVOUR" 2>/dev/null |
                 awk '/Depends: linux-image-/ {print $2; exit}'; }
    KERNEL_PKG=$(meta_dep)
    if [[ -z $KERNEL_PKG && -z "${SKIP_APT_INSTALL:-}" ]]; then apt_update; KERNEL_PKG=$(meta_dep); fi
    if [[ -z $KERNEL_PKG ]]; then
        d=$(find "$CACHE" -maxdepth 1 -name "linux-image-*-${FLAVOUR}_*.deb" -printf '%f\n' | sort -V | tail -1)
        [[ -n $d ]] || die "cannot resolve linux-image-$FLAVOUR"
        KERNEL_PKG=${d%%_*}
    fi
fi
KERNEL_VER="${KERNEL_PKG#linux-image-}"          # e.g. 6.1.0-56-cloud-amd64
KDEB=$(fetch_deb "$KERNEL_PKG")
KDEB_VER=$(deb_version "$KDEB")
BBDEB=$(fetch_deb busybox-static)
BB_VER=$(deb_version "$BBDEB")
log "kernel: $KERNEL_PKG $KDEB_VER; busybox-static $BB_VER"

# --- 3. extract kernel, config and modules (keyed by KERNEL_VER, re-done on a new .deb) --
KX="$CACHE/kernel-$KERNEL_VER"
if [[ ! -f "$KX/.deb-version" || "$(cat "$KX/.deb-version")" != "$KDEB_VER" ]]; then
    log "extracting $(basename "$KDEB")"
    rm -rf "$KX"; mkdir -p "$KX"
    dpkg-deb -x "$KDEB" "$KX"
    # The .deb ships no modules.dep (depmod runs at install time): generate it in the extract.
    depmod -b "$KX" "$KERNEL_VER"
    printf '%s\n' "$KDEB_VER" > "$KX/.deb-version"
fi
VMLINUZ_SRC="$KX/boot/vmlinuz-$KERNEL_VER"
[[ -f $VMLINUZ_SRC ]] || die "no $VMLINUZ_SRC in $(basename "$KDEB")"
cmp -s "$VMLINUZ_SRC" "$OUT/vmlinuz" 2>/dev/null || install -m 0644 "$VMLINUZ_SRC" "$OUT/vmlinuz"
cmp -s "$KX/boot/config-$KERNEL_VER" "$OUT/kernel.config" 2>/dev/null ||
    install -m 0644 "$KX/boot/config-$KERNEL_VER" "$OUT/kernel.config"

BBX="$CACHE/busybox-${BB_VER//:/%3a}"
if [[ ! -x "$BBX/bin/busybox" ]]; then
    rm -rf "$BBX"; mkdir -p "$BBX"
    dpkg-deb -x "$BBDEB" "$BBX"
fi

# --- 4. vmlinux: the ELF inside the bzImage (as the kernel's scripts/extract-vmlinux) -----
kcfg() { grep -E "^$1=" "$OUT/kernel.config" | cut -d= -f2- || true; }
if [[ "$(kcfg CONFIG_PVH)" != y ]]; then
    log "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    log "!!! WARNING: $KERNEL_VER has no CONFIG_PVH=y: vmlinux has no PVH entry point       !!!"
    log "!!! (XEN_ELFNOTE_PHYS32_ENTRY); boot it via the bzImage 64-bit protocol instead.  !!!"
    log "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
fi
is_elf64() { readelf -h "$1" 2>/dev/null | grep -q 'Machine:.*X86-64'; }
try_decomp() {  # try_decomp MAGIC(grep -P) CMD... : first offset whose payload decompresses to an ELF
    local magic=$1 pos; shift
    while read -r pos; do
        tail -c+$((pos + 1)) "$OUT/vmlinuz" | "$@" > "$OUT/vmlinux.tmp" 2>/dev/null || true
        if is_elf64 "$OUT/vmlinux.tmp"; then return 0; fi
    done < <(LC_ALL=C grep -obUaP "$magic" "$OUT/vmlinuz" 2>/dev/null | cut -d: -f1)
    return 1
}
VMLINUX_KEY="vmlinuz-sha256=$(sha256sum "$OUT/vmlinuz" | cut -d' ' -f1)"
if [[ "${FORCE:-}" == 1 || ! -f "$OUT/vmlinux" || "$(cat "$OUT/vmlinux.stamp" 2>/dev/null)" != "$VMLINUX_KEY" ]]; then
    log "extracting vmlinux from vmlinuz"
    # LZ4 legacy frame (Debian's kernels) first; the others as extract-vmlinux does them.
    try_decomp '\x02\x21\x4c\x18' lz4 -dc ||
    try_decomp '\xfd\x37\x7a\x58\x5a\x00' xz -dc ||
    try_decomp '\x28\xb5\x2f\xfd' zstd -dc ||
    try_decomp '\x1f\x8b\x08' gzip -dc ||
        die "could not find an ELF payload in $OUT/vmlinuz"
    mv "$OUT/vmlinux.tmp" "$OUT/vmlinux"
    printf '%s\n' "$VMLINUX_KEY" > "$OUT/vmlinux.stamp"
fi
rm -f "$OUT/vmlinux.tmp"
file -b "$OUT/vmlinux" | grep -q 'ELF 64-bit LSB executable, x86-64' ||
    die "vmlinux is not an x86-64 ELF executable: $(file -b "$OUT/vmlinux")"
ELF_ENTRY=$(readelf -h "$OUT/vmlinux" | awk '/Entry point address:/ {print $4}')
# readelf prints the Xen note's name in newer binutils ("XEN_ELFNOTE_PHYS32_ENTRY") and as
# "Unknown note type: (0x00000012)" in older ones; the description holds the 32-bit entry.
PVH_ENTRY=$(readelf -n "$OUT/vmlinux" | awk '
    /^ *Xen / && ($0 ~ /XEN_ELFNOTE_PHYS32_ENTRY/ || $0 ~ /0x0*12\)/) { want = 1; next }
    want && /description data:/ {
        # little-endian bytes -> 0x... (first 4 bytes: PHYS32_ENTRY is a 32-bit address)
        printf "0x%s%s%s%s\n", $6, $5, $4, $3; exit }
    want && /^ *[A-Za-z]/ { want = 0 }')
if [[ -n $PVH_ENTRY ]]; then
    log "vmlinux: ELF x86-64, entry $ELF_ENTRY, PVH entry (XEN_ELFNOTE_PHYS32_ENTRY) $PVH_ENTRY"
else
    log "!!! vmlinux: ELF x86-64, entry $ELF_ENTRY, but NO PVH note (XEN_ELFNOTE_PHYS32_ENTRY) !!!"
fi
{
    echo "ELF_ENTRY=$ELF_ENTRY"
    echo "PVH_ENTRY=${PVH_ENTRY:-none}"
    echo "FILE=$(file -b "$OUT/vmlinux")"
} > "$OUT/vmlinux.info"

# --- 5. initramfs ---------------------------------------------------------------------
# Modules needed for virtio-mmio / virtio-pci block + ext4, and fw_cfg's sysfs driver
# (CONFIG_FW_CFG_SYSFS=m), in load order, only those that are not built in (=m).
# modprobe --show-depends resolves deps and softdeps.
WANT_MODS=(virtio_mmio virtio_pci virtio_blk crc32c_generic crc32c_intel ext4 qemu_fw_cfg)

read -r -d '' GUEST_INIT <<'EOF' || true
#!/bin/sh
# Guest /init for vmm tests and benchmarks (generated by guest/linux/make-guest.sh).
# Marker first, then act on guest= / bench= from the kernel command line.
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
# The boot timer (Firecracker's convention, at vmm's address): the VMM's timeline notes when
# init began. Other VMMs have nothing there and ignore the write.
/bin/busybox devmem 0xc0000000 8 123 2>/dev/null
read -r up _ < /proc/uptime
echo "GUEST-INIT-READY $up"
export PATH=/bin:/sbin
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /tmp

guest=shell; bench=; benchexit=poweroff; blkperf=10; recmax=1000000
for arg in $(cat /proc/cmdline); do
    case "$arg" in
        guest=*)     guest=${arg#guest=} ;;
        bench=*)     bench=${arg#bench=} ;;
        benchexit=*) benchexit=${arg#benchexit=} ;;
        blkperf=*)   blkperf=${arg#blkperf=} ;;
        recmax=*)    recmax=${arg#recmax=} ;;
    esac
done

off() {
    sync
    if [ "$benchexit" = reboot ]; then reboot -f; else poweroff -f; fi
    sleep 5; echo "GUEST-POWEROFF-FAILED"; reboot -f
    sleep 5; echo "GUEST-REBOOT-FAILED"; while :; do sleep 3600; done
}
finish() { echo "GUEST-BENCH-DONE"; off; }

# monotonic clock in ns (busybox date has no %N): "now at N nsecs" in /proc/timer_list
now_ns() { sed -n 's/^now at \([0-9]*\) nsecs$/\1/p;/^now at/q' /proc/timer_list; }

e820() {   # the memory map as the kernel saw it at boot
    if [ -d /sys/firmware/memmap/0 ]; then
        echo "GUEST-E820-SOURCE sysfs"
        for d in $(ls -d /sys/firmware/memmap/* | sort -t/ -k5 -n); do
            echo "GUEST-E820 $(cat "$d/start") $(cat "$d/end") $(cat "$d/type")"
        done
    elif dmesg | grep -q 'BIOS-e820:'; then
        echo "GUEST-E820-SOURCE dmesg"
        # "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable"
        dmesg | sed -n 's/.*BIOS-e820: \[mem \(0x[0-9a-f]*\)-\(0x[0-9a-f]*\)\] \(.*\)$/GUEST-E820 \1 \2 \3/p'
    else
        echo "GUEST-E820-SOURCE none"
    fi
}

if [ -z "$bench" ]; then
    case "$guest" in
    poweroff) off ;;
    reboot)   sync; reboot -f; sleep 5; echo "GUEST-REBOOT-FAILED"; off ;;
    info)
        echo "GUEST-NPROC $(nproc)"
        echo "GUEST-MEMTOTAL-KB $(awk '/MemTotal/ {print $2}' /proc/meminfo)"
        e820
        echo "GUEST-INFO-DONE"
        off ;;
    echo)
        stty -echo 2>/dev/null   # do not let the tty echo the input back into the output
        echo "GUEST-ECHO-READY"
        line=
        IFS= read -r line
        echo "GUEST-ECHO $line"
        off ;;
    rtc)
        stty -echo 2>/dev/null
        [ -c /dev/rtc0 ] && echo "GUEST-RTC-DEV ok"
        echo "GUEST-RTC-READY"
        IFS= read -r host
        rtc=$(cat /sys/class/rtc/rtc0/since_epoch 2>/dev/null)
        now=$(date +%s)
        hw=$(hwclock -r -u 2>/dev/null | awk '{print $2, $3, $4, $5}')
        hw=$(date -u -D '%b %d %H:%M:%S %Y' -d "$hw" +%s 2>/dev/null)
        echo "GUEST-RTC-NOW host=$host rtc=$rtc date=$now hwclock=$hw"
        echo +2 > /sys/class/rtc/rtc0/wakealarm
        for i in 1 2 3 4 5 6 7 8 9 10; do [ -z "$(cat /sys/class/rtc/rtc0/wakealarm)" ] && break; sleep 1; done
        echo "GUEST-RTC-IRQ $(grep rtc0 /proc/interrupts)"
        off ;;
    sleep)
        echo "GUEST-SLEEP-START"
        sleep 5
        echo "GUEST-SLEEP-END"
        off ;;
    shell) ;;
    *) echo "GUEST-UNKNOWN-MODE $guest (falling back to the shell)" ;;
    esac
    echo "GUEST-SHELL (poweroff -f to quit)"
    exec setsid cttyhack sh -l
fi

if [ "$bench" = boot ]; then finish; fi
if [ "$bench" = bootlog ]; then
    echo "GUEST-DMESG-BEGIN"; dmesg; echo "GUEST-DMESG-END"
    finish
fi
if [ "$bench" = info ]; then   # what the guest sees of the machine
    echo "GUEST-NPROC $(nproc)"
    echo "GUEST-MEMTOTAL-KB $(awk '/MemTotal/ {print $2}' /proc/meminfo)"
    echo "GUEST-DATE $(date +%s)"
    finish
fi

# Load virtio/ext4 modules (silently skip what is built in or has no device).
mt0=$(now_ns)
for m in $(cat /etc/modules.order); do insmod /lib/modules/$m 2>/dev/null; done
mt1=$(now_ns)
echo "GUEST-MODULES-LOADED $(( (mt1 - mt0) / 1000 ))us"
# give the block driver a moment to register its disks
for i in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/vda ] && break; sleep 0.1; done

case "$bench" in
blk)   # blkperf=SECS: seconds per random-read run (default 10)
    if [ -b /dev/vda ]; then
        mib=$(( $(blockdev --getsize64 /dev/vda) / 1048576 ))
        # write first, so that the reads see allocated host blocks, not holes
        blkbench seqwrite /dev/vda $mib
        blkbench seqread /dev/vda $mib
        blkbench randread /dev/vda "$blkperf" 1
        blkbench randread /dev/vda "$blkperf" 8
    else
        echo "GUEST-BLK-NODEV"
    fi
    finish ;;
ioerr) # host I/O errors: the probe runs until the host ends the VMM
    if [ -b /dev/vda ]; then blkbench probe /dev/vda; else echo "GUEST-BLK-NODEV"; fi
    finish ;;
ext4err) # host I/O errors under a file system: the host breaks the disk while records land
    if mount -t ext4 /dev/vda /mnt; then
        i=0
        while :; do
            i=$((i + 1))
            echo "record $i" | dd of=/mnt/rec.$((i % 32)) conv=fsync 2>/dev/null
            echo "GUEST-EXT4IO $i rc=$?"
            sleep 0.2
        done
    else
        echo "GUEST-EXT4-FAIL"
    fi
    finish ;;
soak)  # blkperf=SECS: how long (issue 12's wedge under sustained I/O)
    echo "GUEST-TEXT $(awk '$3 == "_text" { print $1; exit }' /proc/kallsyms)"
    vdb=
    if [ -b /dev/vdb ]; then
        blkbench soak /dev/vdb "$blkperf" VDB &
        vdb=$!
        # console output all along, as a chatty guest makes: 10 lines of 64 bytes a second
        ( n=0; while :; do n=$((n + 1))
              echo "GUEST-SOAK-CONSOLE $n the serial line carries this while both disks are busy"
              sleep 0.1; done ) &
        chat=$!
    fi
    if [ -b /dev/vda ]; then blkbench soak /dev/vda "$blkperf"; else echo "GUEST-BLK-NODEV"; fi
    [ -n "$vdb" ] && { wait "$vdb"; kill "$chat"; }
    finish ;;
ext4)
    if mount -t ext4 -o ro /dev/vda /mnt; then
        cat /mnt/hello.txt
        echo "GUEST-EXT4-OK $(sha256sum /mnt/numbers.txt | cut -d' ' -f1)"
        umount /mnt
    else
        echo "GUEST-EXT4-FAIL"
    fi
    finish ;;
disks)   # what the guest sees of each virtio disk
    for d in /sys/block/vd*; do
        [ -e "$d" ] || continue
        echo "GUEST-DISK $(basename "$d") sectors=$(cat "$d/size") ro=$(cat "$d/ro") serial=$(cat "$d/serial" 2>/dev/null)"
    done
    finish ;;
ext4write)   # write a file on /dev/vda, sync, report its hash
    if mount -t ext4 /dev/vda /mnt; then
        seq 1 50000 > /mnt/written.txt
        sync
        echo "GUEST-EXT4-WRITTEN $(sha256sum /mnt/written.txt | cut -d' ' -f1)"
        umount /mnt
    else
        echo "GUEST-EXT4-FAIL"
    fi
    finish ;;
ext4sync)    # write, sync, say so, then wait to be killed (the host checks the image)
    mount -t ext4 /dev/vda /mnt && seq 1 50000 > /mnt/synced.txt && sync &&
        echo "GUEST-SYNCED $(sha256sum /mnt/synced.txt | cut -d' ' -f1)"
    while :; do sleep 3600; done ;;
ext4read)    # print the hash of a file an earlier boot wrote
    if mount -t ext4 -o ro /dev/vda /mnt; then
        for f in written.txt synced.txt; do
            [ -f /mnt/$f ] && echo "GUEST-EXT4-READ $f $(sha256sum /mnt/$f | cut -d' ' -f1)"
        done
        umount /mnt
    else
        echo "GUEST-EXT4-FAIL"
    fi
    finish ;;
fwcfg)       # fw_cfg through Linux's driver: it probed on insmod, from the DSDT's QEMU0002
    d=/sys/firmware/qemu_fw_cfg
    if [ -d $d/by_key ]; then
        echo "GUEST-FWCFG-REV $(cat $d/rev)"
        for k in $d/by_key/*; do
            echo "GUEST-FWCFG-FILE $(cat $k/name) $(cat $k/size) $(cat $k/key)"
        done
        echo "GUEST-FWCFG-E820-RAW $(od -An -v -tx1 $d/by_name/etc/e820/raw | tr -d ' \n')"
    else
        echo "GUEST-FWCFG-NODEV"
    fi
    e820
    finish ;;
records)     # crash-consistency records on ext4 (the host SIGKILLs the VMM at random)
    if mount -t ext4 /dev/vda /mnt; then
        blkbench records /mnt/records.dat "$recmax"
        echo "GUEST-REC-DONE rc=$?"
        umount /mnt
    else
        echo "GUEST-EXT4-FAIL"
    fi
    finish ;;
rowrite)     # a write to a read-only disk must fail in the guest
    dd if=/dev/zero of=/dev/vda bs=4096 count=1 oflag=direct 2>/dev/null
    echo "GUEST-RO-WRITE rc=$?"
    finish ;;
*)
    echo "GUEST-UNKNOWN-BENCH $bench"
    finish ;;
esac
EOF

# blkbench: a static O_DIRECT block benchmark (busybox has no fio), built with the host's gcc
BLKBENCH_SRC="$HERE/blkbench.c"
BLKBENCH_SHA=$(sha256sum "$BLKBENCH_SRC" | cut -d' ' -f1)
INIT_SHA=$(printf '%s\n%s\n%s\n' "$GUEST_INIT" "${WANT_MODS[*]}" "$BLKBENCH_SHA" | sha256sum | cut -d' ' -f1)
INITRAMFS_KEY="kernel=$KERNEL_VER/$KDEB_VER busybox=$BB_VER init=$INIT_SHA"
ROOT="$CACHE/initramfs-root"
if [[ "${FORCE:-}" == 1 || ! -s "$OUT/initramfs.cpio.gz" || ! -d $ROOT ||
      "$(cat "$OUT/initramfs.stamp" 2>/dev/null)" != "$INITRAMFS_KEY" ]]; then
    log "building initramfs ($INITRAMFS_KEY)"
    rm -rf "$ROOT"
    mkdir -p "$ROOT"/{bin,sbin,dev,proc,sys,tmp,mnt,etc,lib/modules}
    install -m 0755 "$BBX/bin/busybox" "$ROOT/bin/busybox"
    for a in $("$ROOT/bin/busybox" --list); do
        [[ "$a" == busybox ]] || ln -sf busybox "$ROOT/bin/$a"
    done
    # /dev/console must exist in the archive, or init gets no stdin/stdout (devtmpfs is
    # not auto-mounted for an initramfs). mknod needs root.
    mknod -m 0600 "$ROOT/dev/console" c 5 1 || die "mknod /dev/console failed (run as root)"
    mknod -m 0666 "$ROOT/dev/null" c 1 3
    : > "$ROOT/etc/modules.order"
    for m in "${WANT_MODS[@]}"; do
        modprobe -d "$KX" -S "$KERNEL_VER" --show-depends "$m" 2>/dev/null || true
    done | awk '$1=="insmod" && !seen[$2]++ {print $2}' | while read -r ko; do
        name=$(basename "$ko")
        case "$name" in *.xz)  xz -dc "$ko" > "$ROOT/lib/modules/${name%.xz}"; name=${name%.xz} ;;
                        *.zst) zstd -qdc "$ko" > "$ROOT/lib/modules/${name%.zst}"; name=${name%.zst} ;;
                        *)     cp "$ko" "$ROOT/lib/modules/$name" ;; esac
        echo "$name" >> "$ROOT/etc/modules.order"
    done
    log "initramfs modules: $(tr '\n' ' ' < "$ROOT/etc/modules.order")"
    ${CC:-cc} -static -O2 -Wall -Wextra -Werror -pthread -o "$ROOT/bin/blkbench" "$BLKBENCH_SRC" ||
        die "cannot build blkbench (needs gcc and libc6-dev's static libc)"
    printf '%s\n' "$GUEST_INIT" > "$ROOT/init"
    chmod 0755 "$ROOT/init"
    (cd "$ROOT" && find . -print0 | LC_ALL=C sort -z |
        cpio --null -o -H newc --owner=0:0 --quiet --reproducible) | gzip -9n > "$OUT/initramfs.cpio.gz.tmp"
    mv "$OUT/initramfs.cpio.gz.tmp" "$OUT/initramfs.cpio.gz"
    printf '%s\n' "$INITRAMFS_KEY" > "$OUT/initramfs.stamp"
else
    log "initramfs up to date"
fi

# --- 6. disks -------------------------------------------------------------------------
DISK_KEY="v1 e2fsprogs=$(mke2fs -V 2>&1 | awk 'NR==1 {print $2}')"
if [[ "${FORCE:-}" == 1 || ! -s "$OUT/disk.ext4" || "$(cat "$OUT/disk.stamp" 2>/dev/null)" != "$DISK_KEY" ]]; then
    log "building disk.ext4"
    DISKSRC="$CACHE/disk-src"
    rm -rf "$DISKSRC"; mkdir -p "$DISKSRC"
    echo "hello from disk.ext4" > "$DISKSRC/hello.txt"
    seq 1 200000 > "$DISKSRC/numbers.txt"                    # ~1.3 MB, deterministic
    sha256sum "$DISKSRC/numbers.txt" | cut -d' ' -f1 > "$OUT/disk.ext4.sha256"
    rm -f "$OUT/disk.ext4"; truncate -s 64M "$OUT/disk.ext4"
    E2FSPROGS_FAKE_TIME=1700000000 mke2fs -q -t ext4 -L benchdisk \
        -U 6b1c2f00-0000-4000-8000-000000000001 -E hash_seed=6b1c2f00-0000-4000-8000-000000000002 \
        -d "$DISKSRC" "$OUT/disk.ext4"
    rm -rf "$DISKSRC"
    printf '%s\n' "$DISK_KEY" > "$OUT/disk.stamp"
fi
[[ -f "$OUT/disk-1g.raw" ]] || truncate -s 1G "$OUT/disk-1g.raw"

cat > "$OUT/guest.env.tmp" <<EOF
FLAVOUR=$FLAVOUR
KERNEL_PKG=$KERNEL_PKG
KERNEL_VER=$KERNEL_VER
KERNEL_DEB_VERSION=$KDEB_VER
KERNEL_DEB=$(basename "$KDEB")
KERNEL_TREE=$KX
BUSYBOX_VERSION=$BB_VER
BUSYBOX_DEB=$(basename "$BBDEB")
BUSYBOX_TREE=$BBX
INITRAMFS_ROOT=$ROOT
INIT_SHA256=$INIT_SHA
VMLINUX_ENTRY=$ELF_ENTRY
VMLINUX_PVH_ENTRY=${PVH_ENTRY:-none}
EOF
mv "$OUT/guest.env.tmp" "$OUT/guest.env"

t1=$(date +%s.%N)
log "done in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')s: $OUT"
ls -l "$OUT"/vmlinuz "$OUT"/vmlinux "$OUT"/initramfs.cpio.gz "$OUT"/disk.ext4 "$OUT"/disk-1g.raw >&2
