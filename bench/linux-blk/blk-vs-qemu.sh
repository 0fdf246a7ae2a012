# testhost-timeout: 1500
# virtio-blk end to end inside the test host: the guest's sequential 1 MiB O_DIRECT write and
# read of a 256 MiB raw disk (bench=blk), ours vs QEMU microvm with virtio-blk-device on the
# same kind of image (tmpfs, page cache), same kernel and initramfs, alternating.
. /t/lib.sh
ROUNDS=${ROUNDS:-2}
APPEND="console=ttyS0 quiet bench=blk"
ours() {
    vmm --kernel "$G/vmlinuz" --initrd "$G/initramfs.cpio.gz" --cpus 2 --mem 512M \
        --disk /tmp/disk.img --cmdline "$APPEND" </dev/null
}
qemu() {
    qemu-system-x86_64 -L "$QEMU_FW" -M microvm,rtc=off -accel kvm -cpu host -smp 2 -m 512M \
        -nodefaults -no-user-config -display none -serial stdio -no-reboot \
        -drive file=/tmp/disk.img,format=raw,if=none,id=d0 -device virtio-blk-device,drive=d0 \
        -kernel "$G/vmlinuz" -initrd "$G/initramfs.cpio.gz" -append "$APPEND" </dev/null
}
: >/tmp/res
for r in $(seq "$ROUNDS"); do
    for who in ours qemu; do
        rm -f /tmp/disk.img; truncate -s 256M /tmp/disk.img
        timeout 600 $who >/tmp/b.out 2>&1
        w=$(sed -n 's/^GUEST-BLK-WRITE [0-9]* [0-9.]* \([0-9.]*\).*/\1/p' /tmp/b.out)
        rd=$(sed -n 's/^GUEST-BLK-READ [0-9]* [0-9.]* \([0-9.]*\).*/\1/p' /tmp/b.out)
        if [ -z "$w" ] || [ -z "$rd" ]; then
            if [ $who = ours ]; then fail "ours round $r: no result"; else echo "peer failed round $r"; fi
            tail -5 /tmp/b.out; continue
        fi
        echo "$who $w $rd" >>/tmp/res
        echo "round $r $who: seq write $w MB/s, seq read $rd MB/s"
    done
done
awk '{ n[$1]++; w[$1] += $2; r[$1] += $3 }
     END { if (n["ours"] && n["qemu"]) printf "RESULT linux-blk: 1M O_DIRECT seq write ours %.1f MB/s, qemu %.1f MB/s, ratio %.2f; seq read ours %.1f MB/s, qemu %.1f MB/s, ratio %.2f (goal >= 1)\n",
           w["ours"]/n["ours"], w["qemu"]/n["qemu"], (w["ours"]/n["ours"])/(w["qemu"]/n["qemu"]),
           r["ours"]/n["ours"], r["qemu"]/n["qemu"], (r["ours"]/n["ours"])/(r["qemu"]/n["qemu"]) }' /tmp/res
finish
