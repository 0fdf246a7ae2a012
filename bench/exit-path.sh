#!/usr/bin/env bash
# Exit-path benchmark: cost per PIO and per MMIO exit through our dispatch
# vs the bare KVM_RUN loop (exit_raw), same guest, same run, alternating.
# per-exit = (t(n=N) - t(n=0)) / N, so start-up cost cancels out.
# usage: exit-path.sh VMM EXIT_RAW GUEST [N] [ROUNDS]
set -euo pipefail
VMM=$1 RAW=$2 GUEST=$3 N=${4:-200000} ROUNDS=${5:-3}
now() { date +%s.%N; }
t() { # t vmm|raw action n -> seconds
	local s e
	s=$(now)
	if [[ $1 == vmm ]]; then
		"$VMM" --kernel "$GUEST" --cmdline "action=$2 n=$3" >/dev/null 2>&1
	else
		"$RAW" "$GUEST" "action=$2 n=$3" >/dev/null
	fi
	e=$(now)
	echo "$s $e" | awk '{printf "%.6f", $2 - $1}'
}
for action in pio mmio; do
	best_v=999 best_r=999
	for _ in $(seq "$ROUNDS"); do
		for who in raw vmm; do
			t0=$(t $who $action 0)
			t1=$(t $who $action "$N")
			per=$(awk -v a="$t0" -v b="$t1" -v n="$N" 'BEGIN{printf "%.3f", (b-a)/n*1e6}')
			echo "$action $who per-exit-us $per"
			if [[ $who == vmm ]]; then
				best_v=$(awk -v a="$best_v" -v b="$per" 'BEGIN{print (b<a)?b:a}')
			else
				best_r=$(awk -v a="$best_r" -v b="$per" 'BEGIN{print (b<a)?b:a}')
			fi
		done
	done
	awk -v v="$best_v" -v r="$best_r" -v a="$action" \
		'BEGIN{printf "RESULT %s exit: vmm %.3f us, raw %.3f us, ratio %.3f (goal <= 1.05)\n", a, v, r, v/r}'
done
