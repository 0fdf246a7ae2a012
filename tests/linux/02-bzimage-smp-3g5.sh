# bzImage, 2 vCPUs (ACPI MADT), 3.5G split around the MMIO hole
. /t/lib.sh; . /t/helpers.inc
vmm_boot /tmp/o "$G/vmlinuz" 0 --mem 3584M --cpus 2 --cmdline "console=ttyS0 guest=info"
check_info /tmp/o 2 3300000 "0x100000 0xbfffffff System RAM" "0x100000000 0x11fffffff System RAM"
expect_line /tmp/o 'smpboot: Total of 2 processors activated' "both CPUs up"
finish
