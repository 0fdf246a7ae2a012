# runs in the first boot only (the second boot runs only the unfinished scenario)
echo "before the crash"
