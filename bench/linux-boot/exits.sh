# testhost-timeout: 900
# What each word of our default command line earns, in exits to the VMM (issue 11): a quiet
# boot of the stock guest to its init marker and power-off (bench=boot; 2 vCPUs, 256M), once
# with console=ttyS0 alone, once with each further word of the default `vmm --help` prints
# (8250.nr_uarts=1, pci=off: read from the help, so this follows the default), and once
# with the whole default; ROUNDS rounds, configurations alternating. --stats counts, for
# every boot: exits to the VMM (all reasons), pci-config accesses (0xcf8-0xcff), accesses
# nothing claimed, and the guest's uptime at its init marker. A count, not a time: unlike
# the boot benchmark's milliseconds it does not swing with the test host's load, so one
# round shows the difference and the others show how steady it is.
. /t/lib.sh
ROUNDS=2
[ -f /t/exits.conf ] && . /t/exits.conf # bench/linux-exits.sh writes it
DEFAULT=$(vmm_default_cmdline)
[ -n "$DEFAULT" ] || fail "no default command line in vmm --help"
BENCH="quiet bench=boot"
export XDG_CACHE_HOME=/tmp/exits-kcache

# boot CMDLINE: one boot with --stats; prints "<exits> <pci-config> <unclaimed> <uptime>"
boot() {
    timeout -s KILL 120 vmm --kernel "$G/vmlinuz" --initrd "$G/initramfs.cpio.gz" --cpus 2 \
        --mem 256M --stats --cmdline "$1" </dev/null >/tmp/x.out 2>&1
    tr -d '\r' </tmp/x.out >/tmp/x.txt
    grep -q GUEST-BENCH-DONE /tmp/x.txt || { tail -5 /tmp/x.txt >&2; return 1; }
    # "vmm: exits by reason: KVM_EXIT_IO=N KVM_EXIT_MMIO=N ..." (all vCPUs), summed
    exits=$(sed -n 's/^vmm: exits by reason: //p' /tmp/x.txt | head -1 | tr ' ' '\n' |
        awk -F= '{ s += $2 } END { print s + 0 }')
    pci=$(sed -n 's/^vmm: pci-config: .*; \([0-9]*\) reads, \([0-9]*\) writes$/\1 \2/p' \
        /tmp/x.txt | awk '{ print $1 + $2 }')
    unc=$(sed -n 's/^vmm: unclaimed pio=\([0-9]*\) mmio=\([0-9]*\).*/\1 \2/p' /tmp/x.txt |
        awk '{ print $1 + $2 }')
    up=$(line_value /tmp/x.txt GUEST-INIT-READY)
    echo "${exits:-?} ${pci:-?} ${unc:-?} ${up:-?}"
}

# the configurations: plain (console=ttyS0), each further word of the default after it, and
# the whole default
CONFS=plain
for w in $DEFAULT; do
    [ "$w" = console=ttyS0 ] || CONFS="$CONFS +$w"
done
CONFS="$CONFS default"
conf_cmdline() {
    case $1 in
    plain) echo console=ttyS0 ;;
    default) echo "$DEFAULT" ;;
    *) echo "console=ttyS0 ${1#+}" ;;
    esac
}
echo "configurations: $CONFS"

# fill the kernel cache: every counted boot is a cached one
boot "$DEFAULT $BENCH" >/dev/null || true
: >/tmp/res
for r in $(seq "$ROUNDS"); do
    for c in $CONFS; do
        if ! m=$(boot "$(conf_cmdline "$c") $BENCH"); then
            fail "$c round $r: no GUEST-BENCH-DONE"
            continue
        fi
        echo "$c $m" >>/tmp/res
        set -- $m
        echo "round $r $c: exits $1, pci-config $2, unclaimed $3, guest uptime at init $4 s"
    done
done
# per configuration: the lowest and highest count (pci-config and unclaimed of its last boot),
# and what it saves against plain, in mean exits
awk '{ if (!($1 in n)) order[++k] = $1
       if (!($1 in lo) || $2 < lo[$1]) lo[$1] = $2; if ($2 > hi[$1]) hi[$1] = $2
       s[$1] += $2; n[$1]++; p[$1] = $3; q[$1] = $4 }
     END {
       for (i = 1; i <= k; i++) { c = order[i]; printf "RESULT linux-exits %s: exits %d-%d (mean %.0f, %d boots), pci-config %d, unclaimed %d, saves %.0f against plain\n",
                          c, lo[c], hi[c], s[c]/n[c], n[c], p[c], q[c], s["plain"]/n["plain"] - s[c]/n[c] }
     }' /tmp/res
finish
