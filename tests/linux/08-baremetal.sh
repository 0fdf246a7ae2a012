# The bare-metal test guest on real (nested) SVM: a triple fault gives status 4 and the
# registers; `rep insb` arrives as one exit with count > 1 and fills every byte; the SMP
# guest's APs start from real mode, natively here (kvm_pvm emulates it), and answer IPIs.
. /t/lib.sh; . /t/helpers.inc
run_capture /tmp/o 60 vmm --kernel /t/testguest.elf --cmdline action=triple
expect_eq "$?" 4 "triple fault status"
expect_line /tmp/o 'guest triple fault' "reason"
expect_line /tmp/o 'rip=' "registers"
# stdout and stderr apart: trace lines would split the guest's byte-by-byte output
vmm --kernel /t/testguest.elf --trace --cmdline action=ins </dev/null >/tmp/o 2>/tmp/e
expect_eq "$?" 0 "ins status"
expect_line /tmp/o '^GUEST-REP-INS ok' "64 bytes of all-ones"
expect_line /tmp/e 'io in port=0xf00 size=1 count=([2-9]|[1-9][0-9]+) ' "one exit carried count > 1"
run_capture /tmp/o 60 vmm --kernel /t/smpguest.elf --cpus 4
expect_eq "$?" 0 "smp status"
expect_line /tmp/o '^SMP-CPUS madt=4 bootinfo=4$' "the MADT's 4 CPUs"
expect_line /tmp/o '^SMP-AP cpu=3 apic=3 up$' "the last AP reported in"
expect_line /tmp/o '^SMP-OK cpus=4 rounds=3$' "INIT-SIPI-SIPI and IPIs both ways"
expect_no_line /tmp/o '^SMP-FAIL' "no SMP check failed"
finish
