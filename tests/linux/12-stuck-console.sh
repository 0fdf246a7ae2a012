# testhost-timeout: 240
# The stock kernel's verbose boot log into a pipe nobody drains (issue 10): the VMM's
# vCPUs never block in write() (the UART's output queue fills, the guest's console driver
# waits on LSR.THRE), and SIGTERM still ends the VMM at once with 143. It used to need
# SIGKILL, so the disks were not flushed on the way out.
. /t/lib.sh; . /t/helpers.inc
rm -f /tmp/stuck; mkfifo /tmp/stuck
sleep 600 </tmp/stuck & reader=$! # holds the read end open and never reads
vmm --kernel "$G/vmlinuz" --initrd "$G/initramfs.cpio.gz" --disk "$G/disk.ext4,ro" \
    --cmdline "console=ttyS0 ignore_loglevel initcall_debug guest=shell" \
    </dev/null >/tmp/stuck 2>/tmp/err &
pid=$!
sleep 40 # the log is far more than the pipe's 64 KiB and the queue's 64 KiB
check "the VMM still runs with its console full" kill -0 $pid
t0=$(now_ms)
kill -TERM $pid
for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
t1=$(now_ms)
kill -KILL $pid 2>/dev/null
wait $pid; st=$?
echo "SIGTERM to exit: $((t1 - t0)) ms"
expect_eq "$st" 143 "status after SIGTERM"
check "ended within 5 s of SIGTERM ($((t1 - t0)) ms)" [ $((t1 - t0)) -lt 5000 ]
kill $reader 2>/dev/null
finish
