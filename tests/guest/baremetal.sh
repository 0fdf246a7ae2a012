#!/usr/bin/env bash
# Bare-metal integration tests on the host's /dev/kvm, as TAP.
# usage: baremetal.sh VMM TESTGUEST SMPGUEST
# A missing /dev/kvm fails, unless VMM_TEST_ALLOW_NO_KVM=1 (a developer laptop): then skip.
set -u
VMM=$1
GUEST=$2
SMPGUEST=$3
. "$(dirname "$0")/lib.sh"
scratch baremetal
require_kvm

t_hello() {
	run hello 0 --kernel "$GUEST" --cmdline action=hello &&
		has "GUEST-HELLO magic=0x00000000336ec578 rsdp=0x00000000000e0000" &&
		has "GUEST-E820 0x0000000000100000 0x000000000ff00000 1" &&
		has "GUEST-RAM-KB 261759"
}
check "PVH boot: start_info, e820 for 256M, poweroff -> 0" t_hello

t_split() {
	run split 0 --kernel "$GUEST" --mem 3584M --cpus 2 --cmdline action=hello &&
		has "GUEST-E820 0x0000000000100000 0x00000000bff00000 1" &&
		has "GUEST-E820 0x0000000100000000 0x0000000020000000 1"
}
check "3.5G: RAM split around the MMIO hole" t_split

t_many_cpus() { run cpus 0 --kernel "$GUEST" --cpus 8 --cmdline action=hello && has GUEST-HELLO; }
check "8 vCPUs: APs parked in wait-for-SIPI stop on poweroff" t_many_cpus

t_triple() {
	run triple 4 --kernel "$GUEST" --cmdline action=triple && has GUEST-TRIPLE &&
		has "triple fault" err && has "rip=" err
}
check "triple fault -> status 4 with registers" t_triple

t_reset() { run reset 0 --kernel "$GUEST" --cmdline action=reset; }
check "ACPI reset register -> status 0" t_reset

t_restart() {
	local st
	"$VMM" --kernel "$GUEST" --cmdline action=reset --reboot=restart >"$T/out" 2>"$T/err" </dev/null &
	local pid=$!
	for _ in $(seq 100); do
		[ "$(grep -c GUEST-RESET "$T/out")" -ge 3 ] && break
		sleep 0.1
	done
	kill -TERM $pid
	wait $pid
	st=$?
	[ "$(grep -c GUEST-RESET "$T/out")" -ge 3 ] && [ $st -eq 143 ]
}
check "--reboot=restart boots again; SIGTERM -> 143" t_restart

# A reboot resets the devices in place: the --serial file keeps every boot's log, and the
# image stays locked between boots, so a second VMM is refused whenever it comes.
t_restart_in_place() {
	local st boots
	truncate -s 1M "$T/rr.img"
	"$VMM" --kernel "$GUEST" --cmdline action=reset --reboot=restart --disk "$T/rr.img" \
		--serial "file:$T/rr.log" >"$T/out" 2>"$T/err" </dev/null &
	local pid=$!
	for _ in $(seq 100); do
		[ -f "$T/rr.log" ] && [ "$(grep -c GUEST-RESET "$T/rr.log")" -ge 3 ] && break
		sleep 0.1
	done
	timeout 10 "$VMM" --kernel "$GUEST" --disk "$T/rr.img" >"$T/out2" 2>&1 </dev/null
	st=$?
	boots=$(grep -c GUEST-RESET "$T/rr.log")
	kill -TERM $pid
	wait $pid
	[ "$boots" -ge 3 ] && [ $st -eq 2 ] && grep -q "rr.img" "$T/out2"
}
check "--reboot=restart keeps the --serial file and the image lock across boots" t_restart_in_place

# The kernel cache's zero-copy path: a bzImage whose payload is the PVH test guest (gzip, the
# size appended, as the kernel's build makes it) boots through its PVH entry; the first boot
# decompresses and copies, the second maps the entry's pages into RAM (guest_mem_place), a
# reboot maps them again over fresh memory. Each must see what a direct boot of the ELF sees.
t_cache_mapped() (
	local pid boots
	export XDG_CACHE_HOME="$T/xdg"
	python3 - "$GUEST" "$T/tg.bzimage" <<'PY' || return 1
import gzip, struct, sys
elf = open(sys.argv[1], 'rb').read()
pl = gzip.compress(elf, mtime=0) + struct.pack('<I', len(elf))
setup = bytearray(4 * 512)  # setup_sects 3, and the boot sector
setup[0x1f1] = 3
struct.pack_into('<H', setup, 0x1fe, 0xaa55)
setup[0x202:0x206] = b'HdrS'
struct.pack_into('<H', setup, 0x206, 0x20f)
struct.pack_into('<II', setup, 0x248, 0x100, len(pl))  # payload_offset, payload_length
open(sys.argv[2], 'wb').write(bytes(setup) + bytes(0x100) + pl)
PY
	run direct 0 --kernel "$GUEST" --cmdline action=hello && has GUEST-HELLO && cp "$T/out" "$T/direct" &&
		run miss 0 --kernel "$T/tg.bzimage" --cmdline action=hello --stats &&
		has "decompressed in" err && cmp -s "$T/out" "$T/direct" &&
		run hit 0 --kernel "$T/tg.bzimage" --cmdline action=hello --stats &&
		has "from the cache" err && cmp -s "$T/out" "$T/direct" &&
		run hit-mapped 0 --kernel "$T/tg.bzimage" --cmdline action=hello --stats --kernel-map &&
		has "from the cache" err && cmp -s "$T/out" "$T/direct" || return 1
	"$VMM" --kernel "$T/tg.bzimage" --cmdline action=reset --reboot=restart --kernel-map \
		>"$T/out" 2>"$T/err" </dev/null &
	pid=$!
	for _ in $(seq 100); do
		[ "$(grep -c GUEST-RESET "$T/out")" -ge 3 ] && break
		sleep 0.1
	done
	boots=$(grep -c GUEST-RESET "$T/out")
	kill -TERM $pid
	wait $pid
	[ "$boots" -ge 3 ]
)
check "kernel cache: a hit copied, and with --kernel-map mapped into RAM, boots as a direct boot does, across reboots" t_cache_mapped

# QEMU as the reference for its own conventions: the same guest under
# qemu-system-x86_64 -accel kvm (its -kernel boots our PVH guest too). qrun NAME ARGS...:
# stdout (serial) to $T/q.out, exit status in $T/q.st.
qrun() {
	local name=$1
	shift
	timeout 60 qemu-system-x86_64 -accel kvm -M pc -m 256M -display none -no-user-config \
		-nodefaults -serial stdio -no-reboot -kernel "$GUEST" \
		-device isa-debug-exit,iobase=0xf4,iosize=4 "$@" >"$T/q.out" 2>"$T/q.err" </dev/null
	echo $? >"$T/q.st"
	grep -q "Could not access KVM\|failed to initialize kvm" "$T/q.err" &&
		echo "# $name: QEMU cannot use /dev/kvm" >>"$T/err"
	return 0
}

# isa-debug-exit: (v << 1) | 1 as QEMU's, for a write of 0, 5 and 127 (status 1, 11, 255);
# the VMM ends the run the ordinary way (the guest powers off if the port is not there)
t_debug_exit() {
	local v want
	for v in 0 5 127; do
		want=$(((v << 1 | 1) & 255))
		run "exit $v" $want --kernel "$GUEST" --debug-exit on --cmdline "action=exit n=$v" ||
			return 1
	done
	# QEMU once (its SeaBIOS takes seconds on kvm_pvm): the same guest, the same status
	qrun "exit 5" -append "action=exit n=5"
	[ "$(cat "$T/q.st")" = 11 ] || { echo "# QEMU: $(cat "$T/q.st")" >>"$T/err"; return 1; }
	run "exit moved" 11 --kernel "$GUEST" --debug-exit 0x4f0 --cmdline "action=exit n=5 port=1264" &&
		run "exit not at 0xf4" 0 --kernel "$GUEST" --debug-exit 0x4f0,2 --cmdline "action=exit n=5" &&
		has GUEST-STILL-RUNNING &&
		run "exit off" 0 --kernel "$GUEST" --debug-exit off --cmdline "action=exit n=5" &&
		has GUEST-STILL-RUNNING &&
		run "exit auto, PVH" 0 --kernel "$GUEST" --cmdline "action=exit n=5" &&
		run "exit on ttyS0" 2 --kernel "$GUEST" --debug-exit 0x3fc --cmdline action=hello &&
		has "--debug-exit 0x3fc: overlaps the ports of ttyS0" err && [ ! -s "$T/out" ] &&
		run "exit bad" 2 --kernel "$GUEST" --debug-exit 0xf4,3 && has "want auto, on" err
}
check "isa-debug-exit: status (v<<1)|1 as QEMU's; moved, off, auto off for PVH; bad ports" \
	t_debug_exit

