# testhost-timeout: 240
# reboot -> status 0; with --reboot=restart the VM boots again, its disk reset in place and
# probed anew by the next boot; SIGTERM then ends it (143)
. /t/lib.sh; . /t/helpers.inc
vmm_boot /tmp/o "$G/vmlinuz" 0 --cmdline "console=ttyS0 guest=reboot"
expect_line /tmp/o 'reboot: Restarting system' "guest rebooted"
# bench=disks loads the virtio modules (guest=reboot does not) and lists the disks it finds
disks() { grep -c '^GUEST-DISK vda sectors=[1-9][0-9]* ro=1' /tmp/r; }
# restart_run: one VMM with --reboot=restart until two boots listed the disk (or 120 s), then
# SIGTERM; its status in $st
restart_run() {
    vmm --kernel "$G/vmlinuz" --initrd "$G/initramfs.cpio.gz" --reboot=restart \
        --disk "$G/disk.ext4,ro" --cmdline "console=ttyS0 bench=disks benchexit=reboot" \
        </dev/null >/tmp/r 2>&1 &
    pid=$!
    for _ in $(seq 1200); do
        [ "$(disks)" -ge 2 ] && break
        kill -0 $pid 2>/dev/null || break
        sleep 0.1
    done
    kill -TERM $pid 2>/dev/null; wait $pid; st=$?
}
restart_run
# a guest triple fault (4) is the nested test host's flake (helpers.inc's vmm_boot): once
# more, loudly, with what the VMM printed
if [ "$st" -eq 4 ]; then
    echo "RETRY: the restarting VMM ended with status 4 (a guest triple fault); its last lines:"
    tr -d '\r' </tmp/r | grep -vE '^\[ ' | tail -n 25 | sed 's/^/| /'
    restart_run
fi
n=$(grep -c GUEST-INIT-READY /tmp/r); d=$(disks)
[ "$n" -ge 2 ] && [ "$st" -eq 143 ] || tr -d '\r' </tmp/r | tail -n 40 | sed 's/^/| /'
check "booted twice with --reboot=restart (saw $n)" [ "$n" -ge 2 ]
check "each boot found its disk again (vda listed $d times)" [ "$d" -ge 2 ]
expect_eq "$st" 143 "status after SIGTERM"
finish
