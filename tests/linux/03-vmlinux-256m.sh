# vmlinux (ELF, PVH entry), 1 vCPU, 256M
. /t/lib.sh; . /t/helpers.inc
vmm_boot /tmp/o "$G/vmlinux" 0 --mem 256M --cmdline "console=ttyS0 guest=info"
check_info /tmp/o 1 200000 "0x0 0x9fbff System RAM" "0x100000 0xfffffff System RAM"
finish
