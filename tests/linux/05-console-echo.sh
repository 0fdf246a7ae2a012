# A line typed into the serial console reaches the guest shell and comes back
# testhost-timeout: 120
. /t/lib.sh; . /t/helpers.inc
vmm_console "console=ttyS0 guest=echo"
check "guest waits for a line" wait_for /tmp/o GUEST-ECHO-READY 90 $pid
echo "typed by the host 12345" >&8
vmm_console_end
sed 's/^/| /' /tmp/o.txt | tail -5
expect_eq "$st" 0 "vmm exit status"
check "echoed line" grep -q "GUEST-ECHO typed by the host 12345" /tmp/o
finish
