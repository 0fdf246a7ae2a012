# The bare-metal test guest on real (nested) SVM: a triple fault gives status 4 and the
# registers; `rep outsb` arrives as one exit with count > 1 and still prints every byte.
. /t/lib.sh; . /t/helpers.inc
run_capture /tmp/o 60 vmm --kernel /t/testguest.elf --cmdline action=triple
expect_eq "$?" 4 "triple fault status"
expect_line /tmp/o 'guest triple fault' "reason"
expect_line /tmp/o 'rip=' "registers"
run_capture /tmp/o 60 vmm --kernel /t/testguest.elf --stats --cmdline action=outs
expect_eq "$?" 0 "outs status"
expect_line /tmp/o '^GUEST-REP-OUTS one string instruction$' "string printed whole"
io=$(sed -n 's/.*exits by reason:.* 2=\([0-9]*\).*/\1/p' /tmp/o)
check "few I/O exits for a 38-byte rep outsb (got ${io:-?})" [ "${io:-99}" -lt 10 ]
finish
