# vmlinux (PVH), 2 vCPUs, 3.5G
. /t/lib.sh; . /t/helpers.inc
vmm_boot /tmp/o "$G/vmlinux" 0 --mem 3584M --cpus 2 --cmdline "console=ttyS0 guest=info"
check_info /tmp/o 2 3300000 "0x100000 0xbfffffff System RAM" "0x100000000 0x11fffffff System RAM"
finish
