# The bare-metal test guest on real (nested) SVM: a triple fault gives status 4 and the
# registers; `rep insb` arrives as one exit with count > 1 and fills every byte; the SMP
# guest's APs start from real mode, natively here (kvm_pvm emulates it), and answer IPIs; and
# what kvm_pvm cannot do (the guest suite skips it there by name): the exception test's #PF
# checks, which need 32-bit paging (kvm_pvm refuses CR0.PG outside long mode).
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
run_capture /tmp/o 60 vmm --kernel /t/testguest.elf --debug-exit on --cmdline action=exceptions
expect_eq "$?" 1 "exceptions: every check passed (isa-debug-exit 0)"
expect_line /tmp/o '^GUEST-EXCEPTIONS pass$' "all caught, #PF included"
expect_line /tmp/o '^GUEST-EXC #PF-read-not-present vector=14 error=0x0 ' "#PF, read, not present"
expect_line /tmp/o '^GUEST-EXC #PF-write-not-present vector=14 error=0x2 ' "#PF, write, not present"
expect_line /tmp/o '^GUEST-EXC #PF-write-read-only vector=14 error=0x3 ' "#PF, write, read-only"
expect_line /tmp/o '^GUEST-EXC read-read-only none' "a read of a read-only page is no fault"
run_capture /tmp/o 60 vmm --kernel /t/testguest.elf --debug-exit on --cmdline "action=exceptions n=2"
expect_eq "$?" 157 "an uncaught #PF ends the run with ((0x40 + 14) << 1) | 1"
expect_line /tmp/o '^GUEST-EXCEPTION vector=14 \(#PF\) error=0x[0-9a-f]+ eip=0x[0-9a-f]+ cr2=0x' \
    "the reporter's line, with CR2"
run_capture /tmp/o 60 vmm --kernel /t/smpguest.elf --cpus 4
expect_eq "$?" 0 "smp status"
expect_line /tmp/o '^SMP-CPUS madt=4 bootinfo=4$' "the MADT's 4 CPUs"
expect_line /tmp/o '^SMP-AP cpu=3 apic=3 up$' "the last AP reported in"
expect_line /tmp/o '^SMP-OK cpus=4 rounds=3$' "INIT-SIPI-SIPI and IPIs both ways"
expect_no_line /tmp/o '^SMP-FAIL' "no SMP check failed"
finish
