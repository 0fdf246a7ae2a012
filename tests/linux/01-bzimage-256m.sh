# bzImage (64-bit boot protocol), 1 vCPU, 256M: e820, nproc, MemTotal, poweroff -> 0
. /t/lib.sh; . /t/helpers.inc
vmm_boot /tmp/o "$G/vmlinuz" 0 --mem 256M --cmdline "console=ttyS0 guest=info"
check_info /tmp/o 1 200000 "0x0 0x9fbff System RAM" "0x100000 0xfffffff System RAM"
expect_no_line /tmp/o 'GUEST-E820 0x100000000' "no RAM above 4G"
finish
