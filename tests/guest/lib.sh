# Shared by the guest tests (sourced): the /dev/kvm gate, TAP helpers and `run` (of $VMM).
# not_ok shows $T/out and $T/err (scratch makes T).
# A missing /dev/kvm fails, unless VMM_TEST_ALLOW_NO_KVM=1 (a developer laptop): then skip.
n=0
failed=0

# A scratch folder T for the run, removed when the script exits.
scratch() {
	T=$(mktemp -d "/tmp/vmm-$1.XXXXXX")
	trap 'rm -rf "$T"' EXIT
}

require_kvm() {
	if ! { exec 9<>/dev/kvm; } 2>/dev/null; then
		if [ "${VMM_TEST_ALLOW_NO_KVM:-}" = 1 ]; then
			echo "1..0 # SKIP /dev/kvm cannot be opened (VMM_TEST_ALLOW_NO_KVM=1)"
			exit 0
		fi
		echo "Bail out! /dev/kvm cannot be opened: these tests need KVM"
		exit 1
	fi
	exec 9>&-
}

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	sed 's/^/# /' "$T/out" "$T/err" 2>/dev/null | head -40
}
check() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }
has() { grep -q -- "$1" "$T/${2:-out}"; }
# run NAME EXPECTED_STATUS [vmm args...]: $VMM's stdout to $T/out, stderr to $T/err
run() {
	local name=$1 want=$2 st
	shift 2
	timeout 60 "$VMM" "$@" >"$T/out" 2>"$T/err" </dev/null
	st=$?
	if [ "$st" -ne "$want" ]; then
		echo "# $name: exit status $st, wanted $want" >>"$T/err"
		return 1
	fi
}
finish() { echo "1..$n"; [ "$failed" -eq 0 ]; }
