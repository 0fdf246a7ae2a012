#!/usr/bin/env bash
# virtio-blk end to end in the test host, ours vs QEMU microvm (bench/linux-blk/blk-vs-qemu.sh).
# usage: [ROUNDS=2] [BLKPERF=10] bench/linux-blk.sh VMM
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
conf=$(mktemp -d)/blk-bench.conf
trap 'rm -rf "$(dirname "$conf")"' EXIT
printf 'ROUNDS=%d\nBLKPERF=%d\n' "${ROUNDS:-2}" "${BLKPERF:-10}" >"$conf"
TH_TIMEOUT=${TH_TIMEOUT:-3000} "$here/../tests/testhost/run.sh" --qemu --vmm "$1" --file "$conf" \
	"$here/linux-blk/blk-vs-qemu.sh" | grep -E 'RESULT|round|peer|RETRY|best of|testhost:'
