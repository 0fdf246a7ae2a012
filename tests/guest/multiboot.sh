#!/usr/bin/env bash
# The multiboot test guest (guest/baremetal/mbguest.c) in its three forms under our VMM and
# under QEMU's -kernel, the reference for every convention (QEMU 7.2: hw/i386/multiboot.c and
# its option ROM), as TAP. Each run's MB- lines are checked on their own and then compared.
# usage: multiboot.sh VMM QEMU ELF32 ELF64 AOUT PVH_GUEST
# A missing /dev/kvm, or a QEMU that cannot use it, fails, unless VMM_TEST_ALLOW_NO_KVM=1.
set -u
VMM=$1
QEMU=$2
ELF32=$3
ELF64=$4
AOUT=$5
PVH=$6
. "$(dirname "$0")/lib.sh"
scratch multiboot
require_kvm

MEM=256M
MEM_BYTES=$((256 << 20))
printf 'the first module\n' >"$T/m1"
head -c 10000 /dev/urandom >"$T/m2"
MODS="$T/m1 a b,$T/m2 c"
CMDLINE="hello world exit=3"
WANT_EXIT=3

# ours NAME [vmm args...]: NAME.out (serial, CRs dropped), NAME.err, NAME.st (status)
ours() {
	local name=$1
	shift
	timeout 60 "$VMM" "$@" >"$T/$name.raw" 2>"$T/$name.err" </dev/null
	echo $? >"$T/$name.st"
	tr -d '\r' <"$T/$name.raw" >"$T/$name.out"
}

# qemu NAME KERNEL [qemu args...]: the same files, from QEMU's pc machine on KVM
qemu() {
	local name=$1 kernel=$2
	shift 2
	timeout 120 "$QEMU" -accel kvm -M pc -display none -serial stdio -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=4 -m "$MEM" -kernel "$kernel" "$@" \
		>"$T/$name.raw" 2>"$T/$name.err" </dev/null
	echo $? >"$T/$name.st"
	tr -d '\r' <"$T/$name.raw" >"$T/$name.out"
	if grep -qiE "kvm.*(not|fail|could not|permission)|failed to initialize kvm" "$T/$name.err"
	then
		if [ "${VMM_TEST_ALLOW_NO_KVM:-}" = 1 ]; then
			echo "1..0 # SKIP QEMU cannot use /dev/kvm (VMM_TEST_ALLOW_NO_KVM=1)"
			exit 0
		fi
		echo "Bail out! QEMU cannot use /dev/kvm: $(head -1 "$T/$name.err")"
		exit 1
	fi
}

# show RUN...: what not_ok prints
show() {
	: >"$T/out"
	: >"$T/err"
	for r in "$@"; do
		{ echo "== $r (status $(cat "$T/$r.st"))"; cat "$T/$r.out"; } >>"$T/out"
		{ echo "== $r"; cat "$T/$r.err"; } >>"$T/err"
	done
}

