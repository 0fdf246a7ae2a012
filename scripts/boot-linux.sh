#!/usr/bin/env bash
# Boot Debian's stock cloud kernel on our VMM to an interactive busybox shell.
# Installs what is missing, builds the VMM, fetches and builds the guest (cached).
# Quit with `poweroff -f` in the guest, or Ctrl-A x.
#
# Where this machine's /dev/kvm cannot run Linux (kvm_pvm, or a CPU without VMX/SVM),
# the same vmm runs inside the nested test host (QEMU-TCG with emulated AMD SVM,
# see tests/testhost/); the guest's console is still this terminal, only slower.
#
# env: CPUS (2) MEM (512M) CMDLINE (extra kernel arguments) KERNEL=bzimage|vmlinux
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh >/dev/null
guest/linux/make-guest.sh >&2
G=guest/linux/out
CPUS=${CPUS:-2} MEM=${MEM:-512M}
kernel=$G/vmlinuz
[[ ${KERNEL:-bzimage} == vmlinux ]] && kernel=$G/vmlinux
# No --cmdline: the VMM's default (its console, no probing of what the machine lacks) and the
# guest's default mode, a shell. CMDLINE's arguments go after that default, as vmm --help says it.
args=(--cpus "$CPUS" --mem "$MEM")
if [[ -n ${CMDLINE:-} ]]; then
	default=$(build/vmm --help | sed -n 's/.*--cmdline .*port: "\([^"]*\)".*/\1/p')
	args+=(--cmdline "$default $CMDLINE")
fi

native_kvm_ok() {
	[[ -r /dev/kvm && -w /dev/kvm ]] || return 1
	[[ ! -d /sys/module/kvm_pvm ]] || return 1
	grep -qE '\b(vmx|svm)\b' /proc/cpuinfo
}

if native_kvm_ok; then
	exec build/vmm --kernel "$kernel" --initrd "$G/initramfs.cpio.gz" "${args[@]}"
fi
echo "boot-linux: this /dev/kvm cannot run Linux (kvm_pvm or no VMX/SVM): running vmm inside the nested test host" >&2
s=$(mktemp /tmp/boot-linux.XXXXXX.sh)
trap 'rm -f "$s"' EXIT
k=/g/vmlinuz
[[ ${KERNEL:-bzimage} == vmlinux ]] && k=/g/vmlinux
printf 'exec vmm --kernel %s --initrd /g/initramfs.cpio.gz' "$k" >"$s"
printf ' %q' "${args[@]}" >>"$s"
echo >>"$s"
tests/testhost/run.sh --interactive --vmm build/vmm "$s"