# debugcon: the readback and the bytes as QEMU's -debugcon gives them
t_debugcon() {
	run debugcon 0 --kernel "$GUEST" --debugcon "file:$T/dc" --cmdline action=debugcon &&
		has "GUEST-DEBUGCON-READ 0x00000000000000e9" &&
		[ "$(cat "$T/dc")" = "GUEST-DEBUGCON hello" ] || return 1
	qrun debugcon -debugcon "file:$T/qdc" -append action=debugcon
	grep -q "GUEST-DEBUGCON-READ 0x00000000000000e9" "$T/q.out" && cmp -s "$T/dc" "$T/qdc" &&
		run "no debugcon" 0 --kernel "$GUEST" --cmdline action=debugcon &&
		has "GUEST-DEBUGCON-READ 0x00000000000000ff"
}
check "--debugcon: port 0xe9 reads 0xe9 and prints what QEMU's prints; absent reads 0xff" \
	t_debugcon

# PCI configuration ports: "no PCI" to Linux's type-1 probe, counted, never logged as unclaimed
t_pci() {
	run pci 0 --kernel "$GUEST" --stats --cmdline action=pci &&
		has "GUEST-PCI none id=0x00000000ffffffff" &&
		grep -qE "^vmm: pci-config: no PCI; [1-9][0-9]* reads, [1-9][0-9]* writes" "$T/err" &&
		has "unclaimed pio=0 " err
}
check "PCI config ports answer no device, quietly and counted" t_pci

# The boot timeline (--stats): the steps from start to exit, and the guest's own marks
# through the boot timer: port 0x80 codes by range, Firecracker's byte 123 only as a byte
# write of 123 (the guest writes it after printing its line: the marker comes after the
# first serial byte), nothing for the ranges the guest did not write
t_boot_timer() {
	local line serial marker
	run boottimer 0 --kernel "$GUEST" --stats --cmdline action=boot-timer &&
		has "GUEST-BOOT-TIMER read 0x00000000000000ff" || return 1
	line=$(grep '^vmm: timeline (ms since start): ' "$T/err") || return 1
	echo "# $line" >>"$T/err"
	serial=$(echo "$line" | sed -n 's/.*first serial byte \([0-9.]*\).*/\1/p')
	marker=$(echo "$line" | sed -n 's/.*guest boot marker \([0-9.]*\).*/\1/p')
	echo "$line" | grep -qE 'set-up done [0-9.]+, first KVM_RUN [0-9.]+, first serial byte [0-9.]+, port 0x80 kernel code [0-9.]+, port 0x80 user-space code [0-9.]+, guest boot marker [0-9.]+, exit [0-9.]+$' &&
		awk -v s="$serial" -v m="$marker" 'BEGIN { exit !(m >= s) }'
}
check "boot timeline: start to exit, port 0x80 codes by range, Firecracker's boot-timer byte" t_boot_timer

# A console nobody reads (a pipe whose reader sleeps): the vCPU never blocks in write(),
# the UART's full output queue holds the guest back through LSR.THRE, and SIGTERM ends
# the VMM at once with 143, the disk flushed on the way out (issue 10)
t_stuck_console() {
	local pid st t0 t1
	truncate -s 1M "$T/flood.img"
	"$VMM" --kernel "$GUEST" --disk "$T/flood.img" --stats --cmdline action=flood \
		</dev/null 2>"$T/err" > >(sleep 60) &
	pid=$!
	sleep 8 # enough for the pipe (64 KiB) and the output queue (64 KiB) to fill
	kill -0 $pid || return 1
	t0=$(date +%s%N)
	kill -TERM $pid
	timeout 10 tail --pid=$pid -f /dev/null
	t1=$(date +%s%N)
	wait $pid
	st=$?
	echo "# SIGTERM to exit: $(((t1 - t0) / 1000000)) ms, status $st" >>"$T/err"
	[ $st -eq 143 ] && [ $(((t1 - t0) / 1000000)) -lt 3000 ] &&
		grep -qE "^vmm: exits by reason:" "$T/err"
}
check "a console nobody reads: the guest waits on THRE, SIGTERM still ends the VMM at once" t_stuck_console

# Hypercalls (base/hypercall.h): every call, well-formed and hostile, from a guest that
# then ends with HC_EXIT; what it wrote is on the host's image; a read-only disk refuses
t_hypercalls() {
	local want_disk wall now
	truncate -s 1M "$T/hc.img"
	run hc 42 --kernel "$GUEST" --mem 256M --cpus 2 --disk "$T/hc.img" \
		--cmdline "action=hc n=42" || return 1
	for l in "version ret=0" "time ret=0" "bootinfo-small ret=-28" "bootinfo ret=0" \
		"disk-info ret=0" "disk-write ret=0" "disk-flush ret=0" "disk-read ret=0" \
		"disk-past-end ret=-22" "disk-huge-sector ret=-22" "disk-odd-len ret=-22" \
		"disk-bad-buffer ret=-14" "disk-none ret=-19" "puts-overflow ret=-14" \
		"unknown-call ret=-38" "misaligned ret=1" "survived"; do
		has "GUEST-HC $l" || { echo "# missing: GUEST-HC $l" >>"$T/err"; return 1; }
	done
	has "GUEST-HC-VERSION 1 calls=9" && has "GUEST-HC-PUTS hello" &&
		has "GUEST-HC-BOOTINFO ram=0x0000000010000000 cpus=2 disks=1 mmap=4 cmdline=action=hc n=42" &&
		has "GUEST-HC-MMAP 0x0000000000100000 0x000000000ff00000 1" &&
		has "GUEST-HC-DISK sectors=2048 rw" && has "GUEST-HC-DISK readback ok" &&
		! has GUEST-HC-EXIT-RETURNED || return 1
	# the guest's clock against ours, and its pattern (byte i = 7i + 3) on the image
	wall=$(sed -n 's/^GUEST-HC-TIME 0x\([0-9a-f]*\) .*/\1/p' "$T/out")
	now=$(date +%s)
	[ $(((0x$wall / 1000000000) - now)) -le 2 ] && [ $((now - (0x$wall / 1000000000))) -le 2 ] ||
		return 1
	want_disk=$(python3 -c 'import sys; sys.stdout.write(bytes((i * 7 + 3) & 255 for i in range(1024)).hex())')
	[ "$(od -An -v -tx1 -j512 -N1024 "$T/hc.img" | tr -d ' \n')" = "$want_disk" ] || return 1
	: >"$T/hc.img" && truncate -s 1M "$T/hc.img"
	run "hc ro" 42 --kernel "$GUEST" --disk "$T/hc.img,ro" --cmdline "action=hc n=42" &&
		has "GUEST-HC-DISK sectors=2048 ro" && has "GUEST-HC disk-write ret=-30" &&
		has "GUEST-HC-DISK readback bad" && ! tr -d '\0' <"$T/hc.img" | grep -q . &&
		run "hc no disk" 7 --kernel "$GUEST" --cmdline "action=hc n=7" &&
		has "GUEST-HC disk-info ret=-19" && has "GUEST-HC survived"
}
check "hypercalls: every call and hostile blocks; the disk written; HC_EXIT's status" t_hypercalls

