# testhost-timeout: 900
# virtio-blk with Debian's stock kernel (no virtio_mmio.device= support: it finds the disks in
# the DSDT): read a known file, a read-only disk, write + sync + e2fsck + debugfs, SIGKILL right
# after sync, two disks with serial numbers, and the image lock.
# Once, in a CI run, the test host's own kernel (L1, nested SVM under TCG) wedged right after
# this scenario's e2fsck step; 7 later runs passed. run.sh now catches a wedged test host
# (no heartbeat), logs where its vCPUs were, and runs the unfinished scenarios again.
. /t/lib.sh; . /t/helpers.inc
V=$G/vmlinuz
RD="--initrd $G/initramfs.cpio.gz"
sha() { sha256sum "$1" | cut -d' ' -f1; }
# debugfs_sha IMAGE PATH: the hash of a file in an ext4 image, read on the host side
debugfs_sha() {
    timeout 120 /t/debugfs -R "dump $2 /tmp/dump.out" "$1" </dev/null >/tmp/debugfs.log 2>&1 ||
        { echo "debugfs failed:"; cat /tmp/debugfs.log; }
    sha /tmp/dump.out
}
cp "$G/disk.ext4" /tmp/ro.ext4
before=$(sha /tmp/ro.ext4)

echo "== read a known file from an ext4 image"
vmm_boot /tmp/o "$V" 0 --stats --disk /tmp/ro.ext4,ro --cmdline "console=ttyS0 bench=ext4"
expect_line /tmp/o "^GUEST-EXT4-OK $(cat "$G/disk.ext4.sha256")" "numbers.txt hash matches"
# --stats at exit: the guest acknowledged every interrupt the disk raised, and KVM's own
# counters are there (the pins themselves are masked by the guest's shutdown: see below)
expect_line /tmp/o '^vmm: vda: gsi 16: raised ([1-9][0-9]*) lowered \1;' \
    "every interrupt vda raised was acknowledged"
expect_line /tmp/o '^vmm: vcpu0: KVM counters: exits=[1-9][0-9]* halt_exits=[0-9]+ .*irq_injections=[1-9]' \
    "--stats shows KVM's per-vCPU counters"

echo "== read-only: a guest write fails in the guest, the image stays byte for byte"
vmm_boot /tmp/o "$V" 0 --disk /tmp/ro.ext4,ro --cmdline "console=ttyS0 bench=rowrite"
expect_line /tmp/o '^GUEST-RO-WRITE rc=[1-9]' "the write failed in the guest"
expect_eq "$(sha /tmp/ro.ext4)" "$before" "ro image hash"

echo "== write, sync, power off; e2fsck and debugfs on the host; read back in a new boot"
cp "$G/disk.ext4" /tmp/rw.ext4
vmm_boot /tmp/o "$V" 0 --disk /tmp/rw.ext4 --cmdline "console=ttyS0 bench=ext4write"
w=$(line_value /tmp/o GUEST-EXT4-WRITTEN)
check "guest wrote written.txt" [ -n "$w" ]
run_capture /tmp/fsck 120 /t/e2fsck -fn /tmp/rw.ext4
expect_eq "$?" 0 "e2fsck -fn"
expect_eq "$(debugfs_sha /tmp/rw.ext4 /written.txt)" "$w" "written.txt read by debugfs"
vmm_boot /tmp/o "$V" 0 --disk /tmp/rw.ext4,ro --cmdline "console=ttyS0 bench=ext4read"
expect_line /tmp/o "^GUEST-EXT4-READ written.txt $w" "read back by a new boot"

echo "== SIGKILL right after the guest's sync: the data is on the host; the image is locked"
cp "$G/disk.ext4" /tmp/k.ext4
check "guest synced" vmm_bg /tmp/k '^GUEST-SYNCED' 240 \
    --kernel "$V" $RD --disk /tmp/k.ext4 --cmdline "console=ttyS0 bench=ext4sync"
# SIGUSR2 while the guest idles: it took the DSDT's word and made vda's pin level-triggered,
# the line runs on an irqfd whose resamplefd saw the guest's EOIs, and nothing is left
# unacknowledged (issue 12)
kill -USR2 $pid
check "SIGUSR2 dump" wait_for /tmp/k '^vmm: vda: queue 0: ' 30
expect_line /tmp/k '^vmm: vda: gsi 16: raised ([1-9][0-9]*) lowered \1; level, irqfd resampled [1-9][0-9]*; ioapic: vector 0x[0-9a-f]+ level dest .* remote_irr 0 ' \
    "vda's line is level-triggered on an irqfd, every interrupt acknowledged and EOId"
run_capture /tmp/lock 30 vmm --kernel "$V" $RD --disk /tmp/k.ext4 --cmdline "console=ttyS0"
expect_eq "$?" 2 "a second VMM on the same image"
expect_line /tmp/lock 'locked by another process' "it says why"
kill -KILL $pid; wait $pid 2>/dev/null
s=$(line_value /tmp/k GUEST-SYNCED | tr -d '\r')
expect_eq "$(debugfs_sha /tmp/k.ext4 /synced.txt)" "$s" "synced.txt survived SIGKILL"

echo "== two disks, serial numbers in /sys/block/vd*/serial"
vmm_boot /tmp/o "$V" 0 --disk /tmp/ro.ext4,ro,serial=FIRST-DISK \
    --disk /tmp/rw.ext4,serial=SECOND-0123456789 --cmdline "console=ttyS0 bench=disks"
expect_line /tmp/o "^GUEST-DISK vda sectors=131072 ro=1 serial=FIRST-DISK" "vda"
expect_line /tmp/o "^GUEST-DISK vdb sectors=131072 ro=0 serial=SECOND-0123456789" "vdb"
finish
