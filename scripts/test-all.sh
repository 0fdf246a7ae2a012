#!/usr/bin/env bash
# The whole test suite: install what is missing, build, run every test.
#   unit      cmocka tests of the bus, memory, loaders, firmware builders, UART, fw_cfg
#   guest     the VMM on this machine's /dev/kvm with the bare-metal test guest (and
#             QEMU with the same guest, for fw_cfg)
#   linux     Debian's kernel booted by our VMM inside the nested test host (boot, SMP,
#             console, reboot, fw_cfg in sysfs, virtio-blk with ext4), and the test host's
#             own watchdog
#   fuzz      libFuzzer on the virtqueue walker and virtio-blk parser, the loaders, fw_cfg,
#             hypercalls and the gdb stub (60 s each), and on the UART, RTC, PIT, ACPI power
#             registers, virtio-mmio, the Linux loaders' set-up and the bzImage unpacker (20 s)
#   asan      the unit and guest suites again with the VMM built with ASan and UBSan
#             (build-asan/; any report fails the test, the hostile guest's included)
# Ends with one line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
if [[ -n "${CI:-}" ]]; then rm -rf build build-asan; fi
scripts/build.sh
meson configure build -Dfuzz=true >/dev/null # build.sh set up build/ only if it was missing
ninja -C build
# The sanitizer build: the VMM and the unit tests with ASan and UBSan (the guests opt out,
# guest/kit's guest_opts). b_lundef=false: meson's -Wl,--no-undefined and the sanitizer
# runtimes, which resolve at run time, do not mix.
[[ -f build-asan/build.ninja ]] ||
	meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
ninja -C build-asan
# UBSan only prints unless told to stop: a report must fail its test. The unit tests get 4x
# their timeouts (unpack's 9 MiB streams decompress slowly under ASan).
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=0
status=0
# The fuzzers last and on their own: each keeps a core busy for its 60 s, and beside them
# the guest suite's QEMU runs (SeaBIOS under kvm_pvm's emulation) crawl.
meson test -C build --print-errorlogs --no-rebuild --no-suite fuzz || status=$?
cp build/meson-logs/testlog.json build/meson-logs/testlog-main.json
meson test -C build-asan --print-errorlogs --no-rebuild --suite unit --suite guest \
	--timeout-multiplier 4 || status=$?
meson test -C build --print-errorlogs --no-rebuild --suite fuzz || status=$?
# meson's own summary is not a line CI reads: count the results ourselves.
python3 - build/meson-logs/testlog-main.json build-asan/meson-logs/testlog.json \
	build/meson-logs/testlog.json <<'PY'
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