# The device tree in guest RAM is the one --dump-dtb writes for the same machine
t_dtb() {
	local fnv
	run dtb 0 --kernel "$GUEST" --cpus 2 --serial stdio --serial none --cmdline action=dtb &&
		has "GUEST-DTB at 0x0000000000030000 magic ok size ok" && cp "$T/out" "$T/dtb.out" &&
		run dump 0 --kernel "$GUEST" --cpus 2 --serial stdio --serial none --cmdline action=dtb \
			--dump-dtb "$T/d.dtb" || return 1
	fnv=$(python3 -c 'import sys
h = 2166136261
for b in open(sys.argv[1], "rb").read(): h = ((h ^ b) * 16777619) & 0xffffffff
print("%016x" % h)' "$T/d.dtb")
	grep -q "GUEST-DTB at 0x0000000000030000 magic ok size ok $(stat -c %s "$T/d.dtb") fnv 0x$fnv" \
		"$T/dtb.out"
}
check "the guest finds the machine's device tree (HC_BOOTINFO), as --dump-dtb writes it" t_dtb
# The CMOS RTC: the guest reads the date and time as Linux does, within 2 s of the host's
# clock (QEMU's guest: of the host's while QEMU ran; its firmware takes seconds to boot here),
# its calendar as date(1) has it; 64 Hz periodic interrupts on IRQ 8 counted between two
# update-ended ones (as many, or fewer on a loaded machine: the chip drops an edge that
# comes while register C is unread, and kvm_pvm emulates the guest's handler slowly; 48 is
# three quarters, which a model that lost its rate, 1024 Hz or 2 Hz, cannot meet); the same guest under QEMU agrees; --rtc base=DATE too.
rtc_field() { sed -n "s/^GUEST-RTC-$1 //p" "$2" | tr -d '\r'; }
rtc_check() { # rtc_check OUT FROM TO: one run's lines, the host's clock FROM and TO (epoch s)
	local g p
	g=$(rtc_field EPOCH "$1")
	p=$(rtc_field PERIODIC "$1" | cut -d' ' -f1)
	echo "# $1: guest $g host $2..$3 periodic $p" >>"$T/err"
	[ -n "$g" ] && [ "$g" -ge $(($2 - 2)) ] && [ "$g" -le $(($3 + 2)) ] &&
		[ "$(rtc_field TIME "$1")" = "$(date -u -d "@$g" '+%Y-%m-%d %H:%M:%S')" ] &&
		[ -n "$p" ] && [ "$p" -ge 48 ] && [ "$p" -le 64 ]
}
# The chip's second between the two update-ended interrupts by the host's clock (HC_TIME:
# ours only): 1 s, give or take the delivery of either interrupt on a loaded machine (100 ms).
rtc_second_ok() {
	local ns
	ns=$(rtc_field SECOND-NS "$T/out")
	echo "# RTC second: ${ns:-?} host ns" >>"$T/err"
	[ -n "$ns" ] && [ "$ns" -ge 900000000 ] && [ "$ns" -le 1100000000 ]
}
t_rtc() {
	local h
	h=$(date -u +%s)
	run rtc 1 --kernel "$GUEST" --debug-exit on --cmdline action=rtc &&
		rtc_check "$T/out" "$h" "$h" && rtc_second_ok &&
		has "GUEST-RTC-REGS a=0x0000000000000026 b=0x0000000000000002 d=0x0000000000000080" ||
		return 1
	cp "$T/out" "$T/rtc.out"
	h=$(date -u +%s)
	qrun rtc -append action=rtc
	[ "$(cat "$T/q.st")" = 1 ] && rtc_check "$T/q.out" "$h" "$(date -u +%s)" &&
		[ "$(grep REGS "$T/q.out")" = "$(grep REGS "$T/rtc.out")" ] || return 1
	# base=DATE: the clock starts there (2006-06-17T16:01:21 is 1150560081) and runs on
	run "rtc base" 1 --kernel "$GUEST" --debug-exit on --rtc base=2006-06-17T16:01:21 \
		--cmdline action=rtc && rtc_check "$T/out" 1150560081 1150560081 && rtc_second_ok ||
		return 1
	h=$(date -u +%s)
	qrun "rtc base" -rtc base=2006-06-17T16:01:21 -append action=rtc
	rtc_check "$T/q.out" 1150560081 $((1150560081 + $(date -u +%s) - h)) &&
		run "rtc bad" 2 --kernel "$GUEST" --rtc base=2006-02-30 && has "--rtc base=2006-02-30" err
}
check "CMOS RTC: the host's time, IRQ 8 at 64 Hz, a second as the host's, --rtc base=DATE; as QEMU's" t_rtc

# PIT channel 2 counted against the host's clock, as Linux's TSC calibration reads it: within
# 1% (+ 20 ticks for the hypercalls around each latch) of 1.193182 MHz, OUT2 after 10 ms of
# count no sooner and at most 5 ms later; our PIT's IRQ 0 bounded to one per 200 us meanwhile
# (the guest sets channel 0 to count 2); and KVM's PIT gives the same rate within 1%.
pit_rate() { # prints ticks per 10^9 host ns
	awk '/^GUEST-PIT-TICKS/ { printf "%d\n", $2 * 1e9 / $3 }' "$T/out"
}
pit_slack() { # the ticks per s the clock reads' slack may hide
	awk '/^GUEST-PIT-TICKS/ { printf "%d\n", $4 * 1193182 / $3 }' "$T/out"
}
pit_ok() {
	# 1% and 20 ticks, plus the ticks in the time the guest's clock reads were apart
	awk '/^GUEST-PIT-TICKS/ { want = $3 * 1193182 / 1e9; d = $2 - want; if (d < 0) d = -d
			slack = $4 * 1193182 / 1e9
			if (d > want / 100 + 20 + slack) {
				print "# ticks " $2 " want " want " (slack " slack ")"; bad = 1 } }
		/^GUEST-PIT-OUT2-NS/ { if ($2 < 10000000 || $2 > 15000000) { print "# OUT2 " $2; bad = 1 }
			out2 = 1 }
		END { exit bad || !out2 }' "$T/out" >>"$T/err"
}
t_pit() {
	local user kernel irqs uslack slack
	run pit-user 0 --kernel "$GUEST" --pit user --stats --cmdline "action=pit n=40" && pit_ok ||
		return 1
	user=$(pit_rate)
	uslack=$(pit_slack)
	irqs=$(sed -n 's/^vmm: pit: irq0 raised \([0-9]*\)$/\1/p' "$T/err")
	[ -n "$irqs" ] && [ "$irqs" -ge 100 ] && [ "$irqs" -le 400 ] || {
		echo "# IRQ 0 raised ${irqs:-?} times" >>"$T/err"
		return 1
	}
	run pit-kernel 0 --kernel "$GUEST" --pit kernel --cmdline "action=pit n=40" && pit_ok ||
		return 1
	kernel=$(pit_rate)
	echo "# PIT ticks per s: user $user, kernel $kernel" >>"$T/err"
	# the two runs agree within 1%, plus both runs' clock-read slack (in ticks per s)
	slack=$(pit_slack)
	[ $((user > kernel ? user - kernel : kernel - user)) -le $((kernel / 100 + uslack + slack)) ] &&
		run pit-bad 2 --kernel "$GUEST" --pit qemu && has "--pit qemu: want kernel or user" err
}
check "--pit user: channel 2 counts at 1.193182 MHz by the host's clock, as KVM's PIT does" t_pit

# IRQ 0 with interrupts on, from either PIT, arrives on IOAPIC pin 2, where the MADT's
# override puts ISA IRQ 0 and Linux looks (100 Hz for 200 ms: 20), and never on pin 0: KVM's
# PIT raises GSI 0, which our GSI routing (vmm/kvm.c) sends to pin 2 as QEMU's does.
# --pit user raises one IRQ for a late wake-up of its timer thread (devices/pit.c), so on this
# loaded machine a run can lose a descheduled 100 ms of ticks (KVM's PIT re-injects them):
# such a run is run once more; a PIT at the wrong rate fails both.
# irq0_once PIT ACTION RE LO HI: the guest's ACTION with --pit PIT; of the two counts RE picks
# from its line, the first must be 0 and the second LO..HI
irq0_once() {
	local pit=$1 action=$2 re=$3 lo=$4 hi=$5 c
	run "$action-$pit" 0 --kernel "$GUEST" --pit "$pit" --cmdline "action=$action" || return 1
	c=$(sed -n "s/$re/\1 \2/p" "$T/out")
	echo "# --pit $pit, $action: $c" >>"$T/err"
	set -- $c
	[ "${1:-x}" = 0 ] && [ "${2:-0}" -ge "$lo" ] && [ "${2:-0}" -le "$hi" ]
}
irq0_check() { # irq0_check ACTION RE LO HI: with either PIT, a second run if the first fails
	local pit
	for pit in kernel user; do
		irq0_once $pit "$@" || irq0_once $pit "$@" || return 1
	done
}
t_pit_irq() { irq0_check pit-irq '^GUEST-PIT-IRQ pin0=\([0-9]*\) pin2=\([0-9]*\) .*' 16 22; }
check "IRQ 0 of KVM's PIT and of --pit user comes in on IOAPIC pin 2 at the programmed rate" \
	t_pit_irq

# Exceptions on the kit's IDT (guest/kit/exc.c): #DE, #UD, #GP (a selector past the GDT, an
# MSR that is not there) and #PF (32-bit paging: not present, read-only with CR0.WP) raised
# and caught, each one's vector, error code, EIP and CR2 as the SDM says, the same report
# under QEMU. kvm_pvm (this machine's /dev/kvm, QEMU's too) refuses CR0.PG outside long mode
# with #GP(0): there the guest skips #PF by name (status 5), anywhere else it must pass.
on_kvm_pvm() { [ -d /sys/module/kvm_pvm ]; }
exc_report() { # exc_report OUT STATUS WHO: the report's lines; 1 with a #PF skip on kvm_pvm
	local l out=$1 st=$2
	for l in "#DE-divide-by-zero vector=0 error=0x0 " "#UD-ud2 vector=6 error=0x0 " \
		"#GP-selector-past-gdt vector=13 error=0xfff8 " "#GP-rdmsr-none vector=13 error=0x0 "; do
		grep -q "^GUEST-EXC $l" "$out" || { echo "# $3: no line GUEST-EXC $l" >>"$T/err"; return 2; }
	done
	! grep -q GUEST-EXC-FAIL "$out" || return 2
	if [ "$st" = 1 ]; then
		for l in "#PF-read-not-present vector=14 error=0x0 " \
			"#PF-write-not-present vector=14 error=0x2 " \
			"#PF-write-read-only vector=14 error=0x3 " "read-read-only none"; do
			grep -q "^GUEST-EXC $l" "$out" ||
				{ echo "# $3: no line GUEST-EXC $l" >>"$T/err"; return 2; }
		done
		grep -q "^GUEST-EXCEPTIONS pass" "$out" && return 0
	elif [ "$st" = 5 ] && on_kvm_pvm &&
		tr -d '\r' <"$out" | grep -qx "GUEST-EXC-SKIP #PF: CR0.PG=1 raised vector 13 error 0x0" &&
		grep -q "^GUEST-EXCEPTIONS pass, #PF skipped" "$out"; then
		return 1
	fi
	echo "# $3: status $st" >>"$T/err"
	return 2
}
t_exceptions() {
	local st r
	timeout 60 "$VMM" --kernel "$GUEST" --debug-exit on --cmdline action=exceptions \
		>"$T/out" 2>"$T/err" </dev/null
	st=$?
	exc_report "$T/out" $st ours
	r=$?
	[ $r -lt 2 ] || return 1
	[ $r = 1 ] && echo "# skipped on kvm_pvm: exceptions' #PF checks (CR0.PG=1 outside long mode raises #GP(0), 32-bit and PAE paging alike); #DE #UD #GP checked"
	qrun exceptions -append action=exceptions
	exc_report "$T/q.out" "$(cat "$T/q.st")" QEMU
	[ $? = $r ] && diff <(grep '^GUEST-EXC' "$T/out" | tr -d '\r') \
		<(grep '^GUEST-EXC' "$T/q.out" | tr -d '\r') >>"$T/err"
}
check "exceptions: #DE, #UD, #GP (selector, MSR), #PF caught with vector, error, EIP, CR2; as QEMU's" \
	t_exceptions

