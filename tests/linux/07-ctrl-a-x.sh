# Ctrl-A x on the console ends the VM with status 0 while the guest shell waits
. /t/lib.sh; . /t/helpers.inc
vmm_console "console=ttyS0 guest=shell"
check "guest shell is up" wait_for /tmp/o GUEST-SHELL 200
printf '\001x' >&8
wait $pid; st=$?
exec 8>&-
expect_eq "$st" 0 "status after Ctrl-A x"
finish
