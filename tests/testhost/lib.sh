# lib.sh - helpers for test-host scenarios (busybox sh). run.sh copies it to /t/lib.sh;
# shellcheck shell=sh
# a scenario starts with:   . /t/lib.sh
#
# Environment inside the test host: cwd /t, guest artifacts in /g/ (vmlinuz, vmlinux,
# initramfs.cpio.gz, disk.ext4, disk.ext4.sha256, guest.env), `vmm` on PATH when run.sh got
# --vmm, the QEMU peer as `qemu-system-x86_64` with firmware in $QEMU_FW when built WITH_QEMU=1.
# A scenario passes when it exits 0. Its stdout+stderr are shown prefixed with "[name] ".
#
#   run_capture FILE TIMEOUT CMD...  run CMD (stdin /dev/null) with a timeout, output to FILE
#                                    (and echoed, each line prefixed "| "); returns CMD's rc
#   expect_line FILE REGEX [DESC]    pass if a line of FILE matches the ERE REGEX, else fail
#   expect_no_line FILE REGEX [DESC] the opposite
#   line_value FILE PREFIX           print the rest of the first line starting "PREFIX "
#   expect_eq GOT WANT [DESC]        string equality
#   check DESC CMD...                ok DESC if CMD succeeds, else fail DESC
#   ok MSG / fail MSG                print "ok: MSG"; print "FAIL: MSG" and count a failure
#   finish                           exit 1 if any check failed (print a summary), else 0
#   now_ms                           monotonic milliseconds (from /proc/uptime, 10 ms steps)
#   vmm_default_cmdline              the command line our VMM gives a Linux guest without
#                                    --cmdline (one serial port), as `vmm --help` prints it
#   blk_vm ours|qemu DISK APPEND [ARG...]
#                                    exec the stock guest (2 vCPUs, 512M, DISK as its
#                                    virtio-blk disk, kernel command line APPEND) on our VMM or
#                                    on the QEMU peer; ARGs go to that VMM. It execs, so the
#                                    pid is the VMM's: run it in "( ... ) &" or under timeout as
#                                    timeout N sh -c '. /t/lib.sh; blk_vm "$@"' - ours ...

QEMU_FW=${QEMU_FW:-/q/fw}
G=${G:-/g}
_th_failed=0
_th_checks=0

ok()   { _th_checks=$((_th_checks + 1)); echo "ok: $*"; }
fail() { _th_checks=$((_th_checks + 1)); _th_failed=$((_th_failed + 1)); echo "FAIL: $*"; }

check() { _d=$1; shift; if "$@"; then ok "$_d"; else fail "$_d"; fi; }

now_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

run_capture() {
    _f=$1; _t=$2; shift 2
    timeout -s TERM -k 5 "$_t" "$@" </dev/null >"$_f" 2>&1
    _rc=$?
    tr -d '\r' <"$_f" >"$_f.tmp" && mv "$_f.tmp" "$_f"
    sed 's/^/| /' "$_f"
    [ "$_rc" -eq 143 ] || [ "$_rc" -eq 137 ] && echo "run_capture: '$*' timed out after ${_t}s"
    return "$_rc"
}

expect_line() {
    if grep -qE -- "$2" "$1" 2>/dev/null; then ok "${3:-line /$2/}"
    else fail "${3:-line /$2/} not found in $1"; fi
}

expect_no_line() {
    if grep -qE -- "$2" "$1" 2>/dev/null; then fail "${3:-no line /$2/}: found $(grep -m1 -E -- "$2" "$1")"
    else ok "${3:-no line /$2/}"; fi
}

line_value() { sed -n "s/^$2 //p" "$1" | head -n 1; }

vmm_default_cmdline() { vmm --help | sed -n 's/.*--cmdline .*port: "\([^"]*\)".*/\1/p'; }

expect_eq() {
    if [ "$1" = "$2" ]; then ok "${3:-value} = '$2'"
    else fail "${3:-value}: got '$1', want '$2'"; fi
}

finish() {
    if [ "$_th_failed" -ne 0 ]; then
        echo "$_th_failed of $_th_checks checks failed"
        exit 1
    fi
    echo "all $_th_checks checks passed"
    exit 0
}

# QEMU microvm as its users run it: its defaults (cache=writeback, aio=threads, the split
# irqchip microvm picks, its RTC) plus what a headless serial-console guest needs.
blk_vm() {
    _who=$1; _disk=$2; _app=$3; shift 3
    case "$_who" in
    ours) exec vmm --kernel "$G/vmlinuz" --initrd "$G/initramfs.cpio.gz" --cpus 2 --mem 512M \
              --disk "$_disk" --cmdline "$_app" "$@" ;;
    qemu) exec qemu-system-x86_64 -L "$QEMU_FW" -M microvm -accel kvm -cpu host -smp 2 \
              -m 512M -nodefaults -no-user-config -display none -serial stdio -no-reboot \
              -drive "file=$_disk,format=raw,if=none,id=d0,cache=writeback,aio=threads" \
              -device virtio-blk-device,drive=d0 \
              -kernel "$G/vmlinuz" -initrd "$G/initramfs.cpio.gz" -append "$_app" "$@" ;;
    *) echo "blk_vm: ours or qemu, not '$_who'" >&2; return 2 ;;
    esac
}
