#!/usr/bin/env bash
# The VMM confined after set-up (docs/confine.md), seen from outside through /proc: an
# inherited descriptor is gone, every thread has no_new_privs, the rlimits, --core-dump,
# --user and its refusal, --chroot, Landlock's ABI (or the one line saying the kernel has none),
# and a run and a reboot that still work confined.
# usage: confine.sh VMM GUEST
set -uo pipefail
VMM=$1
GUEST=$2
. "$(dirname "$0")/lib.sh"
require_kvm
scratch confine

# hold NAME [vmm args]: the guest halted until its serial input; VPID the VMM, whose
# set-up (and so its confinement) is done once the guest has printed its first line.
hold() {
	: >"$T/out" # emptied here, not by the child's redirection, which may come later
	"$VMM" --kernel "$GUEST" --cmdline action=hold "$@" >"$T/out" 2>"$T/err" </dev/null &
	VPID=$!
	for _ in $(seq 100); do [ -s "$T/out" ] && return 0; sleep 0.05; done
	echo "# the guest printed nothing" >>"$T/err"
	return 1
}
# end: SIGTERM, and the status it must give (143)
end() { kill -TERM "$VPID"; wait "$VPID"; [ $? -eq 143 ]; }
limit() { awk -v n="$1" 'index($0, n) == 1 { print $(NF - 2), $(NF - 1) }' "/proc/$VPID/limits"; }

t_inherited_fd() {
	local fds
	exec 7>"$T/inherited"
	hold
	local st=$?
	exec 7>&-
	[ $st -eq 0 ] || return 1
	fds=$(ls -l "/proc/$VPID/fd/")
	echo "$fds" >"$T/fds"
	end && ! grep -q "$T/inherited" "$T/fds" && [ "$(grep -c . "$T/fds")" -gt 4 ]
}
check "a descriptor the VMM inherited (exec 7>FILE) is closed" t_inherited_fd

t_threads_nnp() {
	hold -v --disk "$T/d.img" || return 1
	local threads nnp
	threads=$(ls "/proc/$VPID/task" | wc -l)
	nnp=$(grep -l 'NoNewPrivs:[[:space:]]*1' /proc/"$VPID"/task/*/status | wc -l)
	echo "# $nnp of $threads threads with no_new_privs" >>"$T/err"
	# main, the serial writer, the RTC, virtio-blk, the vCPU: set-up threads included
	end && [ "$threads" -ge 5 ] && [ "$nnp" -eq "$threads" ]
}
truncate -s 1M "$T/d.img"
check "every thread, set-up's device threads too, has no_new_privs" t_threads_nnp

t_rlimits() {
	hold || return 1
	local core files top
	core=$(limit "Max core file size")
	files=$(limit "Max open files")
	top=$(ls "/proc/$VPID/fd" | sort -n | tail -1)
	echo "# core: $core; open files: $files; highest fd $top" >>"$T/err"
	# the limit was set before the run's own signalfd was made: at most 17 above the highest
	set -- $files
	end && [ "$core" = "0 0" ] && [ "$1" = "$2" ] && [ "$1" -gt "$top" ] && [ "$1" -le $((top + 17)) ]
}
check "RLIMIT_CORE 0, RLIMIT_NOFILE at most 17 above the highest descriptor" t_rlimits

t_core_dump() {
	local core
	# ASan lowers RLIMIT_CORE itself at start (disable_coredump=1 on 64-bit): not for this run
	(ulimit -c unlimited && export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}disable_coredump=0" &&
		hold --core-dump && limit "Max core file size" >"$T/core" && end) ||
		return 1
	core=$(cat "$T/core")
	[ "$core" = "unlimited unlimited" ]
}
check "--core-dump keeps the inherited core limit" t_core_dump

# Landlock's ABI as the VMM found it, or its one line for a kernel without it: either way
# said, never silent.
t_landlock() {
	run landlock 0 --kernel "$GUEST" --cmdline action=hello -v || return 1
	if grep -q "confine: no Landlock on this kernel" "$T/err"; then
		echo "# SKIP-like: this kernel has no Landlock: $(grep 'no Landlock' "$T/err")"
		return 0
	fi
	grep -Eq "confine: done \(Landlock ABI [1-9][0-9]*\)" "$T/err" && has GUEST-HELLO
}
check "Landlock applied (its ABI logged with -v), the guest runs" t_landlock

# A reboot reads the kernel again (allowed by Landlock), the devices stay; 3 boots.
t_restart() {
	"$VMM" --kernel "$GUEST" --cmdline action=reset --reboot=restart --disk "$T/d.img" \
		--serial "file:$T/rr.log" >"$T/out" 2>"$T/err" </dev/null &
	VPID=$!
	for _ in $(seq 100); do
		[ -f "$T/rr.log" ] && [ "$(grep -c GUEST-RESET "$T/rr.log")" -ge 3 ] && break
		sleep 0.1
	done
	grep -c GUEST-RESET "$T/rr.log" >"$T/boots"
	end && [ "$(cat "$T/boots")" -ge 3 ] && ! grep -q "kernel" "$T/err"
}
check "--reboot=restart, confined: the kernel read again, 3 boots" t_restart

t_user() {
	[ "$(id -u)" -eq 0 ] || { echo "# SKIP: t_user: not root, --user cannot be tried"; return 0; }
	hold --user 65534:65534 || return 1
	local uid gid
	uid=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$VPID/status")
	gid=$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$VPID/status")
	echo "# uid $uid gid $gid" >>"$T/err"
	end && [ "$uid" = "65534 65534 65534 65534" ] && [ "$gid" = "65534 65534 65534 65534" ]
}
check "--user 65534:65534: the VMM runs as nobody" t_user

t_chroot() {
	[ "$(id -u)" -eq 0 ] || { echo "# SKIP: t_chroot: not root, --chroot cannot be tried"; return 0; }
	mkdir -p "$T/root"
	hold --chroot "$T/root" --user 65534:65534 || return 1
	local root cwd
	root=$(readlink "/proc/$VPID/root")
	cwd=$(readlink "/proc/$VPID/cwd")
	echo "# root $root, cwd $cwd" >>"$T/err"
	end && [ "$root" = "$T/root" ] && [ "$cwd" = "$T/root" ]
}
check "--chroot DIR (with --user): the VMM's root is DIR" t_chroot

t_chroot_reboot() {
	run chroot-reboot 2 --kernel "$GUEST" --chroot "$T" --reboot restart &&
		grep -q -- "--chroot: not with --reboot restart" "$T/err"
}
check "--chroot refused with --reboot restart, in one line" t_chroot_reboot

t_user_refused() {
	command -v setpriv >/dev/null || { echo "# SKIP: t_user_refused: no setpriv"; return 0; }
	setpriv --reuid 65534 --regid 65534 --clear-groups \
		"$VMM" --kernel "$GUEST" --user 1:1 >"$T/out" 2>"$T/err" </dev/null
	[ $? -eq 2 ] && grep -q -- "--user 1:1: only root can change user" "$T/err" &&
		[ "$(grep -c . "$T/err")" -eq 1 ]
}
check "--user refused with one line when not root" t_user_refused

finish
