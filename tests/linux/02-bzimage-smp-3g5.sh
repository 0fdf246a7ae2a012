# bzImage through the 64-bit boot protocol as it is (--boot-protocol linux: the kernel's own
# decompressor runs), 2 vCPUs (ACPI MADT), 3.5G split around the MMIO hole
. /t/lib.sh; . /t/helpers.inc
vmm_boot /tmp/o "$G/vmlinuz" 0 --boot-protocol linux --stats --mem 3584M --cpus 2 \
    --cmdline "console=ttyS0 guest=info"
check_info /tmp/o 2 3300000 "0x100000 0xbfffffff System RAM" "0x100000000 0x11fffffff System RAM"
expect_line /tmp/o 'smpboot: Total of 2 processors activated' "both CPUs up"
expect_no_line /tmp/o '^vmm: kernel: ' "--boot-protocol linux: no unpacking"
finish
