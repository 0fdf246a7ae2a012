# QEMU's fw_cfg under Debian's stock kernel, 2 vCPUs, 3.5G: qemu_fw_cfg (a module there)
# finds it through the DSDT's QEMU0002 and lists it in /sys/firmware/qemu_fw_cfg; etc/e820
# read back through sysfs is, entry for entry, the e820 the kernel was booted with. Through
# the boot protocol (--boot-protocol linux): booted through its PVH entry, the kernel adds
# the ISA hole (0xa0000-0xfffff) as reserved itself, merging our two reserved ranges
# around it into one (arch/x86/platform/pvh/enlighten.c), so its map is no longer ours.
. /t/lib.sh; . /t/helpers.inc
expect_line "$G/kernel.config" '^CONFIG_FW_CFG_SYSFS=m$' "the kernel builds qemu_fw_cfg as a module"
vmm_boot /tmp/o "$G/vmlinuz" 0 --boot-protocol linux --mem 3584M --cpus 2 \
    --cmdline "console=ttyS0 bench=fwcfg"
expect_line /tmp/o '^GUEST-FWCFG-REV 1$' "rev 1: the port interface, no DMA"
# 5 entries of 20 bytes under key 0x20, the only file
expect_line /tmp/o '^GUEST-FWCFG-FILE etc/e820 100 32$' "etc/e820 in the directory"
expect_eq "$(grep -c '^GUEST-FWCFG-FILE ' /tmp/o)" 1 "files"
expect_line /tmp/o '^GUEST-E820-SOURCE sysfs$' "the kernel's e820 from /sys/firmware/memmap"

# le_hex HEX: the bytes of HEX (two digits each) read little-endian, as 0x...
le_hex() {
    _h=$1; _r=
    while [ -n "$_h" ]; do _r=${_h%"${_h#??}"}$_r; _h=${_h#??}; done
    printf '0x%x' "$((0x$_r))"
}
raw=$(line_value /tmp/o GUEST-FWCFG-E820-RAW)
expect_eq "${#raw}" 200 "etc/e820 raw: 100 bytes"
i=0
while [ $((i * 40)) -lt "${#raw}" ]; do
    e=${raw:$((i * 40)):40}
    start=$(le_hex "${e:0:16}"); size=$(le_hex "${e:16:16}"); type=$(le_hex "${e:32:8}")
    case $type in 0x1) name="System RAM" ;; 0x2) name=Reserved ;; *) name="type $type" ;; esac
    expect_line /tmp/o "^GUEST-E820 $start $(printf 0x%x $((start + size - 1))) $name\$" \
        "fw_cfg e820 entry $i ($start, $size, $type) as the kernel has it"
    i=$((i + 1))
done
expect_eq "$(grep -c '^GUEST-E820 ' /tmp/o)" "$i" "as many entries as the kernel's"
expect_line /tmp/o '^GUEST-E820 0x100000000 0x11fffffff System RAM$' "RAM above 4G"
finish
