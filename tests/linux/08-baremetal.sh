# The bare-metal test guest on real (nested) SVM: a triple fault gives status 4 and the
# registers; `rep insb` arrives as one exit with count > 1 and fills every byte.
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
finish
