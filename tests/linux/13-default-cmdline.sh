# No --cmdline, as README's first command boots Linux: the guest gets the VMM's default
# command line (vmm --help says which), reaches its shell on ttyS0, and probes no hardware the
# machine lacks: no legacy UART beyond ours (8250.nr_uarts), no PCI config space (pci=off).
# testhost-timeout: 150
. /t/lib.sh; . /t/helpers.inc
want=$(vmm_default_cmdline)
check "vmm --help names its default command line" [ -n "$want" ]
vmm_console
check "guest reached its shell" wait_for /tmp/o '^GUEST-SHELL' 90 $pid
kill -USR2 $pid   # the device dump: pci-config counts the PCI probe's accesses
check "the VMM dumped its devices" wait_for /tmp/o 'pci-config: no PCI' 20 $pid
echo 'echo "CMDLINE=$(cat /proc/cmdline)"; poweroff -f' >&8
vmm_console_end
grep -E '^CMDLINE=|GUEST-|unclaimed|PCI|pci-config' /tmp/o.txt | sed 's/^/| /'
expect_eq "$st" 0 "vmm exit status"
expect_eq "$(sed -n 's/^CMDLINE=//p' /tmp/o.txt | head -1)" "$want" "the guest's /proc/cmdline"
# the 8250 driver's legacy probe of COM2-4 (0x2f8, 0x3e8, 0x2e8) reaches no device of ours
# (the VMM logs it as unclaimed); PCI's probe of configuration space reaches pci-config
# (0xcf8, all ones): 93 accesses in a boot without pci=off, 8 with it (6 by the time the shell is up)
expect_no_line /tmp/o.txt 'unclaimed pio .* at 0x(2f[89a-f]|3e[89a-f]|2e[89a-f])' "no probe of a UART we lack"
n=$(sed -n 's/.*pci-config: no PCI; \([0-9]*\) reads, \([0-9]*\) writes.*/\1 \2/p' /tmp/o.txt | head -1)
[ -n "$n" ] && pci=$(( ${n% *} + ${n#* } ))
check "no probe of PCI config space (${pci:-no} accesses, fewer than 10)" [ "${pci:-99}" -lt 10 ]
finish
