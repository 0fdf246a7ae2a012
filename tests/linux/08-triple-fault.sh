# A triple-faulting guest on real (nested) SVM: status 4, registers on stderr
. /t/lib.sh; . /t/helpers.inc
run_capture /tmp/o 60 vmm --kernel /t/testguest.elf --cmdline action=triple
expect_eq "$?" 4 "status"
expect_line /tmp/o 'guest triple fault' "reason"
expect_line /tmp/o 'rip=' "registers"
finish
