#!/usr/bin/env bash
# The sustained virtio-blk load of issue 12 in the test host (tests/linux-soak/soak.sh): ROUNDS
# boots of ours and, with PEER=1 (the default here), of QEMU microvm alternating in one
# test-host boot, each soaking for SECS s. Prints every run's verdict and the summary.
# usage: [ROUNDS=3] [SECS=60] [PEER=1] [OURS=1] [STRICT=0] [DISKS=2] [BUDGET=3000] bench/linux-soak.sh VMM [RUN.SH ARGS...]
# (OURS=0: QEMU alone; TH_TCG_THREAD=single and the other tests/testhost/run.sh knobs apply)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
conf=$(mktemp -d)/soak.conf
trap 'rm -rf "$(dirname "$conf")"' EXIT
vmm=$1; shift
printf 'ROUNDS=%d\nSECS=%d\nPEER=%d\nSTRICT=%d\nOURS=%d\nDISKS=%d\nBUDGET=%d\n' "${ROUNDS:-3}" \
	"${SECS:-60}" "${PEER:-1}" "${STRICT:-0}" "${OURS:-1}" "${DISKS:-2}" "${BUDGET:-3000}" >"$conf"
TH_TIMEOUT=${TH_TIMEOUT:-3400} "$here/../tests/testhost/run.sh" --qemu --vmm "$vmm" --file "$conf" \
	"$@" "$here/../tests/linux-soak/soak.sh" | grep -E '^\[soak\] (SOAK|RETRY)|RESULT|RETRY|testhost:'
