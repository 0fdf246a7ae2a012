#!/usr/bin/env bash
# Exit-path benchmark: cost per PIO and per MMIO exit through our dispatch
# vs the bare KVM_RUN loop (exit_raw), same guest, same run, alternating; and
# the cost of a hypercall round trip against both PIO exits, in the same rounds.
# per-exit = (t(n=N) - t(n=0)) / N, so start-up cost cancels out.
# usage: exit-path.sh VMM EXIT_RAW GUEST [N] [ROUNDS]
# VARIANTS="NAME=VMM-BINARY [ARGS...];..." adds VMMs to the same alternation, e.g. another
# build and ours watched: VARIANTS="main=/tmp/main/vmm;stats=build/vmm --stats;
# trace=build/vmm --trace --trace-file /tmp/t" (each ARGS word split on spaces).
# seccomp-off (ours with --seccomp off) is always among them: what the per-thread filters
# (vmm/sandbox.c) cost an exit, whose KVM_RUN ioctl they check (goal: on <= 2% more).
set -euo pipefail
VMM=$1 RAW=$2 GUEST=$3 N=${4:-200000} ROUNDS=${5:-3}
declare -A CMD=([vmm]="$VMM" [seccomp-off]="$VMM --seccomp off")
WHO=(raw vmm seccomp-off)
IFS=';' read -ra extra <<<"${VARIANTS:-}"
for v in "${extra[@]}"; do
	v=$(echo "$v" | sed 's/^ *//;s/ *$//')
	[[ -n $v ]] || continue
	CMD[${v%%=*}]=${v#*=}
	WHO+=("${v%%=*}")
done
now() { date +%s.%N; }
t() { # t raw|NAME action n -> seconds
	local s e
	s=$(now)
	if [[ $1 == raw ]]; then
		"$RAW" "$GUEST" "action=$2 n=$3" >/dev/null
	else
		# shellcheck disable=SC2086 # ARGS are words
		${CMD[$1]} --kernel "$GUEST" --cmdline "action=$2 n=$3" >/dev/null 2>&1
	fi
	e=$(now)
	echo "$s $e" | awk '{printf "%.6f", $2 - $1}'
}
per_exit() { # per_exit vmm|raw action: microseconds per iteration of the guest's loop
	local t0 t1
	t0=$(t "$1" "$2" 0)
	t1=$(t "$1" "$2" "$N")
	awk -v a="$t0" -v b="$t1" -v n="$N" 'BEGIN{printf "%.3f", (b-a)/n*1e6}'
}
min() { awk -v a="$1" -v b="$2" 'BEGIN{print (b<a)?b:a}'; }
# A hypercall round trip (HC_VERSION: the block copied in, answered, copied out: the least a
# call does) against a raw PIO exit and our PIO exit, each round all three, alternating.
best_h=999 best_p=999 best_r=999
for round in $(seq "$ROUNDS"); do
	r=$(per_exit raw pio)
	p=$(per_exit vmm pio)
	h=$(per_exit vmm hcall)
	awk -v i="$round" -v r="$r" -v p="$p" -v h="$h" 'BEGIN{printf "hcall round %d: raw pio %.3f us, vmm pio %.3f us, vmm hcall %.3f us; hcall/vmm-pio %.3f, hcall/raw-pio %.3f\n", i, r, p, h, h/p, h/r}'
	best_r=$(min "$best_r" "$r") best_p=$(min "$best_p" "$p") best_h=$(min "$best_h" "$h")
done
awk -v r="$best_r" -v p="$best_p" -v h="$best_h" \
	'BEGIN{printf "RESULT hcall round trip: %.3f us; vmm pio exit %.3f us, raw pio exit %.3f us; ratio %.3f to our pio exit, %.3f to the raw one (best of each)\n", h, p, r, h/p, h/r}'
for action in pio mmio; do
	declare -A best=()
	for _ in $(seq "$ROUNDS"); do
		for who in "${WHO[@]}"; do
			t0=$(t "$who" $action 0)
			t1=$(t "$who" $action "$N")
			per=$(awk -v a="$t0" -v b="$t1" -v n="$N" 'BEGIN{printf "%.3f", (b-a)/n*1e6}')
			echo "$action $who per-exit-us $per"
			best[$who]=$(awk -v a="${best[$who]:-999}" -v b="$per" 'BEGIN{print (b<a)?b:a}')
		done
	done
	awk -v v="${best[vmm]}" -v r="${best[raw]}" -v a="$action" \
		'BEGIN{printf "RESULT %s exit: vmm %.3f us, raw %.3f us, ratio %.3f (goal <= 1.05)\n", a, v, r, v/r}'
	for who in "${WHO[@]:2}"; do
		awk -v w="$who" -v x="${best[$who]}" -v v="${best[vmm]}" -v r="${best[raw]}" -v a="$action" \
			'BEGIN{printf "RESULT %s exit: %s %.3f us, vs vmm %+.3f us (%+.1f%%), vs raw ratio %.3f\n", a, w, x, x-v, (x-v)/v*100, x/r}'
	done
	unset best
done