fnv() { python3 -c 'import sys
h = 0x811c9dc5
for b in open(sys.argv[1], "rb").read():
    h = ((h ^ b) * 0x01000193) & 0xffffffff
print("0x%08x" % h)' "$1"; }

line() { grep -qxF -- "$2" "$T/$1.out"; }

# What the guest says of itself: the magic, no failed check, the command line QEMU
# composes ("<kernel> <append>"), each module's size, string and bytes, its verdict.
self_ok() { # RUN KERNEL
	local r=$1 k=$2
	line "$r" "MB-MAGIC 0x2badb002" && ! grep -q "^MB-BAD" "$T/$r.out" &&
		line "$r" "MB-CMDLINE $k $CMDLINE" && line "$r" "MB-MODS 2" &&
		line "$r" "MB-MOD 0 $(stat -c %s "$T/m1") $T/m1 a b" &&
		line "$r" "MB-MOD 1 $(stat -c %s "$T/m2") $T/m2 c" &&
		line "$r" "MB-MOD-FNV 0 $(fnv "$T/m1")" && line "$r" "MB-MOD-FNV 1 $(fnv "$T/m2")" &&
		line "$r" "MB-EXIT $WANT_EXIT"
}

# The lines that must agree between the two VMMs, the kernel's path made neutral. Left
# out, because QEMU's pc machine legitimately differs: MB-MOD-ADDR and MB-INFO-ADDR (each
# loader places the info area and modules where it likes; the guest checks alignment and
# placement itself), MB-MMAP (SeaBIOS's e820 reserves its own ranges: 0xf0000, the top
# 128 KiB of low RAM, the BIOS flash), MB-LOADER ("qemu" against our name), and mem_upper,
# which follows each one's memory map (mem_ok checks it against -m), and MB-EXIT-IGNORED.
facts() { # RUN KERNEL
	grep -E '^MB-(MAGIC|FLAGS|BOOTDEV|CMDLINE|MODS|MOD|MOD-FNV|EXIT) ' "$T/$1.out" |
		sed "s|$2|KERNEL|"
	awk '$1 == "MB-MEM" { print "MB-MEM-LOWER", $2 }' "$T/$1.out"
}
same_facts() { # RUN_A KERNEL_A RUN_B KERNEL_B
	[ -n "$(facts "$1" "$2")" ] && diff <(facts "$1" "$2") <(facts "$3" "$4") >"$T/diff" ||
		{ sed 's/^/# /' "$T/diff"; return 1; }
}

# mem_upper is the RAM contiguous from 1 MiB in the run's own memory map, in KiB, and that
# RAM reaches -m: wholly (ours), or up to a range the BIOS reserved at the top (SeaBIOS).
mem_ok() { # RUN
	local upper end ram=0 reaches=0 b l t
	upper=$(awk '$1 == "MB-MEM" { print $3 }' "$T/$1.out")
	[ -n "$upper" ] || return 1
	end=$((0x100000 + upper * 1024))
	[ "$end" -eq "$MEM_BYTES" ] && reaches=1
	while read -r _ b l t; do
		b=$((b)) l=$((l))
		[ "$b" -eq $((0x100000)) ] && [ "$t" -eq 1 ] && [ $((b + l)) -eq "$end" ] && ram=1
		[ "$b" -eq "$end" ] && [ "$t" -eq 2 ] && [ $((b + l)) -eq "$MEM_BYTES" ] && reaches=1
	done < <(grep '^MB-MMAP ' "$T/$1.out")
	[ "$ram" -eq 1 ] && [ "$reaches" -eq 1 ]
}

# isa-debug-exit: QEMU ends with (v << 1) | 1, and so must we (--debug-exit auto is on
# for a multiboot guest); neither guest may have gone on past its write.
exit_ok() { # OURS QEMU V
	local want=$((($3 << 1) | 1))
	[ "$(cat "$T/$2.st")" -eq "$want" ] && [ "$(cat "$T/$1.st")" -eq "$want" ] &&
		! line "$1" "MB-EXIT-IGNORED" && ! line "$2" "MB-EXIT-IGNORED"
}

mem_ok_both() { mem_ok "$1" && mem_ok "$2"; }

compare() { # NAME OURS_KERNEL QEMU_KERNEL: both runs with the modules and command line
	local name=$1
	ours "$name.ours" --kernel "$2" --mem "$MEM" --cmdline "$CMDLINE" --initrd "$MODS"
	qemu "$name.qemu" "$3" -append "$CMDLINE" -initrd "$MODS"
	show "$name.ours" "$name.qemu"
	check "$name: our guest sees its magic, command line, modules and bytes" \
		self_ok "$name.ours" "$2"
	check "$name: QEMU's guest sees the same of itself" self_ok "$name.qemu" "$3"
	check "$name: flags, boot device, command line, modules, mem_lower and verdict agree" \
		same_facts "$name.ours" "$2" "$name.qemu" "$3"
	check "$name: mem_upper is the RAM from 1 MiB on each machine's map, up to -m" \
		mem_ok_both "$name.ours" "$name.qemu"
	check "$name: exit status from isa-debug-exit as QEMU's" \
		exit_ok "$name.ours" "$name.qemu" "$WANT_EXIT"
}

compare elf32 "$ELF32" "$ELF32"
compare aout "$AOUT" "$AOUT"

# QEMU refuses ELF64 outright; we load it (its entry is the same 32-bit code), and it
# must then tell what QEMU's ELF32 run of that code told.
qemu elf64.qemu "$ELF64" -append "$CMDLINE" -initrd "$MODS"
show elf64.qemu
check "elf64: QEMU refuses it (why we compare with its ELF32 run)" \
	grep -q "Cannot load x86-64 image" "$T/elf64.qemu.err"
ours elf64.ours --kernel "$ELF64" --mem "$MEM" --cmdline "$CMDLINE" --initrd "$MODS"
show elf64.ours elf32.qemu
check "elf64: our guest sees its magic, command line, modules and bytes" \
	self_ok elf64.ours "$ELF64"
check "elf64: what it tells agrees with QEMU's ELF32 run" \
	same_facts elf64.ours "$ELF64" elf32.qemu "$ELF32"

# No -append, no -initrd: QEMU gives "<kernel> " (a trailing space) and no modules.
ours bare.ours --kernel "$ELF32" --mem "$MEM"
qemu bare.qemu "$ELF32"
show bare.ours bare.qemu
t_bare() {
	line bare.ours "MB-CMDLINE $ELF32 " && line bare.ours "MB-MODS 0" &&
		same_facts bare.ours "$ELF32" bare.qemu "$ELF32" && exit_ok bare.ours bare.qemu 0
}
check "no command line, no modules: \"<kernel> \" and none, as QEMU" t_bare

# Ours alone from here on.
t_module() {
	ours module --kernel "$ELF32" --mem "$MEM" --cmdline "$CMDLINE" \
		--module "$T/m1,a b" --module "$T/m2,c"
	show module elf32.ours
	self_ok module "$ELF32" && diff <(facts module "$ELF32") <(facts elf32.ours "$ELF32") >/dev/null
}
check "--module PATH,ARGS gives what --initrd \"PATH ARGS\" gives" t_module

t_comma() {
	cp "$T/m1" "$T/a,b"
	: >"$T/empty"
	ours comma --kernel "$AOUT" --initrd "$T/a,,b x,,y,$T/empty" --module "$T/m2"
	show comma
	line comma "MB-MOD 0 $(stat -c %s "$T/m1") $T/a,b x,y" && line comma "MB-MOD 1 0 $T/empty" &&
		line comma "MB-MOD 2 $(stat -c %s "$T/m2") $T/m2" && ! grep -q "^MB-BAD" "$T/comma.out"
}
check "--initrd: ',,' is a comma, an empty module is one, --module comes after" t_comma

# Without isa-debug-exit the guest's write goes nowhere: it says so and powers off by ACPI.
t_exit_off() {
	ours exitoff --kernel "$ELF32" --cmdline "exit=3" --debug-exit off
	show exitoff
	[ "$(cat "$T/exitoff.st")" -eq 0 ] && line exitoff "MB-EXIT 3" && line exitoff "MB-EXIT-IGNORED"
}
check "--debug-exit off: the guest falls back to the ACPI poweroff (status 0)" t_exit_off

t_split() {
	ours split --kernel "$ELF32" --mem 3584M
	show split
	line split "MB-MEM 639 $(((3 << 20) - 1024))" &&
		line split "MB-MMAP 0x0000000100000000 0x0000000020000000 1" &&
		! grep -q "^MB-BAD" "$T/split.out"
}
check "3.5G: mem_upper stops at the MMIO hole, the map has the RAM above 4 GiB" t_split

# mbpatch IN OUT FLAGS: IN with its multiboot header's flags set to FLAGS, checksum fixed.
mbpatch() { python3 -c 'import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
o = next(i for i in range(0, 8192, 4) if struct.unpack_from("<I", d, i)[0] == 0x1badb002)
f = int(sys.argv[3], 0)
struct.pack_into("<II", d, o + 4, f, (-(0x1badb002 + f)) & 0xffffffff)
open(sys.argv[2], "wb").write(d)' "$@"; }

# Bad input: one line naming the problem, status 2, nothing written.
bad() { # NAME NEEDLE vmm-args...
	local name=$1 needle=$2
	shift 2
	rm -f "$T/never"
	ours "$name" --serial "file:$T/never" "$@"
	show "$name"
	[ "$(cat "$T/$name.st")" -eq 2 ] && [ "$(wc -l <"$T/$name.err")" -eq 1 ] &&
		grep -qF -- "$needle" "$T/$name.err" && [ ! -e "$T/never" ]
}
mbpatch "$AOUT" "$T/req3.bin" 0x10000b
head -c 64 "$AOUT" >"$T/short.bin"
check "a missing module file" bad nomod "--initrd $T/nope: No such file" --kernel "$ELF32" \
	--initrd "$T/m1 a,$T/nope b"
check "a missing --module file" bad nomod2 "--module $T/nope: No such file" \
	--kernel "$ELF32" --module "$T/nope,x"
check "--module with a PVH kernel" bad pvhmod "modules are for multiboot kernels" \
	--kernel "$PVH" --module "$T/m1"
check "a requirement we lack (flag bit 3) is refused, naming the bit" bad req3 \
	"requires flag bit 3" --kernel "$T/req3.bin"
check "a truncated a.out-kludge image" bad short "truncated or malformed" \
	--kernel "$T/short.bin"
truncate -s 8M "$T/big"
check "modules that do not fit in RAM" bad bigmod "do not fit in RAM" --kernel "$ELF32" \
	--mem 4M --initrd "$T/big"

t_video() {
	mbpatch "$AOUT" "$T/video.bin" 0x10007
	ours video --kernel "$T/video.bin"
	show video
	[ "$(cat "$T/video.st")" -eq 1 ] && [ "$(grep -c "video mode" "$T/video.err")" -eq 1 ] &&
		line video "MB-MAGIC 0x2badb002" && ! grep -q "^MB-BAD" "$T/video.out"
}
check "a video mode request boots, with one line that we give no video information" t_video

finish
