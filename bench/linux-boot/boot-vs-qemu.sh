# testhost-timeout: 1500
# Linux boot benchmark inside the test host: launch -> the guest's GUEST-INIT-READY line,
# and launch -> exit, same kernel and initramfs, alternating, every round printed:
#   ours        the bzImage as users boot it: the vmlinux from the decompressed-kernel
#               cache, through its PVH entry (the cache is filled once, before the rounds,
#               and that first boot is reported on its own)
#   ours-linux  the bzImage through the 64-bit boot protocol, its decompressor in the guest
#   qemu        QEMU microvm with the bzImage, as its users run it (its defaults: RTC on)
#   qemu-pvh    QEMU microvm with the PVH vmlinux (the fastest way QEMU boots this kernel)
#   ours_plain  "ours" with only console=ttyS0 of our default command line: what the rest of
#               it (no probing of hardware we lack) earns
#   ours_alt    with ALT=PATH, another build of ours, booted as "ours" is
# All: CPUS vCPUs (2; bench/linux-boot.sh CPUS=1 for one), 256M, bench=boot (init prints its
# marker, then powers off).
# With TIMELINE=1 (bench/linux-boot.sh passes ROUNDS, TIMELINE, WHOS and CPUS in /t/boot.conf) the
# guest's /init prints the kernel's log (bench=bootlog: dmesg after the marker, so the boot stays
# quiet and its console output does not slow it) and every boot's log is printed ("timeline WHO
# ROUND: LINE"), for bench/boot-timeline.py to set the guests' printk timelines side by side.
. /t/lib.sh
ROUNDS=3; TIMELINE=0; WHOS="ours qemu ours_linux qemu_pvh ours_map"; CPUS=2
[ -f /t/boot.conf ] && . /t/boot.conf
# quiet: every VMM sees the same small console output. Ours gets its own default command
# line (what `vmm --help` says) before the benchmark's arguments, as a user who gives no
# --cmdline gets it; QEMU, which has none, gets console=ttyS0.
BENCH="quiet bench=boot"
[ "$TIMELINE" = 1 ] && BENCH="quiet bench=bootlog"
APPEND="console=ttyS0 $BENCH"
OURS_DEFAULT=$(vmm_default_cmdline)
[ -n "$OURS_DEFAULT" ] || fail "no default command line in vmm --help"
export XDG_CACHE_HOME=/tmp/bench-kcache
ours_vm() {
    vmm --kernel "$G/vmlinuz" --initrd "$G/initramfs.cpio.gz" --cpus "$CPUS" --mem 256M \
        --cmdline "${CMDLINE:-$OURS_DEFAULT $BENCH}" "$@" </dev/null
}
ours() { ours_vm; }
ours_plain() { CMDLINE="$APPEND"; ours_vm; CMDLINE=; }
ours_linux() { ours_vm --boot-protocol linux; }
ours_map() { ours_vm --kernel-map; }
# ours_alt: another build of ours in the same rounds (bench/linux-boot.sh ALT=PATH passes it
# in as /t/vmm-alt), e.g. one that copies the cached kernel instead of mapping it
ours_alt() { vmm() { /t/vmm-alt "$@"; }; ours_vm; unset -f vmm; }
qemu_vm() {
    qemu-system-x86_64 -L "$QEMU_FW" -M microvm -accel kvm -cpu host -smp "$CPUS" -m 256M \
        -nodefaults -no-user-config -display none -serial stdio -no-reboot \
        -kernel "$1" -initrd "$G/initramfs.cpio.gz" -append "$APPEND" </dev/null
}
qemu() { qemu_vm "$G/vmlinuz"; }
qemu_pvh() { qemu_vm "$G/vmlinux"; }
# measure WHO: prints "<ms to marker> <ms to exit>"; the marker is polled every 20 ms
measure() {
    : >/tmp/b.out
    t0=$(now_ms)
    "$1" >/tmp/b.out 2>&1 &
    p=$!
    tm=""
    while kill -0 $p 2>/dev/null; do
        [ -z "$tm" ] && grep -q GUEST-INIT-READY /tmp/b.out && tm=$(now_ms)
        # a guest the test host killed or wedged (issue 12) fails its round, not the run
        [ $(($(now_ms) - t0)) -gt 120000 ] && { kill -KILL $p 2>/dev/null; break; }
        sleep 0.02
    done
    wait $p
    te=$(now_ms)
    [ -z "$tm" ] && grep -q GUEST-INIT-READY /tmp/b.out && tm=$te
    if ! grep -q GUEST-BENCH-DONE /tmp/b.out; then
        { echo "$1: no GUEST-BENCH-DONE; last lines:"; tail -5 /tmp/b.out; } >&2
        return 1
    fi
    up=$(tr -d '\r' </tmp/b.out | sed -n 's/^GUEST-INIT-READY \([0-9.]*\).*/\1/p' | head -1)
    echo "$((tm - t0)) $((te - t0)) ${up:-0}"
}
: >/tmp/res
rm -rf "$XDG_CACHE_HOME"
if m=$(measure ours); then
    echo "first boot of ours (decompresses and fills the cache): init marker $(echo "$m" | cut -d' ' -f1) ms, exit $(echo "$m" | cut -d' ' -f2) ms"
else
    fail "ours, first boot"
fi
for r in $(seq "$ROUNDS"); do
    for who in $WHOS; do
        # A failed peer round is reported, not fatal (QEMU under nested TCG SVM is flaky);
        # a failed round of ours fails the benchmark.
        if ! m=$(measure $who); then
            case $who in ours*) fail "$who round $r" ;; *) echo "peer $who failed round $r" ;; esac
            continue
        fi
        echo "$who $m" >>/tmp/res
        [ "$TIMELINE" = 1 ] && tr -d '\r' </tmp/b.out |
            sed -n '/^GUEST-INIT-READY/p; /^GUEST-DMESG-BEGIN/,/^GUEST-DMESG-END/p' |
            sed "s/^/timeline $who $r: /"
        echo "round $r $who: init marker $(echo "$m" | cut -d' ' -f1) ms, exit $(echo "$m" | cut -d' ' -f2) ms, guest uptime at init $(echo "$m" | cut -d' ' -f3) s"
    done
done
# one more cached boot of ours with --stats: the VMM's own timeline of it (ms since exec: set-up
# done, first KVM_RUN, first serial byte, the guest's boot marker, exit)
ours_vm --stats >/tmp/b.out 2>&1
tr -d '\r' </tmp/b.out | sed -n 's/^vmm: timeline (ms since start): /timeline of one boot of ours (ms since exec): /p'
# means per configuration, then ratios of ours to each peer
awk -v cpus="$CPUS" '{ n[$1]++; m[$1] += $2; e[$1] += $3; u[$1] += $4 }
     END {
       for (w in n) printf "mean %s: init marker %.0f ms, exit %.0f ms, guest uptime at init %.2f s (%d rounds)\n", w, m[w]/n[w], e[w]/n[w], u[w]/n[w], n[w]
       split("ours:qemu ours:qemu_pvh ours_linux:qemu ours_map:ours ours_plain:ours ours_alt:ours ours_alt:qemu", pairs, " ")
       for (i = 1; i in pairs; i++) {
         split(pairs[i], ab, ":"); a = ab[1]; b = ab[2]
         if (n[a] && n[b])
           printf "RESULT linux-boot %s vs %s, %d vCPUs: to init marker %.3f, to exit %.3f\n", a, b, cpus,
                  (m[a]/n[a])/(m[b]/n[b]), (e[a]/n[a])/(e[b]/n[b])
       }
     }' /tmp/res
finish
