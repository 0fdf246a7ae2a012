# testhost-timeout: 600
# Crash consistency (issue 10): the guest appends numbered 4 KiB records to a file on its ext4
# disk, each written O_DIRECT and fsync'd, and says "GUEST-REC-ACK <i>" after each fsync
# returned. The host SIGKILLs the VMM at a random record, KILLS times (every other boot with
# cache=none), and boots again on the same disk: a brd RAM disk in the test host, which takes
# O_DIRECT where tmpfs does not (a plain file is 01-virtio-blk's SIGKILL step). Every record
# acknowledged before a kill must be found intact (the guest checks every byte), the journal
# replays, and at the end e2fsck -fn passes on the host. bench/crash-torture.sh runs it with KILLS=24.
. /t/lib.sh; . /t/helpers.inc
KILLS=4
[ -f /t/crash.conf ] && . /t/crash.conf   # bench/crash-torture.sh writes it
V=$G/vmlinuz
D=/dev/ram0
insmod /mods/brd.ko rd_nr=1 rd_size=$(( $(stat -c %s "$G/disk.ext4") / 1024 )) ||
    { fail "insmod brd"; finish; }
dd if="$G/disk.ext4" of=$D bs=1M conv=fsync 2>/dev/null || { fail "copy the image to $D"; finish; }
last_ack() { tr -d '\r' <"$1" | sed -n 's/^GUEST-REC-ACK \([0-9]*\)$/\1/p' | tail -n 1; }
found() { tr -d '\r' <"$1" | sed -n 's/^GUEST-REC-FOUND \([0-9]*\) .*/\1/p' | head -n 1; }
acked=0   # records acknowledged so far (indexes 0..acked-1)
i=0; killed=0
while [ "$i" -lt "$KILLS" ]; do
    i=$((i + 1))
    cache=; [ $((i % 2)) -eq 0 ] && cache=,cache=none
    more=$(awk -v i="$i" 'BEGIN { srand(); print int(rand() * 40 + i) % 40 + 1 }')
    if ! vmm_bg /tmp/c '^GUEST-REC-FOUND' 120 --kernel "$V" --initrd "$G/initramfs.cpio.gz" \
        --disk "$D$cache" --cmdline "console=ttyS0 bench=records"; then
        fail "boot $i reached the records check"; continue
    fi
    n=$(found /tmp/c)
    check "boot $i$cache found ${n:-?} intact records, $acked acknowledged before" \
        [ "${n:-0}" -ge "$acked" ]
    # kill at a random record this boot writes
    want=$(( ${n:-0} + more - 1 ))
    wait_for /tmp/c "^GUEST-REC-ACK $want([^0-9]|\$)" 60 "$pid" ||
        echo "no GUEST-REC-ACK $want within 60 s; the VMM $(kill -0 "$pid" 2>/dev/null &&
            echo still runs || echo has ended)"
    kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    a=$(last_ack /tmp/c)
    if [ -n "$a" ] && [ "$a" -ge "$want" ]; then
        killed=$((killed + 1)); acked=$((a + 1))
    else
        fail "boot $i: no GUEST-REC-ACK $want before the kill (last: ${a:-none})"
        tail -n 5 /tmp/c | sed 's/^/| /'
    fi
done
echo "== after $killed SIGKILLs, a clean boot checks the records and unmounts"
vmm_boot /tmp/c "$V" 0 --disk $D --cmdline "console=ttyS0 bench=records recmax=0"
n=$(found /tmp/c)
check "the last boot found ${n:-?} intact records, $acked acknowledged" [ "${n:-0}" -ge "$acked" ]
expect_line /tmp/c '^GUEST-REC-DONE rc=0' "the records check ran to its end"
run_capture /tmp/fsck 120 /t/e2fsck -fn $D
expect_eq "$?" 0 "e2fsck -fn after $killed kills"
echo "crash-consistency: $killed SIGKILLs survived, $acked acknowledged records all found"
finish
