# testhost-timeout: 900
# Host I/O errors (issue 10): a real faulty block device under a running guest. The disk is a
# device-mapper device over a brd RAM disk, its table swapped while the VMM has it open:
# linear (healthy), error (every I/O fails: EIO), linear again, flakey (up 2 s, down 2 s),
# linear again. The guest's probe (blkbench probe, bench=ioerr) writes a 4 KiB record O_DIRECT
# every 200 ms, fdatasyncs it and reads it back, and prints what each call returned. Each
# failure must reach the guest as EIO (VIRTIO_BLK_S_IOERR), the guest kernel must report it
# ("I/O error, dev vda"), a write that said ok must read back intact (no "BAD" ever), and once
# the table is healthy again the same VMM serves I/O again; it must live through all of it and
# end on SIGTERM. With cache=none the write itself fails; through the host's page cache the
# error comes with the flush (fdatasync) that writes it back, which is when the guest learns
# of it. Then ENOSPC: the image a sparse file on a full tmpfs (the write that allocates
# fails), and served again once space is freed. Last, the same error table under the guest's
# ext4 file system (bench=ext4err: records written with fsync): ext4 must report it in the
# guest (its warning, a journal abort) and the write that hit it must fail in the guest.
. /t/lib.sh; . /t/helpers.inc
V=$G/vmlinuz
export DM_DISABLE_UDEV=1 # no udev here: libdevmapper makes /dev/mapper's nodes itself
MIB=64 # disk.ext4's size, as 02-crash-consistency makes /dev/ram0
# loaded once per test-host boot: 02-crash-consistency may have made /dev/ram0 already
loaded() { grep -q "^$1 " /proc/modules; }
loaded brd || insmod /mods/brd.ko rd_nr=1 rd_size=$((MIB * 1024)) || { fail "insmod brd"; finish; }
loaded dm_mod || insmod /mods/dm-mod.ko || { fail "insmod dm-mod"; finish; }
loaded dm_flakey || insmod /mods/dm-flakey.ko || { fail "insmod dm-flakey"; finish; }
S=$(cat /sys/block/ram0/size) # sectors, whoever made it
LINEAR="0 $S linear /dev/ram0 0"
dm() { /t/dmsetup --noudevsync "$@"; }
dm create vmmdisk --table "$LINEAR" || { fail "dmsetup create"; finish; }
[ -b /dev/mapper/vmmdisk ] || dm mknodes vmmdisk
D=/dev/mapper/vmmdisk
check "dmsetup made $D" [ -b $D ]

# swap TABLE: the new table in, between suspend and resume, as an administrator would
swap() { dm suspend vmmdisk && dm load vmmdisk --table "$1" && dm resume vmmdisk; }
# after N REGEX SECONDS: a probe line past line N of /tmp/p matching REGEX, within SECONDS
after() {
    _i=0
    while ! tail -n +$(($1 + 1)) /tmp/p | tr -d '\r' | grep -qE -- "$2"; do
        kill -0 "$pid" 2>/dev/null || return 1
        _i=$((_i + 1)); [ "$_i" -gt $(($3 * 10)) ] && return 1; sleep 0.1
    done
}
lines() { wc -l </tmp/p; }
OK='^GUEST-IO [0-9]+ w=ok f=ok r=ok'

