#!/usr/bin/env bash
# The crash-consistency torture of issue 10 in the test host (tests/linux-blk/02-crash-consistency.sh)
# in its long form: KILLS SIGKILLs of ours at random records, half of them with cache=none.
# usage: [KILLS=24] bench/crash-torture.sh VMM [RUN.SH ARGS...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); conf=$tmp/crash.conf
trap 'rm -rf "$tmp"' EXIT
vmm=$1; shift
printf 'KILLS=%d\n' "${KILLS:-24}" >"$conf"
# the CI form's scenario timeout is for 4 kills
sed 's/^# testhost-timeout: .*/# testhost-timeout: 2900/' \
	"$here/../tests/linux-blk/02-crash-consistency.sh" >"$tmp/crash-consistency.sh"
TH_TIMEOUT=${TH_TIMEOUT:-3000} "$here/../tests/testhost/run.sh" --vmm "$vmm" --file "$conf" \
	--file "$here/../tests/linux/helpers.inc" --file /sbin/e2fsck "$@" \
	"$tmp/crash-consistency.sh" |
	grep -E 'crash-consistency|FAIL|RETRY|FLAKY|RESULT|testhost:'
