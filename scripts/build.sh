#!/usr/bin/env bash
# Configure (once) and build into build/. Extra arguments go to meson setup.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f build/build.ninja ]] || meson setup build "$@" >/dev/null
ninja -C build
