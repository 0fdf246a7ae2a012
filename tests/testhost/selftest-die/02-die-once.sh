# Crashes the test host's kernel in its first boot (a panic; with panic=-1 and QEMU's
# -no-reboot, QEMU exits). run.sh must boot it again (th_boot=2, th_only=02-die-once), and
# this passes then.
if grep -q 'th_boot=1 ' /proc/cmdline; then
    echo "crashing the test host"
    echo c > /proc/sysrq-trigger
    sleep 60
fi
echo "second boot: alive"
