# runs in the first boot only (so that the second boot has th_skip=1)
echo "before the crash"
