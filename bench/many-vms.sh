#!/usr/bin/env bash
# Many VMs at once: N (default 32) tiny guests launched concurrently, ours vs QEMU's microvm
# (-accel kvm, its firmware qboot, -kernel with our PVH test guest), the same guest, rounds
# alternating who goes first, every round printed. Each round, each side:
#  launch: N guests with action=exit (they end at once through isa-debug-exit), started
#          together; VMs/s = N / the wall time until the last has exited;
#  hold:   N guests with action=hold (HLT until a byte comes in on COM1, so an idle guest is
#          a stopped vCPU), started together; once every one has printed GUEST-HOLD, each
#          process's VmHWM (its peak RSS) and VmRSS from /proc/PID/status and its Pss from
#          /proc/PID/smaps_rollup (shared pages, libraries and page cache, divided among their
#          users: the sum of Pss is what the N cost the host together); then one byte each
#          lets them go, and all must end through isa-debug-exit with status 1.
# QEMU's -M pc is not the peer here: its SeaBIOS runs in real mode, which kvm_pvm emulates,
# and takes seconds per boot on this host; microvm's qboot does not.
# usage: many-vms.sh VMM GUEST [N]; ROUNDS (default 5) rounds.
set -euo pipefail
VMM=$1 GUEST=$2 N=${3:-32} ROUNDS=${ROUNDS:-5}
# shellcheck disable=SC2054 # iobase=0xf4,iosize=4 is one word
QEMU=(qemu-system-x86_64 -accel kvm -M microvm -m 256M -display none -no-user-config -nodefaults
	-serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$GUEST")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
now() { date +%s.%N; }

# start WHO ACTION I: one guest in the background, stdin $T/in.I, stdout $T/out.I; $! its PID
start() {
	if [[ $1 == ours ]]; then
		"$VMM" --kernel "$GUEST" --debug-exit on --cmdline "action=$2" <"$T/in.$3" \
			>"$T/out.$3" 2>"$T/err.$3" &
	else
		"${QEMU[@]}" -append "action=$2" <"$T/in.$3" >"$T/out.$3" 2>"$T/err.$3" &
	fi
}

# reap WHO PIDS...: every guest must end with status 1 (isa-debug-exit of 0)
reap() {
	local who=$1 i=0 st bad=0
	shift
	for pid in "$@"; do
		st=0
		wait "$pid" || st=$?
		if [[ $st -ne 1 ]]; then
			echo "$who guest $i: exit status $st, wanted 1; $(tail -n 2 "$T/err.$i" | tr '\n' ' ')" >&2
			bad=1
		fi
		i=$((i + 1))
	done
	return $bad
}

# launch WHO -> VMs per second
launch() {
	local pids=() s e
	s=$(now)
	for i in $(seq 0 $((N - 1))); do
		rm -f "$T/in.$i"
		: >"$T/in.$i"
		start "$1" "exit n=0" "$i"
		pids+=($!)
	done
	reap "$1" "${pids[@]}"
	e=$(now)
	awk -v n="$N" -v s="$s" -v e="$e" 'BEGIN{printf "%.2f %.3f", n / (e - s), e - s}'
}

status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
pss_kb() { awk '$1 == "Pss:" {print $2}' "/proc/$1/smaps_rollup"; }

# hold WHO -> "max-HWM mean-HWM sum-RSS sum-PSS" in KiB
hold() {
	local pids=() fds=() fd i hwm rss pss m=0 sh=0 sr=0 sp=0 t0
	for i in $(seq 0 $((N - 1))); do
		rm -f "$T/in.$i"
		mkfifo "$T/in.$i"
		start "$1" hold "$i"
		pids+=($!)
		exec {fd}>"$T/in.$i" # the guest's stdin stays open until we write its byte
		fds+=("$fd")
	done
	t0=$(now)
	for i in $(seq 0 $((N - 1))); do
		until grep -q GUEST-HOLD "$T/out.$i"; do
			if ! kill -0 "${pids[$i]}" 2>/dev/null ||
				awk -v s="$t0" -v e="$(now)" 'BEGIN{exit !(e - s > 60)}'; then
				echo "$1 guest $i: no GUEST-HOLD; $(tail -n 2 "$T/err.$i" | tr '\n' ' ')" >&2
				return 1
			fi
			sleep 0.05
		done
	done
	for pid in "${pids[@]}"; do
		hwm=$(status_kb "$pid" VmHWM) rss=$(status_kb "$pid" VmRSS) pss=$(pss_kb "$pid")
		((hwm > m)) && m=$hwm
		sh=$((sh + hwm)) sr=$((sr + rss)) sp=$((sp + pss))
	done
	for fd in "${fds[@]}"; do
		echo x >&"$fd"
		exec {fd}>&-
	done
	reap "$1" "${pids[@]}"
	for i in $(seq 0 $((N - 1))); do
		grep -q GUEST-RELEASED "$T/out.$i" || {
			echo "$1 guest $i: no GUEST-RELEASED" >&2
			return 1
		}
	done
	echo "$m $((sh / N)) $sr $sp"
}

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
declare -A vps hwm pss
for r in $(seq "$ROUNDS"); do
	order=(ours qemu)
	((r % 2)) || order=(qemu ours)
	for who in "${order[@]}"; do
		res=$(launch "$who")
		read -r v w <<<"$res"
		res=$(hold "$who")
		read -r hm ha sr sp <<<"$res"
		echo "round $r $who: $N launched and exited in ${w}s, $v VMs/s; held: peak RSS per VM max $hm KiB mean $ha KiB, RSS sum $sr KiB, PSS sum $sp KiB"
		vps[$who]+="$v "
		hwm[$who]+="$ha "
		pss[$who]+="$sp "
	done
done
med() { tr ' ' '\n' <<<"$1" | grep . | median; }
vo=$(med "${vps[ours]}") vq=$(med "${vps[qemu]}")
ho=$(med "${hwm[ours]}") hq=$(med "${hwm[qemu]}")
po=$(med "${pss[ours]}") pq=$(med "${pss[qemu]}")
awk -v n="$N" -v vo="$vo" -v vq="$vq" -v ho="$ho" -v hq="$hq" -v po="$po" -v pq="$pq" 'BEGIN{
	printf "RESULT many-vms (%d at once, medians): ours %.1f VMs/s, QEMU microvm %.1f VMs/s, ratio %.2f\n", n, vo, vq, vo / vq
	printf "RESULT many-vms peak RSS per VM: ours %d KiB, QEMU %d KiB, ratio %.3f\n", ho, hq, ho / hq
	printf "RESULT many-vms %d held at once, PSS sum: ours %d KiB, QEMU %d KiB, ratio %.3f\n", n, po, pq, po / pq
}'
