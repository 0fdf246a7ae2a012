# A command typed into the guest's interactive shell runs and its output comes back;
# then Ctrl-A x ends the VM with status 0 while the shell waits.
. /t/lib.sh; . /t/helpers.inc
vmm_console "console=ttyS0 guest=shell"
check "guest shell is up" wait_for /tmp/o GUEST-SHELL 200
sleep 1
echo 'echo "answer-$((6 * 7))-from-the-shell"' >&8
check "shell ran the typed command" wait_for /tmp/o 'answer-42-from-the-shell' 60
printf '\001x' >&8
vmm_console_end
expect_eq "$st" 0 "status after Ctrl-A x"
finish
