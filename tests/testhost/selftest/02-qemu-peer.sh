#!/bin/sh
# testhost-timeout: 300
# The QEMU microvm peer boots the guest kernel on the test host's KVM (run.sh --qemu).
# Passes (as a skip) when the base image has no QEMU.
# shellcheck disable=SC1091  # /t/lib.sh is tests/testhost/lib.sh
. /t/lib.sh
if ! command -v qemu-system-x86_64 >/dev/null; then echo "SKIP: no qemu (use run.sh --qemu)"; exit 0; fi
t0=$(now_ms)
run_capture /tmp/q.out 240 qemu-system-x86_64 -L "$QEMU_FW" -M microvm,rtc=off -accel kvm -cpu host \
    -m 256 -smp 2 -nodefaults -no-user-config -display none -serial stdio -no-reboot \
    -kernel "$G/vmlinuz" -initrd "$G/initramfs.cpio.gz" -append "console=ttyS0 quiet guest=info"
rc=$?
echo "QEMU-MICROVM-MS $(( $(now_ms) - t0 )) rc=$rc"
expect_eq "$rc" 0 "qemu exit code"
expect_line /tmp/q.out '^GUEST-INIT-READY ' "guest /init ran"
expect_eq "$(line_value /tmp/q.out GUEST-NPROC)" 2 "GUEST-NPROC"
expect_line /tmp/q.out '^GUEST-E820 0x100000 ' "e820 has RAM at 1 MiB"
expect_line /tmp/q.out '^GUEST-INFO-DONE$' "info mode finished"
finish