# An exception nobody catches: the kit's reporter names it in one line, on the console printf
# was given (COM1, HC_PUTS, debugcon), and ends the run with status ((0x40 + vector) << 1) | 1
# through isa-debug-exit, or HC_EXIT without it (QEMU's run says the same); #PF with CR2,
# where paging can be turned on.
exc_uncaught() { # exc_uncaught OUT VECTOR NAME [REPORT]: the reporter's line (REPORT's last)
	local eip cr2 want
	eip=$(sed -n 's/^GUEST-EXC-UNCAUGHT eip=\(0x[0-9a-f]*\).*/\1/p' "$1")
	cr2=$(sed -n 's/^GUEST-EXC-UNCAUGHT .* cr2=\(0x[0-9a-f]*\).*/ cr2=\1/p' "$1")
	want="GUEST-EXCEPTION vector=$2 ($3) error=0x0 eip=$eip$cr2"
	[ -n "$eip" ] && [ "$(tr -d '\r' <"${4:-$1}" | tail -1)" = "$want" ] ||
		{ echo "# ${4:-$1}: the last line is not $want" >>"$T/err"; return 1; }
}
t_exc_uncaught() {
	run "uncaught #UD" 141 --kernel "$GUEST" --debug-exit on --cmdline "action=exceptions n=1" &&
		exc_uncaught "$T/out" 6 "#UD" &&
		run "uncaught #UD, HC_EXIT" 141 --kernel "$GUEST" --cmdline "action=exceptions n=1" &&
		exc_uncaught "$T/out" 6 "#UD" || return 1
	# the report on the console printf was given: HC_PUTS (the console's output, after
	# and in order with what ttyS0 sent: here a file, not our stdout), debugcon
	run "uncaught #UD, HC_PUTS" 141 --kernel "$GUEST" --serial "file:$T/u.log" \
		--cmdline "action=exceptions n=3" && exc_uncaught "$T/u.log" 6 "#UD" &&
		! has "GUEST-EXCEPTION " &&
		run "uncaught #UD, debugcon" 141 --kernel "$GUEST" --debugcon "file:$T/u.dc" \
			--cmdline "action=exceptions n=4" && exc_uncaught "$T/out" 6 "#UD" "$T/u.dc" &&
		! has "GUEST-EXCEPTION " || return 1
	qrun "uncaught #UD" -append "action=exceptions n=1"
	[ "$(cat "$T/q.st")" = 141 ] && exc_uncaught "$T/q.out" 6 "#UD" || return 1
	if on_kvm_pvm && run "uncaught #PF" 5 --kernel "$GUEST" --debug-exit on \
		--cmdline "action=exceptions n=2" && has "GUEST-EXC-SKIP uncaught #PF: CR0.PG=1"; then
		echo "# skipped on kvm_pvm: the reporter's uncaught #PF and its cr2= (no paging outside long mode)"
		return 0
	fi
	run "uncaught #PF" 157 --kernel "$GUEST" --debug-exit on --cmdline "action=exceptions n=2" &&
		exc_uncaught "$T/out" 14 "#PF"
}
check "an uncaught exception: one GUEST-EXCEPTION line, status (0x40 + vector) << 1 | 1" t_exc_uncaught
# IOAPIC pin 2 masked for 100 ms (no IRQ 0 gets through), then unmasked for 100 ms: IRQ 0
# again at 100 Hz, 7..11 (the retry as pit-irq's). KVM's PIT waits for the ack of the tick
# that came while the pin was masked until the unmask resets it: with GSI 2 routed to pin 2
# as well, the reset never reached the PIT and IRQ 0 stayed silent (vmm/kvm.c).
t_ioapic_mask() {
	irq0_check ioapic-mask '^GUEST-IOAPIC-MASK masked=\([0-9]*\) unmasked=\([0-9]*\).*' 7 11
}
check "IOAPIC: a masked pin 2 holds IRQ 0 back; unmasked, it comes at 100 Hz again, from either PIT" \
	t_ioapic_mask

# The LAPIC timer (KVM's in-kernel LAPIC) by the host's clock. Its count runs at the 1 GHz bus
# clock KVM gives it (arch/x86/kvm/lapic.h: APIC_BUS_CYCLE_NS_DEFAULT; the VMM does not set
# KVM_CAP_X86_APIC_BUS_CYCLES_NS): at divide 1 and 16, within 3% over 50 ms (each end read
# between two hypercalls: a preempted one on this loaded machine costs a few hundred us); a
# one-shot count interrupts once; 250 Hz periodic for 300 ms is 75, from 80% (KVM folds a tick
# that finds the last one still pending into it: a slow handler loses ticks, never gains)
# to 105% + 1. A timer at half or twice the rate fails every part.
t_lapic_timer() {
	run lapic-timer 0 --kernel "$GUEST" --cmdline action=lapic-timer &&
		has "GUEST-LAPIC-TIMER-ONESHOT irqs=1\b" &&
		[ "$(grep -c '^GUEST-LAPIC-TIMER-TICKS ' "$T/out")" -eq 2 ] || return 1
	awk '/^GUEST-LAPIC-TIMER-TICKS/ { hz = $3 * $2 * 1e9 / $4; print "# divide " $2 ": bus " hz " Hz"
			if (hz < 0.97e9 || hz > 1.03e9) bad = 1 }
		/^GUEST-LAPIC-TIMER-PERIODIC/ { split($2, d, "="); split($3, c, "="); split($4, i, "=")
			split($5, t, "="); want = t[2] / (d[2] * c[2])
			print "# periodic: " i[2] " interrupts in " t[2] " ns, want " want
			if (i[2] < 0.8 * want || i[2] > 1.05 * want + 1) bad = 1; seen = 1 }
		END { exit bad || !seen }' "$T/out" >>"$T/err"
}
check "LAPIC timer: 1 GHz bus clock at divide 1 and 16, one-shot, 250 Hz periodic, by the host's clock" \
	t_lapic_timer

# SMP bring-up (guest/baremetal/smpguest.c): for 1 to 8 vCPUs, every CPU the MADT lists (as
# many as --cpus and HC_BOOTINFO say) started by INIT-SIPI-SIPI through the real-mode
# trampoline at 0x1000 into protected mode (kvm_pvm emulates that real mode, and it works),
# each AP reporting its own APIC ID (ours: the vCPU's index), then three rounds of fixed IPIs
# BSP -> each AP -> BSP, every one counted where it arrived.
t_smp() {
	local c i
	for c in 1 2 3 4 5 6 7 8; do
		run "smp $c" 0 --kernel "$SMPGUEST" --cpus $c &&
			has "^SMP-CPUS madt=$c bootinfo=$c\b" && has "^SMP-OK cpus=$c rounds=3\b" &&
			! has SMP-FAIL || return 1
		for ((i = 1; i < c; i++)); do
			has "^SMP-AP cpu=$i apic=$i up" && has "^SMP-IPI cpu=$i to-ap=3 from-ap=3\b" ||
				return 1
		done
	done
}
check "SMP: INIT-SIPI-SIPI brings up every AP the MADT lists (1-8 vCPUs), IPIs both ways" t_smp

t_echo() {
	printf 'typed line\n' | timeout 60 "$VMM" --kernel "$GUEST" --cmdline action=echo \
		>"$T/out" 2>"$T/err" && has "GUEST-ECHO typed line"
}
check "piped stdin reaches the guest through the UART" t_echo

t_escape() {
	# Ctrl-A Ctrl-A is a literal Ctrl-A; Ctrl-A x quits (status 0) before the line ends.
	# Typed only once the guest listens, as a person would.
	local st
	mkfifo "$T/in"
	timeout 60 "$VMM" --kernel "$GUEST" --cmdline action=echo <"$T/in" >"$T/out" 2>"$T/err" &
	local pid=$!
	exec 8>"$T/in"
	for _ in $(seq 100); do has GUEST-ECHO-READY && break; sleep 0.1; done
	printf 'a\001\001b\001x' >&8
	wait $pid
	st=$?
	exec 8>&-
	[ $st -eq 0 ] && has GUEST-ECHO-READY && ! has "GUEST-ECHO a"
}
check "Ctrl-A x quits with status 0" t_escape

