# Fails in every boot: run.sh retries it (TH_RETRIES) and must still fail the run.
echo "failing in boot $(tr ' ' '\n' </proc/cmdline | sed -n 's/^th_boot=//p')"
exit 1
