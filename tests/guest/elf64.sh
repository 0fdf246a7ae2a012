#!/usr/bin/env bash
# The plain-ELF64 entry with the 64-bit test guest (guest/baremetal/fdtguest.c), as TAP: the
# guest reads the device tree with libfdt and checks it against the machine the command line
# describes (it is told the same on its own command line: mem_mib, cpus, disks); then hostile
# ELF64 files, each refused with one line and status 2.
# usage: elf64.sh VMM FDTGUEST
# A missing /dev/kvm fails, unless VMM_TEST_ALLOW_NO_KVM=1 (a developer laptop): then skip.
set -u
VMM=$1
GUEST=$2
. "$(dirname "$0")/lib.sh"
scratch elf64
require_kvm

# fdt NAME MEM_MIB CPUS DISKS [vmm args...]: the guest passes (isa-debug-exit 0: status 1), and
# the bootargs it read are --cmdline plus one virtio_mmio.device= per disk
fdt() {
	local name=$1 mem=$2 cpus=$3 disks=$4 cmdline want i
	shift 4
	cmdline="mem_mib=$mem cpus=$cpus disks=$disks tag=$name"
	want="FDT-BOOTARGS $cmdline"
	for ((i = 0; i < disks; i++)); do
		want+=" virtio_mmio.device=4K@0x$(printf %x $((0xd0000000 + i * 4096))):$((16 + i))"
	done
	run "$name" 1 --kernel "$GUEST" --mem "${mem}M" --cpus "$cpus" --cmdline "$cmdline" "$@" &&
		has "FDT-PASS 0" && tr -d '\r' <"$T/out" | grep -qxF -- "$want" &&
		[ "$(tr -d '\r' <"$T/out" | grep -cx "FDT-CPUS $cpus")" = 1 ] &&
		[ "$(grep -c '^FDT-VIRTIO ' "$T/out")" = "$disks" ] && ! has FDT-FAIL
}

t_default() {
	fdt default 256 1 0 && has "FDT-HELLO start_info=0x0000000000006000 magic ok" &&
		has "FDT-MEMORY 0x0000000000000000 0x0000000010000000" &&
		has "FDT-E820-RAM 2 entries, top 0x0000000010000000" &&
		has "FDT-ENTRY cr0=0x0000000080000031"
}
check "plain ELF64: long mode, %rdi = start_info; libfdt reads 256M, 1 vCPU, no disk" t_default

for i in 0 1 2; do truncate -s 1M "$T/d$i.img"; done
t_split() {
	fdt split 3584 4 2 --disk "$T/d0.img" --disk "$T/d1.img,ro" &&
		has "FDT-MEMORY 0x0000000000000000 0x00000000c0000000" &&
		has "FDT-MEMORY 0x0000000100000000 0x0000000020000000" &&
		has "FDT-E820-RAM 3 entries, top 0x0000000120000000" &&
		has "FDT-VIRTIO 0x00000000d0001000 0x0000000000001000"
}
check "3.5G, 4 vCPUs, 2 disks: /memory split at the MMIO hole, two virtio-mmio nodes" t_split

t_many() {
	fdt many 64 8 3 --disk "$T/d0.img" --disk "$T/d1.img,serial=two" --disk "$T/d2.img" &&
		has "FDT-MEMORY 0x0000000000000000 0x0000000004000000"
}
check "64M, 8 vCPUs, 3 disks" t_many

t_exact_hole() { fdt hole 3072 2 1 --disk "$T/d0.img" && [ "$(grep -c FDT-MEMORY "$T/out")" = 1 ]; }
check "3G exactly: one /memory range, up to the hole" t_exact_hole

# The checks can fail: a guest told of a vCPU the VMM was not asked for names the check.
t_wrong() {
	run wrong 5 --kernel "$GUEST" --cpus 2 --cmdline "cpus=3" &&
		has "FDT-FAIL cpus: the cpu node count is not --cpus" && has "FDT-FAILED 2"
}
check "a wrong expectation fails, naming the check (status (2<<1)|1)" t_wrong

