# Passes in the first boot, so it must not run again.
if ! grep -q 'th_boot=1 ' /proc/cmdline; then
    echo "FAIL: ran again in a later boot, though it passed"
    exit 1
fi
echo "first boot: passing"
