# Simulates a wedged test host in the first boot: stops every process but init and itself
# (the heartbeat too), then stays silent. run.sh's watchdog must notice, boot again with
# th_only=02-wedge-once,03-after, and this scenario then passes.
if grep -q 'th_boot=1 ' /proc/cmdline; then
    echo "going silent"
    kill -STOP -1
    sleep 900
fi
echo "second boot: not wedged"
