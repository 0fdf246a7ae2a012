#!/bin/sh
# Self-test of the test host itself: /dev/kvm from kvm-amd, SVM visible, guest artifacts present.
# shellcheck disable=SC1091  # /t/lib.sh is tests/testhost/lib.sh
. /t/lib.sh
ls -l /dev/kvm
check "/dev/kvm is a character device" test -c /dev/kvm
n=$(grep -c svm /proc/cpuinfo)
check "$n cpus with svm" test "$n" -ge 1
check "kvm_amd loaded" grep -q '^kvm_amd ' /proc/modules
for f in vmlinuz vmlinux initramfs.cpio.gz disk.ext4; do
    check "$G/$f present" test -s "$G/$f"
done
finish
