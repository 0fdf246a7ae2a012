# testhost-timeout: 480
# --pit user: Debian's kernel boots with our PIT in place of KVM's and keeps time: the guest's
# `sleep 5` takes 5 s +-5 % of the test host's time, timed here from the arrival of the two
# lines around it. With kvmclock only. With no-kvmclock the kernel calibrates its TSC against
# PIT channel 2 and, failing that, against HPET or the ACPI PM timer; it hangs here with
# KVM's PIT as with ours: each port exit costs 44 us in this nested test host, so
# pit_calibrate_tsc sees too few reads per millisecond, and a PM-timer read (tried on
# branch pm-timer-experiment) takes longer than tsc_read_refs's 50000-cycle SMI threshold.
# That half cannot pass in this environment; it is named, not hidden, and not run.
. /t/lib.sh; . /t/helpers.inc
echo "skipped in the test host: --pit user with no-kvmclock (its TSC calibration needs exits under ~20 us; they cost 44 us here)"
# poll_for FILE REGEX DEADLINE_MS: until a line matches or now_ms passes the deadline
poll_for() {
    while ! grep -qE -- "$2" "$1" 2>/dev/null; do
        [ "$(now_ms)" -gt "$3" ] && return 1
        sleep 0.02
    done
}
sleep_once() { # sleep_once NAME EXTRA_CMDLINE: one boot; sets st, t0, t1
    rm -f /tmp/o
    timeout 200 vmm --pit user --stats --kernel "$G/vmlinuz" --initrd "$G/initramfs.cpio.gz" \
        --cmdline "console=ttyS0 guest=sleep $2" </dev/null >/tmp/o 2>&1 &
    pid=$!
    t0=0; t1=0
    if poll_for /tmp/o '^GUEST-SLEEP-START' $(($(now_ms) + 190000)); then
        t0=$(now_ms)
        poll_for /tmp/o '^GUEST-SLEEP-END' $((t0 + 30000)) && t1=$(now_ms)
    fi
    wait $pid; st=$?
}
sleep_run() { # sleep_run NAME EXTRA_CMDLINE
    sleep_once "$@"
    # The nested test host kills guests of both VMMs at random (issue 12: a triple fault
    # while delivering an event, or a stall): once more, loudly, as helpers.inc's vmm_boot.
    if [ "$st" -eq 4 ] || [ "$st" -eq 143 ] || [ "$st" -eq 124 ]; then
        echo "RETRY: $1: guest triple fault or stall (status $st); booting once more"
        sleep_once "$@"
    fi
    tr -d '\r' </tmp/o | grep -E 'GUEST-|tsc:|clocksource|TIMER|timer|PIT|vmm: pit' |
        sed "s/^/| $1: /"
    [ "$st" -eq 0 ] || tr -d '\r' </tmp/o | tail -40 | sed "s/^/| $1 (tail): /"
    expect_eq "$st" 0 "$1: vmm exit status"
    expect_line /tmp/o '^GUEST-INIT-READY' "$1: guest reached /init"
    expect_no_line /tmp/o "timer doesn't work" "$1: the IOAPIC timer check passed"
    dt=$((t1 - t0))
    echo "$1: sleep 5 took $dt ms of the test host's time"
    check "$1: sleep 5 took $dt ms (4750..5250)" [ "$dt" -ge 4750 -a "$dt" -le 5250 ]
}
sleep_run kvmclock ""
finish
