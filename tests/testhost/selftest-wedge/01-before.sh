# runs in the first boot only
echo "before the wedge"
