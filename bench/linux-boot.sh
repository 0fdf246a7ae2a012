#!/usr/bin/env bash
# Linux boot to the init marker, ours vs QEMU microvm, inside the nested test host.
# usage: bench/linux-boot.sh VMM   (env ROUNDS is not passed in: edit the scenario)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
TH_TIMEOUT=${TH_TIMEOUT:-1700} "$here/../tests/testhost/run.sh" --qemu --vmm "$1" \
	"$here/linux-boot/boot-vs-qemu.sh" | grep -E 'RESULT|round|testhost:'