# isa-debug-exit is on by default for this format; without it the guest powers off.
t_debug_exit_off() {
	run off 0 --kernel "$GUEST" --debug-exit off && has "FDT-PASS 0" && has FDT-EXIT-IGNORED
}
check "--debug-exit off: the guest's write is ignored and it powers off (auto is on for ELF64)" \
	t_debug_exit_off

# The 64-bit kit's exception reporter (exc64.c): one line, RIP the faulting instruction's
# (the guest's labels), and the status (0x40 + vector) << 1 | 1, as the 32-bit kit's.
t_exceptions() {
	local ud pf
	ud=$(nm "$GUEST" | awk '$3 == "fdt_fault_ud" { print $1 }')
	pf=$(nm "$GUEST" | awk '$3 == "fdt_fault_pf" { print $1 }')
	[ -n "$ud" ] && [ -n "$pf" ] || { echo "# no fdt_fault_* symbols" >"$T/err"; return 1; }
	run ud 141 --kernel "$GUEST" --cmdline fault=ud &&
		has "GUEST-EXCEPTION vector=6 (#UD) error=0x0 rip=0x$ud" &&
		run pf 157 --kernel "$GUEST" --cmdline fault=pf &&
		has "GUEST-EXCEPTION vector=14 (#PF) error=0x0 rip=0x$pf cr2=0x0000000200000000"
}
check "64-bit exceptions: #UD and #PF (8 GiB, past the identity map) reported with RIP and CR2" \
	t_exceptions

# --- hostile files: one line naming the problem, status 2 -------------------------------------

# poke FILE OFFSET HEX...: little-endian bytes written in place
poke() {
	local f=$1 off=$2
	shift 2
	printf "$(printf '\\x%s' "$@")" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
}

# bad NAME NEEDLE FILE: refused with status 2 and exactly one line on stderr, which names the
# file and holds NEEDLE
bad() {
	run "$1" 2 --kernel "$3" && [ "$(wc -l <"$T/err")" = 1 ] && has "--kernel $3: $2" err
}

# The guest's first program header is at 64 (e_phoff): p_paddr at 88, p_filesz at 96, p_memsz
# at 104; e_type at 16, e_phnum at 56.
hostile() { # hostile NAME: a fresh copy of the guest at $T/NAME
	cp "$GUEST" "$T/$1"
}
hostile trunc-hdr && truncate -s 100 "$T/trunc-hdr"
hostile trunc-seg && truncate -s 3000 "$T/trunc-seg"
hostile on-vmm && poke "$T/on-vmm" 88 00 70 00 00 00 00 00 00      # onto boot_params
hostile on-pt && poke "$T/on-pt" 88 00 90 00 00 00 00 00 00        # onto the page tables
hostile beyond && poke "$T/beyond" 88 00 00 00 00 01 00 00 00      # at 4 GiB
hostile wrap && poke "$T/wrap" 88 00 f0 ff ff ff ff ff ff          # paddr + memsz wraps
hostile filesz && poke "$T/filesz" 104 10 00 00 00 00 00 00 00     # p_memsz < p_filesz
hostile phnum && poke "$T/phnum" 56 ff ff                          # 65535 headers
hostile dyn && poke "$T/dyn" 16 03 00                              # ET_DYN
t_hostile() {
	local ok=1
	bad trunc-hdr "truncated or malformed image" "$T/trunc-hdr" || ok=0
	bad trunc-seg "truncated or malformed image" "$T/trunc-seg" || ok=0
	bad on-vmm "does not fit in guest RAM" "$T/on-vmm" || ok=0
	bad on-pt "does not fit in guest RAM" "$T/on-pt" || ok=0
	bad beyond "does not fit in guest RAM" "$T/beyond" || ok=0
	bad wrap "does not fit in guest RAM" "$T/wrap" || ok=0
	bad filesz "truncated or malformed image" "$T/filesz" || ok=0
	bad phnum "truncated or malformed image" "$T/phnum" || ok=0
	bad dyn "not a 64-bit bzImage, a multiboot image, an ELF with a PVH entry note or an x86-64 ELF executable" \
		"$T/dyn" || ok=0
	[ $ok = 1 ]
}
check "hostile ELF64: truncated, on the VMM's areas, beyond 4 GiB, wrapping, filesz > memsz, 65535 phdrs, ET_DYN" \
	t_hostile

finish
