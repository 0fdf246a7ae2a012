#!/usr/bin/env bash
# The whole test suite: install what is missing, build, run every test.
#   unit      cmocka tests of the bus, memory, loaders, firmware builders, UART, fw_cfg
#   guest     the VMM on this machine's /dev/kvm with the bare-metal test guest (and
#             QEMU with the same guest, for fw_cfg)
#   linux     Debian's kernel booted by our VMM inside the nested test host (boot, SMP,
#             console, reboot, fw_cfg in sysfs, virtio-blk with ext4), and the test host's
#             own watchdog
#   fuzz      libFuzzer on the virtqueue walker and virtio-blk parser, and on fw_cfg, 60 s
# Ends with one line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
if [[ -n "${CI:-}" ]]; then rm -rf build; fi
scripts/build.sh
meson configure build -Dfuzz=true >/dev/null # build.sh set up build/ only if it was missing
ninja -C build
status=0
# The fuzzers last and on their own: each keeps a core busy for its 60 s, and beside them
# the guest suite's QEMU runs (SeaBIOS under kvm_pvm's emulation) crawl.
meson test -C build --print-errorlogs --no-rebuild --no-suite fuzz || status=$?
cp build/meson-logs/testlog.json build/meson-logs/testlog-main.json
meson test -C build --print-errorlogs --no-rebuild --suite fuzz || status=$?
# meson's own summary is not a line CI reads: count the results ourselves.
python3 - build/meson-logs/testlog-main.json build/meson-logs/testlog.json <<'PY'
import json, sys
ok = bad = 0
for log in sys.argv[1:]:
    for line in open(log):
        r = json.loads(line)
        if r["result"] in ("OK", "EXPECTEDFAIL"):
            ok += 1
        elif r["result"] != "SKIP":
            bad += 1
print(f"{ok} passed, {bad} failed")
PY
exit $status
