#!/usr/bin/env bash
# virtio-blk end to end in the test host, ours vs QEMU microvm. usage: bench/linux-blk.sh VMM
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
TH_TIMEOUT=${TH_TIMEOUT:-1700} "$here/../tests/testhost/run.sh" --qemu --vmm "$1" \
	"$here/linux-blk/blk-vs-qemu.sh" | grep -E 'RESULT|round|peer|RETRY|testhost:'
