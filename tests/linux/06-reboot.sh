# testhost-timeout: 400
# reboot -> status 0; with --reboot=restart the VM boots again, its disk reset in place and
# probed anew by the next boot; SIGTERM then ends it (143)
. /t/lib.sh; . /t/helpers.inc
vmm_boot /tmp/o "$G/vmlinuz" 0 --cmdline "console=ttyS0 guest=reboot"
expect_line /tmp/o 'reboot: Restarting system' "guest rebooted"
vmm --kernel "$G/vmlinuz" --initrd "$G/initramfs.cpio.gz" --reboot=restart \
    --disk "$G/disk.ext4,ro" --cmdline "console=ttyS0 guest=reboot" </dev/null >/tmp/r 2>&1 &
pid=$!
n=0
for _ in $(seq 2400); do
    n=$(grep -c GUEST-INIT-READY /tmp/r); [ "$n" -ge 2 ] && break; sleep 0.1
done
kill -TERM $pid; wait $pid; st=$?
check "booted twice with --reboot=restart (saw $n)" [ "$n" -ge 2 ]
d=$(grep -c 'virtio_blk virtio0: \[vda\]' /tmp/r)
check "each boot found its disk (vda probed $d times)" [ "$d" -ge 2 ]
expect_eq "$st" 143 "status after SIGTERM"
finish
