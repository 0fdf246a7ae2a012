#!/usr/bin/env bash
# Exits to the VMM per quiet Linux boot, for each word of our default command line, inside
# the nested test host (bench/linux-boot/exits.sh says what is counted). Every boot printed.
# usage: [ROUNDS=2] bench/linux-exits.sh VMM [RUN.SH ARGS...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); conf=$tmp/exits.conf
trap 'rm -rf "$tmp"' EXIT
vmm=$1; shift
printf 'ROUNDS=%d\n' "${ROUNDS:-2}" >"$conf"
TH_TIMEOUT=${TH_TIMEOUT:-900} "$here/../tests/testhost/run.sh" --vmm "$vmm" --file "$conf" "$@" \
	"$here/linux-boot/exits.sh" | grep -E 'RESULT|round|configurations|FAIL|testhost:'