# echo_vm FIFO [vmm args...]: the echo guest in the background, its stdin a fifo held open
# on fd 8 (so it waits for a line as long as we like); returns once the guest listens.
# Sets pid.
echo_vm() {
	local fifo="$T/$1"
	shift
	[ -p "$fifo" ] || mkfifo "$fifo"
	"$VMM" --kernel "$GUEST" --cmdline action=echo "$@" <"$fifo" >"$T/out" 2>"$T/err" &
	pid=$!
	exec 8>"$fifo"
	for _ in $(seq 100); do has GUEST-ECHO-READY && break; sleep 0.1; done
}

t_sigterm() {
	local st pid
	echo_vm in2
	kill -TERM $pid
	wait $pid
	st=$?
	exec 8>&-
	has GUEST-ECHO-READY && [ "$st" -eq 143 ]
}
check "SIGTERM while the guest waits for input -> 143" t_sigterm

# action=hold (the many-vms benchmark's idle guest): HLT until COM1's receive interrupt
# through IOAPIC pin 4; one byte typed 0.3 s after it says so wakes it once, and it ends
# through isa-debug-exit. wakes=1: the HLT stayed halted until then.
t_hold() {
	local st pid
	mkfifo "$T/hold"
	timeout 60 "$VMM" --kernel "$GUEST" --debug-exit on --cmdline action=hold <"$T/hold" \
		>"$T/out" 2>"$T/err" &
	pid=$!
	exec 8>"$T/hold"
	for _ in $(seq 100); do has GUEST-HOLD && break; sleep 0.1; done
	sleep 0.3
	printf 'z' >&8
	wait $pid
	st=$?
	exec 8>&-
	[ $st -eq 1 ] && has "GUEST-RELEASED byte=122 irqs=1 wakes=1"
}
check "a guest halted until COM1's receive interrupt wakes once for one byte" t_hold

