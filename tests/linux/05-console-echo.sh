# A line typed into the serial console reaches the guest shell and comes back
# testhost-timeout: 120
. /t/lib.sh; . /t/helpers.inc
vmm_console "console=ttyS0 guest=echo"
check "guest waits for a line" wait_for /tmp/o GUEST-ECHO-READY 90 $pid
echo "typed by the host 12345" >&8
wait $pid; st=$?
exec 8>&-
tr -d '\r' </tmp/o | sed 's/^/| /' | tail -5
expect_eq "$st" 0 "vmm exit status"
check "echoed line" grep -q "GUEST-ECHO typed by the host 12345" /tmp/o
finish
