# runs in the second boot
echo "after the wedge"