# --seccomp (docs/sandbox.md): with every kind of thread running (2 vCPUs, virtio-blk, --pit
# user, the RTC, two output queues), each one is under a filter of its own, in seccomp's
# filter mode (2); the vCPUs also under the main thread's, which they inherit (2 filters);
# and the run ends as without them. --seccomp off: none. Every other guest test runs with
# the default (on), so a syscall missing from a list fails it with status 8.
seccomp_threads() { # seccomp_threads MODE: "mode:filters" of each thread, sorted
	local st pid vpid
	rm -f "$T/hold"
	mkfifo "$T/hold"
	truncate -s 1M "$T/sc.img"
	timeout 60 "$VMM" --kernel "$GUEST" --debug-exit on --cpus 2 --disk "$T/sc.img" \
		--pit user --debugcon "file:$T/dc" --seccomp "$1" --cmdline action=hold \
		<"$T/hold" >"$T/out" 2>"$T/err" &
	pid=$!
	exec 8>"$T/hold"
	for _ in $(seq 100); do has GUEST-HOLD && break; sleep 0.1; done
	vpid=$(pgrep -P $pid -x vmm)
	for f in /proc/$vpid/task/*/status; do # not KVM's own workers (kvm-nx-lpage-recovery)
		awk '/^Name:/{k=$2 ~ /^kvm-/} /^Seccomp:/{m=$2} /^Seccomp_filters:/{n=$2}
			END{if (!k) print m ":" n}' "$f"
	done | sort | tr '\n' ' ' >"$T/sc.$1"
	printf 'z' >&8
	wait $pid
	st=$?
	exec 8>&-
	echo "# --seccomp $1: threads $(cat "$T/sc.$1")" >>"$T/err"
	[ $st -eq 1 ] && has "GUEST-RELEASED byte=122" && ! has "seccomp:" err
}
t_seccomp() {
	seccomp_threads on && [ "$(cat "$T/sc.on")" = "2:1 2:1 2:1 2:1 2:1 2:1 2:2 2:2 " ] &&
		seccomp_threads off && [ "$(cat "$T/sc.off")" = "0:0 0:0 0:0 0:0 0:0 0:0 0:0 0:0 " ]
}
check "--seccomp: every thread under its own filter (vCPUs also the main thread's); off: none" \
	t_seccomp

t_serial_file() {
	run serialfile 0 --kernel "$GUEST" --serial "file:$T/ttyS0.log" --cmdline action=hello &&
		grep -q GUEST-HELLO "$T/ttyS0.log" && ! has GUEST-HELLO
}
check "--serial file:PATH writes ttyS0 to a file" t_serial_file

t_outs() {
	run outs 0 --kernel "$GUEST" --stats --cmdline action=outs &&
		has "GUEST-REP-OUTS one string instruction" &&
		[ "$(grep -c . "$T/out")" -eq 1 ]
}
check "rep outsb: string output reaches the UART byte by byte" t_outs

t_ins() {
	run ins 0 --kernel "$GUEST" --trace --cmdline action=ins && has "GUEST-REP-INS ok" &&
		has "io in port=0xf00 size=1 count=64 data=0xff" err
}
check "rep insb: one exit with count 64, every byte all-ones" t_ins

t_trace() {
	run trace 0 --kernel "$GUEST" --trace --cmdline "action=pio n=3" &&
		[ "$(grep -c ' vcpu0 KVM_EXIT_IO io out port=0xf00 size=1 count=1 ' "$T/err")" -eq 3 ] &&
		has " vcpu0 KVM_EXIT_IO io out port=0x600 size=1 count=1 data=0x34 dev=acpi-sleep " err
}
check "--trace logs every exit with its port and data" t_trace

t_com2() {
	run com2 0 --kernel "$GUEST" --serial stdio --serial "file:$T/ttyS1.log" \
		--cmdline action=com2 && grep -q GUEST-COM2 "$T/ttyS1.log" && ! has GUEST-COM2
}
check "a second --serial is ttyS1 at 0x2f8" t_com2

t_stats() {
	run stats 0 --kernel "$GUEST" --stats --cmdline "action=pio n=1000" &&
		has "unclaimed pio=1000 mmio=0" err
}
check "--stats counts exits and unclaimed accesses" t_stats

# Bad input: one line naming the problem, status 2, nothing written.
bad() { # bad NAME NEEDLE vmm-args...
	local name=$1 needle=$2
	shift 2
	rm -f "$T/never"
	run "$name" 2 --serial "file:$T/never" "$@" && [ "$(wc -l <"$T/err")" -eq 1 ] &&
		has "$needle" err && [ ! -e "$T/never" ]
}
: >"$T/empty"
head -c 100 "$GUEST" >"$T/truncated"
head -c 4096 /dev/urandom >"$T/random"
truncate -s 8M "$T/big"
check "missing kernel" bad missing "--kernel $T/nope: No such file" --kernel "$T/nope"
check "empty kernel" bad empty "empty file" --kernel "$T/empty"
check "truncated kernel" bad truncated "--kernel $T/truncated" --kernel "$T/truncated"
check "random bytes as kernel" bad random "not a 64-bit bzImage" --kernel "$T/random"
check "kernel is a directory" bad dir "not a regular file" --kernel "$T"
check "missing initrd" bad initrd "--initrd $T/nope" --kernel "$GUEST" --initrd "$T/nope"
check "--mem 0" bad mem0 "--mem 0" --kernel "$GUEST" --mem 0
check "--cpus 0" bad cpus0 "--cpus 0" --kernel "$GUEST" --cpus 0
check "unknown option" bad unknown "unknown option" --kernel "$GUEST" --frobnicate
check "initrd larger than RAM" bad bigrd "does not fit" --kernel "$GUEST" --mem 4M \
	--initrd "$T/big"
long=$(head -c 70000 /dev/zero | tr '\0' a)
check "command line too long" bad longcmd "--cmdline: 70000 bytes" --kernel "$GUEST" \
	--cmdline "$long"

truncate -s 1M "$T/disk.img"
truncate -s 1000 "$T/odd.img"
check "missing disk image" bad nodisk "--disk $T/nope.img: No such file" --kernel "$GUEST" \
	--disk "$T/nope.img"
check "empty disk image" bad emptydisk "empty image" --kernel "$GUEST" --disk "$T/empty"
check "disk not whole sectors" bad odddisk "not a multiple of 512" --kernel "$GUEST" \
	--disk "$T/odd.img"
check "disk is a directory" bad dirdisk "--disk $T: Is a directory" --kernel "$GUEST" \
	--disk "$T"
check "disk is a directory, ro" bad dirdiskro "not a file or block device" --kernel "$GUEST" \
	--disk "$T,ro"
check "bad disk option" bad diskopt "'cache=unsafe'" --kernel "$GUEST" \
	--disk "$T/disk.img,cache=unsafe"

# Locks: readers share an image, a writer excludes everyone (and is excluded).
t_lock() {
	local st ok=0 pid
	echo_vm in3 --disk "$T/disk.img"
	timeout 20 "$VMM" --kernel "$GUEST" --disk "$T/disk.img" --cmdline action=hello \
		>/dev/null 2>"$T/err2" </dev/null
	st=$?
	[ $st -eq 2 ] && grep -q "locked by another process" "$T/err2" || ok=1
	timeout 20 "$VMM" --kernel "$GUEST" --disk "$T/disk.img,ro" --cmdline action=hello \
		>/dev/null 2>&1 </dev/null && ok=1
	kill -TERM $pid; wait $pid
	exec 8>&-
	# two readers at once are fine
	echo_vm in3 --disk "$T/disk.img,ro"
	timeout 20 "$VMM" --kernel "$GUEST" --disk "$T/disk.img,ro" --cmdline action=hello \
		>/dev/null 2>&1 </dev/null || ok=1
	kill -TERM $pid; wait $pid
	exec 8>&-
	return $ok
}
check "image locks: rw excludes rw and ro, ro shares with ro" t_lock

# SIGUSR2: exit counts and the virtio queues on stderr, and the VM runs on.
t_usr2() {
	local st pid
	echo_vm in4 --disk "$T/disk.img"
	kill -USR2 $pid
	for _ in $(seq 50); do grep -q "vda: queue 0" "$T/err" && break; sleep 0.1; done
	echo "still here" >&8 # the guest echoes it and powers off: the VM ran on
	wait $pid
	st=$?
	exec 8>&-
	[ $st -eq 0 ] && has "GUEST-ECHO still here" && grep -q "exits by reason" "$T/err" &&
		grep -q "vda: status 0 " "$T/err" && grep -q "vda: queue 0: not ready" "$T/err" &&
		grep -qE "^vmm: vcpu0: rip=0x[0-9a-f]+ rflags=0x[0-9a-f]+ \(IF=[01]\) mp_state=" "$T/err" &&
		grep -qE "^vmm: vcpu0: lapic: id 0 tpr 0 irr .* isr " "$T/err" &&
		grep -qE "^vmm: vcpu0: KVM counters: (exits=[0-9]+|not offered)" "$T/err" &&
		grep -qE "^vmm: ttyS0: gsi 4: raised [0-9]+ lowered [0-9]+.*; ioapic: vector " "$T/err" &&
		grep -qE "^vmm: vda: gsi 16: raised 0 lowered 0; level, irqfd resampled 0; ioapic: " "$T/err"
}
check "SIGUSR2 prints exit counts, vCPU, interrupt line and virtio queue state; the VM runs on" t_usr2

# fw_cfg as the guest reads it (SeaBIOS's and Linux's way): the items say what --mem and
# --cpus asked for, and etc/e820 through the directory is the map start_info carries.
t_fwcfg() {
	run fwcfg 0 --kernel "$GUEST" --mem 3584M --cpus 3 --trace --cmdline action=fwcfg &&
		has "GUEST-FWCFG-SIG QEMU" &&
		has "GUEST-FWCFG-ID 0x0000000000000001" &&
		has "GUEST-FWCFG-NB-CPUS 0x0000000000000003" &&
		has "GUEST-FWCFG-MAX-CPUS 0x0000000000000003" &&
		has "GUEST-FWCFG-RAM-SIZE 0x00000000e0000000" &&
		has "GUEST-FWCFG-NOGRAPHIC 0x0000000000000001" &&
		has "GUEST-FWCFG-UUID 00000000000000000000000000000000" &&
		has "GUEST-FWCFG-FILES 0x0000000000000001" &&
		has "GUEST-FWCFG-FILE etc/e820 100 0x0000000000000020" &&
		has "GUEST-FWCFG-E820 0x0000000000100000 0x00000000bff00000 1" &&
		has "GUEST-FWCFG-E820 0x0000000100000000 0x0000000020000000 1" &&
		[ "$(grep -c '^GUEST-FWCFG-E820 ' "$T/out")" -eq 5 ] &&
		has "GUEST-FWCFG-E820-AS-START-INFO yes" && has GUEST-FWCFG-DONE &&
		has "io in port=0x511 size=1 count=64 " err # a directory entry: one rep insb
}
check "fw_cfg: signature, id, NB_CPUS, MAX_CPUS, RAM size, etc/e820 as --mem/--cpus say" t_fwcfg

# The same guest under QEMU 7.2 (microvm, no fw_cfg DMA, -nographic): the items that must
# agree do, and so does every odd-width access. isa-debug-exit at the guest's poweroff port
# ends QEMU's run (status 105: (0x34 << 1) | 1).
t_fwcfg_qemu() {
	local q=(qemu-system-x86_64 -accel kvm -M microvm -nographic -nodefaults -serial stdio
		-global fw_cfg_io.dma_enabled=off -device isa-debug-exit,iobase=0x600,iosize=1
		-no-reboot -m 256 -smp 2 -kernel "$GUEST")
	local a st pat='^GUEST-FWCFG-(SIG|ID|NB-CPUS|MAX-CPUS|RAM-SIZE|NOGRAPHIC|UUID|WIDTHS) '
	command -v qemu-system-x86_64 >/dev/null || { echo "# no qemu-system-x86_64" >"$T/err"; return 1; }
	for a in fwcfg fwcfg-widths; do
		timeout 60 "${q[@]}" -append "action=$a" </dev/null 2>"$T/err" | tr -d '\r' |
			grep -E "$pat" >>"$T/qemu"
		st=${PIPESTATUS[0]}
		[ "$st" -eq 105 ] || { echo "# qemu $a: exit status $st" >>"$T/err"; return 1; }
		run "$a" 0 --kernel "$GUEST" --mem 256M --cpus 2 --cmdline "action=$a" || return 1
		tr -d '\r' <"$T/out" | grep -E "$pat" >>"$T/ours"
	done
	[ "$(wc -l <"$T/ours")" -eq 8 ] && diff "$T/qemu" "$T/ours" >"$T/out"
}
check "fw_cfg: the same values as QEMU's, odd widths included" t_fwcfg_qemu

# The hostile guest (guest/baremetal/garbage.c): 10000 accesses of every width, xorshift
# garbage, at every port and MMIO range the VMM emulates (UARTs, RTC, --pit user's PIT and
# port 0x61, fw_cfg, PCI, debugcon, hypercalls with bad blocks, both virtio-mmio windows with
# garbage rings, string I/O, unclaimed ports and MMIO), then the VMM must still answer: each
# virtio window resets, fw_cfg, HC_VERSION, HC_TIME, the disk, and COM1 echoes a line typed
# here. Per seed: status 0 within the timeout (no signal, no hang), no sanitizer report, a
# bounded log (rate-limited: 33 call sites of LOG_BURST lines, 165, whatever the guest does),
# the image its size with what the guest last read from it (FNV-1a), the read-only image
# unchanged; both unlocked afterwards.
garbage_run() { # garbage_run SEED: COM1 in $T/out (printable bytes only), status in $T/g.st
	local pid
	rm -f "$T/gin"
	mkfifo "$T/gin"
	timeout 120 "$VMM" --kernel "$GUEST" --pit user --disk "$T/g.img" --disk "$T/gro.img,ro" \
		--serial stdio --serial "file:$T/g2.log" --serial none --serial none \
		--debugcon "file:$T/gdc" --cmdline "action=garbage seed=$1 n=10000" \
		<"$T/gin" >"$T/gout" 2>"$T/err" &
	pid=$!
	exec 8>"$T/gin"
	for _ in $(seq 1200); do
		grep -qa GUEST-ECHO-READY "$T/gout" && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	# a VMM that died early has left the fifo without a reader: no write (SIGPIPE)
	kill -0 $pid 2>/dev/null && echo "still answering" >&8
	wait $pid
	echo $? >"$T/g.st"
	exec 8>&-
	tr -cd '\11\12\40-\176' <"$T/gout" >"$T/out" # the garbage COM1 printed: text only
}
fnv_of() {
	python3 -c 'import sys
h = 2166136261
for b in open(sys.argv[1], "rb").read(): h = ((h ^ b) * 16777619) & 0xffffffff
print("%016x" % h)' "$1"
}
t_garbage() {
	local seed lines
	head -c 65536 /dev/urandom >"$T/g.img"
	head -c 65536 /dev/urandom >"$T/gro.img"
	cp "$T/gro.img" "$T/gro0.img"
	for seed in 1 2 3; do
		garbage_run $seed
		lines=$(wc -l <"$T/err")
		echo "# seed $seed: status $(cat "$T/g.st"), $lines log lines" >>"$T/err"
		[ "$(cat "$T/g.st")" = 0 ] && has GUEST-GARBAGE-OK &&
			has "GUEST-ECHO still answering" &&
			has "GUEST-GARBAGE-ALIVE virtio=2 hc-version=1 disk-sectors=128 disk-fnv=0x$(fnv_of "$T/g.img")" &&
			[ "$lines" -le 165 ] && ! grep -q "Sanitizer\|runtime error" "$T/err" &&
			[ "$(stat -c %s "$T/g.img")" = 65536 ] && cmp -s "$T/gro.img" "$T/gro0.img" ||
			return 1
	done
	run "garbage: images unlocked" 0 --kernel "$GUEST" --disk "$T/g.img" --disk "$T/gro.img" \
		--cmdline action=hello
}
check "a guest writing garbage to every device: the VMM survives, answers, logs boundedly" \
	t_garbage

# Virtio-mmio at every width (virtio 1.2 4.2.2.2: aligned 32-bit accesses for the registers,
# the config space as wide as its fields): 32-bit register accesses work, 8- and 16-bit ones
# and unaligned ones read 0 and write nothing (logged), the config space answers 1, 2, 4 and
# 8 bytes wide, unaligned too, and is read-only; a disk of 0x030201 sectors makes each byte
# of the capacity tell. QEMU's microvm (modern virtio-mmio) answers the registers and config
# space the same; it splits an 8-byte access into two 4-byte ones where we refuse it (a
# register) and reads all-ones past the config space where we read 0: both open in the spec.
mmio_widths_qemu() { # the same guest under QEMU microvm, its lines in $T/q.out
	timeout 60 qemu-system-x86_64 -accel kvm -M microvm -nographic -nodefaults -serial stdio \
		-global fw_cfg_io.dma_enabled=off -global virtio-mmio.force-legacy=false \
		-device isa-debug-exit,iobase=0x600,iosize=1 -no-reboot -m 256 -kernel "$GUEST" \
		-drive "file=$T/w.img,format=raw,if=none,id=d0" -device virtio-blk-device,drive=d0 \
		-append "action=mmio-widths vbase=$((0xfeb00000)) vstride=512 vcount=24" \
		</dev/null 2>"$T/q.err" | tr -d '\r' >"$T/q.out"
	[ "${PIPESTATUS[0]}" -eq 105 ] || { echo "# qemu: status ${PIPESTATUS[0]}" >>"$T/err"; return 1; }
}
t_mmio_widths() {
	local l
	truncate -s $((0x030201 * 512)) "$T/w.img"
	run mmio-widths 0 --kernel "$GUEST" --disk "$T/w.img" --cmdline action=mmio-widths &&
		has "GUEST-MMIO-REGS magic=74726976 version=00000002 id=00000002 magic.b0=00 magic.b1=00 magic.w0=0000 magic.w2=0000 magic.l2=00000000 status.after-b=00000000 status.after-w=00000000 status.after-l=00000001 status.b=00 status.reset=00000000" &&
		has "GUEST-MMIO-QUAD magic.q=0000000000000000 status.after-q=00000000 cfg.q0=0000000000030201" &&
		has "GUEST-MMIO-CONFIG cap.l0=00030201 cap.l4=00000000 cap.w0=0201 cap.b0=01 cap.b1=02 seg_max.l=000000fe seg_max.w=00fe blk_size.l=00000200 blk_size.b1=02 cap.b0.after-write=01 blk_size.after-write=00000200" &&
		has "GUEST-MMIO-ODD cap.w1=0302 cap.l2=00000003 cfg.past-end=00000000" &&
		has "virtio-mmio: 1-byte read of register 0: ignored" err || return 1
	tr -d '\r' <"$T/out" >"$T/ours"
	mmio_widths_qemu || return 1
	for l in REGS CONFIG; do
		[ "$(grep "^GUEST-MMIO-$l " "$T/q.out")" = "$(grep "^GUEST-MMIO-$l " "$T/ours")" ] || {
			echo "# QEMU: $(grep "^GUEST-MMIO-$l " "$T/q.out")" >>"$T/err"
			return 1
		}
	done
	grep "^GUEST-MMIO-\(QUAD\|ODD\) " "$T/q.out" | sed 's/^/# QEMU: /' >>"$T/err"
	grep -q "^GUEST-MMIO-QUAD .* cfg.q0=0000000000030201" "$T/q.out"
}
check "virtio-mmio at widths 1, 2, 4, 8: registers 32-bit only, config any width; as QEMU's" \
	t_mmio_widths

# The port widths the other checks leave out: 16- and 32-bit reads of a port nobody claims
# (all-ones), 16-bit accesses over two UART registers (one byte each, as the ISA bus and
# QEMU split them) and over its last one, rep insw/insl (one exit each, count 8 and 4,
# all-ones) and rep outsw/outsl (KVM: one exit per count). QEMU agrees but for the access
# that runs past the UART: its memory core gives the UART the first byte, our bus refuses
# an access that straddles two ranges (all-ones). The guest ends QEMU's run through
# isa-debug-exit (status 1); ours, where it is off for PVH, with the power-off after.
pio_widths_line() { tr -d '\r' <"$1" | grep "^GUEST-PIO-WIDTHS " | sed 's/ uart.scr-w=[0-9a-f]*//'; }
t_pio_widths() {
	run pio-widths 0 --kernel "$GUEST" --trace --cmdline action=pio-widths &&
		has "GUEST-PIO-WIDTHS none.w=ffff none.l=ffffffff uart.lcr-mcr=0303 uart.mcr-after-w=01 uart.scr=5a uart.scr-w=ffff ins.ones=08" &&
		has "io in port=0xf00 size=2 count=8 data=0xffff" err &&
		has "io in port=0xf00 size=4 count=4 data=0xffffffff" err &&
		[ "$(grep -c "io out port=0xf00 size=2 count=1" "$T/err")" -eq 3 ] &&
		[ "$(grep -c "io out port=0xf00 size=4 count=1" "$T/err")" -eq 5 ] || return 1
	qrun pio-widths -append action=pio-widths
	tr -d '\r' <"$T/q.out" | sed 's/^/# QEMU: /' >>"$T/err"
	[ "$(cat "$T/q.st")" = 1 ] && [ -n "$(pio_widths_line "$T/out")" ] &&
		[ "$(pio_widths_line "$T/q.out")" = "$(pio_widths_line "$T/out")" ]
}
check "port I/O at widths 2 and 4, over byte-wide registers, rep ins/outs of words and dwords" \
	t_pio_widths

t_help() { run help 0 --help && has "usage: vmm" && run version 0 --version && has "vmm "; }
check "--help and --version" t_help

t_dtb() {
	run dtb 0 --dump-dtb "$T/m.dtb" --cpus 2 --mem 3584M --cmdline "console=ttyS0" &&
		"${DTC:-dtc}" -I dtb -O dts -o "$T/m.dts" "$T/m.dtb" 2>>"$T/err" &&
		grep -q 'cpu@1' "$T/m.dts" && grep -q 'bootargs = "console=ttyS0"' "$T/m.dts"
}
check "--dump-dtb writes a tree dtc reads back" t_dtb

# --- --trace and --stats (issue 9): categories, filters, JSON, counts by name --------------
# trace lines: "vmm: trace TIME THREAD EXIT CATEGORY OP key=value..." (docs/trap-and-emulate.md)
traced() { grep '^vmm: trace ' "$T/err"; }
t_trace_line() {
	run trline 0 --kernel "$GUEST" --trace --cmdline "action=pio n=2" &&
		traced | grep -qE '^vmm: trace [0-9]+\.[0-9]{9} vcpu0 KVM_EXIT_IO io in port=0x3fd size=1 count=1 data=0x[0-9a-f]+ dev=serial ns=[0-9]+$' &&
		traced | grep -qE '^vmm: trace [0-9]+\.[0-9]{9} vcpu0 KVM_EXIT_IO io out port=0xf00 size=1 count=1 data=0x1 dev=unclaimed ns=[0-9]+$' &&
		# time since launch, ns resolution, never going back on one vCPU
		traced | awk '{ if ($3 < last) bad = 1; last = $3 } END { exit bad }'
}
check "--trace: time, vCPU, exit by name, port, width, data after handling, device, cost" t_trace_line

t_trace_cats() {
	run trhc 0 --kernel "$GUEST" --trace=hypercall --cmdline "action=hc n=0" &&
		[ "$(traced | grep -c ' KVM_EXIT_IO hypercall out port=0x50[0-9a-f] size=4 count=1 data=0x[0-9a-f]* dev=hypercall ')" -gt 3 ] &&
		[ "$(traced | grep -vc ' hypercall out ')" -eq 0 ] || return 1
	run trmmio 0 --kernel "$GUEST" --trace=mmio --cmdline "action=mmio n=3" &&
		[ "$(traced | wc -l)" -eq 3 ] &&
		traced | grep -q ' KVM_EXIT_MMIO mmio write addr=0xe0000000 size=4 count=1 data=0x2 dev=unclaimed ns=' || return 1
	run trsys 4 --kernel "$GUEST" --trace=system --cmdline action=triple &&
		[ "$(traced | wc -l)" -eq 1 ] && traced | grep -q ' vcpu0 KVM_EXIT_SHUTDOWN system triple-fault ns='
}
check "--trace=hypercall, mmio, system: only that category, each with its fields" t_trace_cats

# the user-space PIT's channel 0 raises IRQ 0 on GSI 2 (the MADT's override) through
# KVM_IRQ_LINE from its own thread: at least as many rises as the guest counted
t_trace_irq() {
	local pin2
	run trirq 0 --kernel "$GUEST" --pit user --trace=irq --cmdline action=pit-irq || return 1
	pin2=$(tr -d '\r' <"$T/out" | sed -n 's/^GUEST-PIT-IRQ pin0=0 pin2=\([0-9]*\) other=0$/\1/p')
	[ -n "$pin2" ] && [ "$pin2" -gt 0 ] &&
		[ "$(traced | grep -c ' - irq raise gsi=2 edge dev=pit via=KVM_IRQ_LINE$')" -ge "$pin2" ] &&
		[ "$(traced | grep -vc ' - irq \(raise\|lower\) gsi=2 edge dev=pit via=KVM_IRQ_LINE$')" -eq 0 ]
}
check "--trace=irq: a device's interrupt line, its GSI, edge, the mechanism" t_trace_irq

t_trace_filters() {
	run trport 0 --kernel "$GUEST" --trace=io:0xf00-0xf00 --cmdline "action=pio n=5" &&
		[ "$(traced | wc -l)" -eq 5 ] && [ "$(traced | grep -c ' io out port=0xf00 ')" -eq 5 ] ||
		return 1
	run trdev 0 --kernel "$GUEST" --trace=dev:serial --cmdline action=hello &&
		[ "$(traced | grep -c ' dev=serial ')" -gt 10 ] && [ "$(traced | grep -vc ' dev=serial ')" -eq 0 ] ||
		return 1
	run trunc 0 --kernel "$GUEST" --trace=dev:unclaimed,io --cmdline "action=pio n=4" &&
		[ "$(traced | wc -l)" -eq 4 ] || return 1
	# two ranges: the UART's data port and the power-off port, nothing else
	run tr2 0 --kernel "$GUEST" --trace=io:0x3f8,io:0x600-0x601 --cmdline "action=pio n=4" &&
		[ "$(traced | grep -vc ' port=0x3f8 \| port=0x600 ')" -eq 0 ] &&
		traced | grep -q ' port=0x600 ' && traced | grep -q ' port=0x3f8 '
}
check "--trace filters: port range, several ranges, by device, unclaimed" t_trace_filters

t_trace_json() {
	run trjson 0 --kernel "$GUEST" --trace --trace-format=json --trace-file "$T/tr.json" \
		--cmdline "action=pio n=3" && ! has '^vmm: trace' err && ! has '^{' err &&
		python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
bench = [e for e in ev if e["cat"] == "io" and e["port"] == 0xf00]
assert [e["data"] for e in bench] == [0, 1, 2], bench
for e in bench:
    assert e["exit"] == "KVM_EXIT_IO" and e["op"] == "out" and e["size"] == 1, e
    assert e["count"] == 1 and e["dev"] == "unclaimed" and e["thread"] == "vcpu0", e
    assert e["handle_ns"] >= 0, e
t = [e["t_ns"] for e in ev]
assert t == sorted(t), "time went back"
assert any(e["dev"] == "acpi-sleep" for e in ev)
' "$T/tr.json" 2>>"$T/err"
}
check "--trace-format=json --trace-file: one JSON object a line, none on stderr" t_trace_json

# the cross-check: as many exits on the UART's ports in --stats as --trace printed for them
t_stats_names() {
	local n_uart
	run stnames 0 --kernel "$GUEST" --stats --trace=io:0x3f8-0x3ff --cmdline "action=pio n=1000" ||
		return 1
	n_uart=$(traced | wc -l)
	has "^vmm: exits by reason: KVM_EXIT_IO=[0-9]*$" err &&
		has "^vmm: vcpu0: exits by reason: KVM_EXIT_IO=[0-9]*$" err &&
		has "^vmm: unclaimed: pio 0xf00: 1000 accesses$" err &&
		has "^vmm: by device: unclaimed: 1000 exits, [0-9.]* ms, mean [0-9]* ns$" err &&
		has "^vmm: by region: pio 0x3f8-0x3ff serial: $n_uart exits, " err &&
		has "^vmm: by device: serial: $n_uart exits, " err &&
		has "^vmm: by device: acpi-sleep: 1 exits, " err &&
		has "^vmm: vcpu0: KVM_EXIT_IO: [0-9]* exits, [0-9.]* ms in the VMM, mean [0-9]* ns$" err &&
		has "^vmm: vcpu0: time: wall [0-9.]* ms, in KVM_RUN [0-9.]* ms (the guest's share [0-9.]*%), in the VMM " err &&
		has "^vmm: all vCPUs: time: wall " err &&
		grep -qE "^vmm: VM: KVM counters: (pages_4k=[0-9]+ pages_2m=[0-9]+|not offered)" "$T/err" &&
		grep -qE "^vmm: vcpu0: (of KVM's [0-9]+ exits [0-9]+ reached the VMM|KVM counters: not offered)" "$T/err"
}
check "--stats: exits by reason name, device, region; unclaimed by port; time split" t_stats_names

# two vCPUs: the BSP's exits are its own; the AP, parked in wait-for-SIPI, spent its time in KVM
t_stats_smp() {
	run stsmp 0 --kernel "$GUEST" --cpus 2 --stats --cmdline "action=pio n=10" &&
		has "^vmm: vcpu0: by device: unclaimed: 10 exits, " err &&
		! has "^vmm: vcpu1: by device: " err &&
		# (a run over before the AP's thread entered KVM_RUN shows wall 0 and share 0.0%)
		grep -qE "^vmm: vcpu1: time: wall [0-9.]+ ms, in KVM_RUN [0-9.]+ ms \(the guest's share (100|0)\.0%\), in the VMM 0\.000 ms" "$T/err"
}
check "--stats with 2 vCPUs: devices per vCPU, the parked AP's time inside KVM_RUN" t_stats_smp

t_stats_json() {
	run stjson 0 --kernel "$GUEST" --stats=json --cmdline "action=mmio n=1000" &&
		[ "$(grep -c '^{"vmm_stats":' "$T/err")" -eq 1 ] &&
		grep '^{"vmm_stats":' "$T/err" | python3 -c '
import json, sys
s = json.load(sys.stdin)["vmm_stats"]
assert s["unclaimed"] == [{"space": "mmio", "addr": 0xe0000000, "count": 1000}], s["unclaimed"]
assert s["unclaimed_total"] == {"pio": 0, "mmio": 1000}
assert s["exits_by_reason"]["KVM_EXIT_MMIO"]["count"] == 1000
assert s["devices"]["unclaimed"]["count"] == 1000
v = s["vcpus"][0]
assert v["exits_by_reason"]["KVM_EXIT_MMIO"]["count"] == 1000
t = v["time_ns"]
assert 0 < t["kvm_run"] <= t["wall"] and 0 < t["vmm"] <= t["wall"], t
assert 0 < v["guest_share"] <= 1
assert "exits" in v["kvm"] and "pages_4k" in s["kvm_vm"], (v["kvm"], s["kvm_vm"])
r = [x for x in s["regions"] if x["dev"] == "serial"][0]
assert r["space"] == "pio" and r["base"] == 0x3f8 and r["stats"]["count"] > 0, r
' 2>>"$T/err"
}
check "--stats=json: the same tables, parsed by python3" t_stats_json

check "--trace: unknown category" bad trbad1 "--trace disk: want all" --kernel "$GUEST" --trace=disk
check "--trace: port past 0xffff" bad trbad2 "want LO <= HI <= 0xffff" --kernel "$GUEST" \
	--trace=io:0x3f8-0x10000
check "--trace: range backwards" bad trbad3 "io:5-3" --kernel "$GUEST" --trace=io:5-3
check "--trace: system takes no range" bad trbad4 "takes no range" --kernel "$GUEST" \
	--trace=system:1
check "--trace: empty item" bad trbad5 "an empty item" --kernel "$GUEST" --trace=io,,mmio
# SIGUSR2 with --stats=json: the tables of a running VM as one JSON line; it runs on
t_usr2_json() {
	local st pid
	echo_vm in9 --stats=json
	kill -USR2 $pid
	for _ in $(seq 50); do grep -q '^{"vmm_stats":' "$T/err" && break; sleep 0.1; done
	echo "json" >&8
	wait $pid
	st=$?
	exec 8>&-
	[ $st -eq 0 ] && has "GUEST-ECHO json" && [ "$(grep -c '^{"vmm_stats":' "$T/err")" -eq 2 ] &&
		grep '^{"vmm_stats":' "$T/err" | python3 -c '
import json, sys
a, b = (json.loads(l)["vmm_stats"] for l in sys.stdin)
n = lambda s: s["devices"]["serial"]["count"]
assert 0 < n(a) < n(b), (n(a), n(b))  # the echo came after the first dump
' 2>>"$T/err"
}
check "SIGUSR2 with --stats=json: the running VM's tables, then the final ones" t_usr2_json

check "--trace-file in a missing directory" bad trbad6 "--trace-file $T/nope/t: No such file" \
	--kernel "$GUEST" --trace --trace-file "$T/nope/t"
check "--stats: unknown format" bad stbad "want text or json" --kernel "$GUEST" --stats=xml

finish
