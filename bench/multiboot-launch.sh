#!/usr/bin/env bash
# Launch-to-exit of the smallest multiboot guest (the a.out-kludge form of
# guest/baremetal/mbguest.c, no modules): ours vs QEMU's -kernel on KVM (pc machine,
# isa-debug-exit), alternating, every round printed. Both must end through
# isa-debug-exit with status 1 (the guest's verdict 0). Goal: ours at most 0.3x QEMU's.
# usage: multiboot-launch.sh VMM GUEST [ROUNDS]
set -euo pipefail
VMM=$1 GUEST=$2 ROUNDS=${3:-10}
QEMU=(qemu-system-x86_64 -accel kvm -M pc -display none -serial stdio -no-reboot
	-device isa-debug-exit,iobase=0xf4,iosize=4 -m 256M)
now() { date +%s.%N; }
t() { # t ours|qemu -> seconds; fails unless the guest exited with status 1
	local s e st=0
	s=$(now)
	if [[ $1 == ours ]]; then
		"$VMM" --kernel "$GUEST" >/dev/null 2>&1 </dev/null || st=$?
	else
		"${QEMU[@]}" -kernel "$GUEST" >/dev/null 2>&1 </dev/null || st=$?
	fi
	e=$(now)
	if [[ $st -ne 1 ]]; then
		echo "$1: exit status $st, wanted 1 (isa-debug-exit of 0)" >&2
		return 1
	fi
	awk -v s="$s" -v e="$e" 'BEGIN{printf "%.4f", e - s}'
}
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
: >/tmp/mb-launch.$$.ours
: >/tmp/mb-launch.$$.qemu
: >/tmp/mb-launch.$$.ratio
trap 'rm -f /tmp/mb-launch.$$.*' EXIT
for r in $(seq "$ROUNDS"); do
	o=$(t ours)
	q=$(t qemu)
	ratio=$(awk -v o="$o" -v q="$q" 'BEGIN{printf "%.4f", o / q}')
	echo "round $r: ours ${o}s qemu ${q}s ratio $ratio"
	echo "$o" >>/tmp/mb-launch.$$.ours
	echo "$q" >>/tmp/mb-launch.$$.qemu
	echo "$ratio" >>/tmp/mb-launch.$$.ratio
done
mo=$(median </tmp/mb-launch.$$.ours)
mq=$(median </tmp/mb-launch.$$.qemu)
mr=$(median </tmp/mb-launch.$$.ratio)
awk -v o="$mo" -v q="$mq" -v r="$mr" 'BEGIN{printf "RESULT multiboot launch-to-exit: median ours %.4f s, QEMU %.4f s, median ratio %.4f (goal <= 0.3): %s\n", o, q, r, (r <= 0.3) ? "met" : "NOT met"}'