# run_dm MODE ERR_RE: the dm sequence under one VMM; MODE is "" or ",cache=none"
run_dm() {
    _m=$1; _err=$2
    swap "$LINEAR"
    vmm_bg /tmp/p "$OK" 120 --kernel "$V" --initrd "$G/initramfs.cpio.gz" --disk "$D$_m" \
        --cmdline "console=ttyS0 bench=ioerr" || { fail "$_m: the probe ran"; return; }
    ok "disk$_m: the probe's I/O succeeds on the healthy table"
    n=$(lines); swap "0 $S error"
    check "disk$_m: dm error: the guest gets EIO ($_err)" after "$n" "$_err" 60
    # (a failed write is printed; a failed flush, the page-cache case, need not be)
    [ -n "$_m" ] &&
        check "disk$_m: dm error: the guest kernel reports it" after "$n" 'I/O error, dev vda' 30
    n=$(lines); swap "$LINEAR"
    check "disk$_m: linear again: served again" after "$n" "$OK" 60
    n=$(lines); swap "0 $S flakey /dev/ram0 0 2 2"
    check "disk$_m: flakey: EIO while it is down" after "$n" "$_err" 60
    n2=$(lines)
    check "disk$_m: flakey: ok while it is up" after "$n2" "$OK" 60
    n=$(lines); swap "$LINEAR"
    check "disk$_m: linear again after flakey: served again" after "$n" "$OK" 60
    expect_no_line /tmp/p 'r=BAD' "disk$_m: no write said ok and read back different"
    check "disk$_m: the VMM lived through it" kill -0 "$pid"
    kill -TERM "$pid"; wait "$pid"; _st=$?
    expect_eq "$_st" 143 "disk$_m: SIGTERM ends the VMM (status)"
    grep -c 'virtio-blk: type' /tmp/p | sed "s/^/disk$_m: VMM error lines logged: /"
    grep -E '^GUEST-IO' /tmp/p | tr -d '\r' | awk '{print $3, $4, $5}' | sort | uniq -c |
        sed "s/^/disk$_m: probe results: /"
}
run_dm ",cache=none" '^GUEST-IO [0-9]+ w=EIO'
run_dm "" '^GUEST-IO [0-9]+ w=[A-Z]+|^GUEST-IO [0-9]+ w=ok f=EIO'

echo "== ext4 on the disk, then the error table under it"
swap "$LINEAR"
dd if="$G/disk.ext4" of=$D bs=1M conv=fsync 2>/dev/null || fail "copy disk.ext4 to $D"
vmm_bg /tmp/p '^GUEST-EXT4IO [0-9]+ rc=0' 120 --kernel "$V" --initrd "$G/initramfs.cpio.gz" \
    --disk "$D" --cmdline "console=ttyS0 bench=ext4err" || fail "ext4: the records ran"
if kill -0 "$pid" 2>/dev/null; then
    n=$(lines); swap "0 $S error"
    check "ext4: dm error: ext4 in the guest reports it" after "$n" \
        'EXT4-fs (warning|error) \(device vda\)|Aborting journal on device vda' 60
    check "ext4: dm error: the guest's fsync'd write fails" after "$n" '^GUEST-EXT4IO [0-9]+ rc=[1-9]' 60
    swap "$LINEAR"
    check "ext4: the VMM lived through it" kill -0 "$pid"
    kill -TERM "$pid"; wait "$pid"; _st=$?
    expect_eq "$_st" 143 "ext4: SIGTERM ends the VMM (status)"
    grep -E 'EXT4-fs|Aborting journal|I/O error' /tmp/p | tr -d '\r' | sed 's/^\[ *[0-9.]*\] //' |
        sed -E 's/(^|[^A-Za-z0-9])[0-9]+/\1N/g' | sort | uniq -c | sed 's/^/ext4: guest kernel: /'
fi
dm remove vmmdisk

echo "== ENOSPC: a sparse image on a full tmpfs"
mkdir -p /tmp/full && mount -t tmpfs -o size=4m tmpfs /tmp/full || { fail "mount tmpfs"; finish; }
truncate -s ${MIB}M /tmp/full/disk.img
dd if=/dev/zero of=/tmp/full/filler bs=64k 2>/dev/null # until ENOSPC
vmm_bg /tmp/p '^GUEST-IO [0-9]+ ' 120 --kernel "$V" --initrd "$G/initramfs.cpio.gz" \
    --disk /tmp/full/disk.img --cmdline "console=ttyS0 bench=ioerr" ||
    { fail "ENOSPC: the probe ran"; finish; }
check "ENOSPC: the guest gets EIO" after 0 '^GUEST-IO [0-9]+ w=(EIO|ok f=EIO)' 60
check "ENOSPC: the VMM logged the error" grep -q 'virtio-blk: type 1 .*error -28' /tmp/p
n=$(lines); rm -f /tmp/full/filler
check "ENOSPC: space freed, served again" after "$n" "$OK" 60
expect_no_line /tmp/p 'r=BAD' "ENOSPC: no write said ok and read back different"
kill -TERM "$pid"; wait "$pid"; _st=$?
expect_eq "$_st" 143 "ENOSPC: SIGTERM ends the VMM (status)"
umount /tmp/full
finish
