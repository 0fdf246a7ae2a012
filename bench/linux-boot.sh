#!/usr/bin/env bash
# Linux boot to the init marker, ours vs QEMU microvm, inside the nested test host.
# usage: [ROUNDS=3] [CPUS=2] [TIMELINE=1] [WHOS="ours qemu ..."] [ALT=VMM2] bench/linux-boot.sh VMM [RUN.SH ARGS...]
#   CPUS: the guests' vCPUs (every VMM the same)
#   ALT: another build of ours, booted in the same rounds as "ours_alt" (add it to WHOS)
#   TIMELINE=1: every guest prints its kernel log (dmesg) after the marker, and
#   bench/boot-timeline.py reads the output
#   (pipe it there) to set their printk timelines side by side
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); conf=$tmp/boot.conf
trap 'rm -rf "$tmp"' EXIT
vmm=$1; shift
printf 'ROUNDS=%d\nTIMELINE=%d\nWHOS="%s"\nCPUS=%d\n' "${ROUNDS:-3}" "${TIMELINE:-0}" \
	"${WHOS:-ours qemu ours_linux qemu_pvh ours_map}" "${CPUS:-2}" >"$conf"
alt=()
if [[ -n "${ALT:-}" ]]; then cp "$ALT" "$tmp/vmm-alt" && alt=(--file "$tmp/vmm-alt"); fi
TH_TIMEOUT=${TH_TIMEOUT:-1700} "$here/../tests/testhost/run.sh" --qemu --vmm "$vmm" --file "$conf" \
	"${alt[@]}" "$@" "$here/linux-boot/boot-vs-qemu.sh" | grep -E 'RESULT|round|testhost:|timeline '
