# bzImage, 1 vCPU, 256M: e820, nproc, MemTotal, poweroff -> 0. By default the VMM takes the
# vmlinux out of the bzImage (its LZ4 payload) and boots it through its PVH entry: the first
# boot decompresses and fills the cache, the next reads it; the vmlinux it took out is the
# one make-guest.sh's lz4 -d took out; a damaged cache entry is rebuilt, never booted.
. /t/lib.sh; . /t/helpers.inc
export XDG_CACHE_HOME=/tmp/kcache
rm -rf /tmp/kcache
vmm_boot /tmp/o "$G/vmlinuz" 0 --stats --mem 256M --cmdline "console=ttyS0 guest=info"
check_info /tmp/o 1 200000 "0x0 0x9fbff System RAM" "0x100000 0xfffffff System RAM"
expect_no_line /tmp/o 'GUEST-E820 0x100000000' "no RAM above 4G"
expect_line /tmp/o "^vmm: kernel: .*: its lz4 payload, a [0-9]+-byte vmlinux, booted through its PVH entry; decompressed in [0-9.]+ ms: /tmp/kcache/vmm/[0-9a-f]{32}\.vmlinux" \
    "first boot: decompressed on the host and cached"
entry=$(ls /tmp/kcache/vmm/*.vmlinux 2>/dev/null | head -n 1)
same_vmlinux() { tail -c +4097 "$entry" | cmp -s - "$G/vmlinux"; } # past the 4 KiB header
check "the cached vmlinux is make-guest.sh's" same_vmlinux
vmm_boot /tmp/o "$G/vmlinuz" 0 --stats --mem 256M --cmdline "console=ttyS0 guest=info"
expect_line /tmp/o '^vmm: kernel: .* booted through its PVH entry; from the cache in ' \
    "second boot: from the cache"
expect_line /tmp/o '^GUEST-NPROC 1' "second boot reached the guest's checks"
# /init's first act is the boot timer's byte: the timeline has every step, in order
expect_line /tmp/o '^vmm: timeline \(ms since start\): set-up done [0-9.]+, first KVM_RUN [0-9.]+, first serial byte [0-9.]+, .*guest boot marker [0-9.]+, exit [0-9.]+$' \
    "--stats prints the boot timeline, the guest's init marker in it"
tl() { sed -n "s/^vmm: timeline.* $1 \([0-9.]*\).*/\1/p" /tmp/o; }
check "the timeline's steps come in order" awk -v a="$(tl 'set-up done')" -v b="$(tl KVM_RUN)" \
    -v c="$(tl 'serial byte')" -v d="$(tl marker)" -v e="$(tl exit)" \
    'BEGIN { exit !(a > 0 && a <= b && b <= c && c <= d && d <= e) }'
# 16 bytes of the cached vmlinux changed: detected, rebuilt, and the boot is a good one
printf 'CORRUPT-CORRUPT!' | dd of="$entry" bs=1 seek=$((4096 + 1000000)) conv=notrunc status=none
vmm_boot /tmp/o "$G/vmlinuz" 0 --stats --mem 256M --cmdline "console=ttyS0 guest=info"
expect_line /tmp/o "^vmm: kernel cache: $entry does not match its header: rebuilding it" \
    "a damaged cache entry is noticed"
expect_line /tmp/o '^vmm: kernel: .* decompressed in ' "and rebuilt"
expect_line /tmp/o '^GUEST-NPROC 1' "the boot after it is a good one"
check "the rebuilt entry is make-guest.sh's vmlinux again" same_vmlinux
finish
