# Fails in the first test-host boot only: run.sh must run it again in a fresh boot
# (th_only=01-fail-once), report it FLAKY, and pass.
if grep -q 'th_boot=1 ' /proc/cmdline; then
    echo "failing in the first boot"
    exit 3
fi
echo "second boot: passing"
