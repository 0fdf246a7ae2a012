#!/usr/bin/env python3
"""The layers of the source tree, checked: who may include whom (docs/architecture.md).

    base/      memory, bus, log, layout, machine, e820: uses nothing above it
    firmware/  boot-format writers and loaders: base/
    devices/   device models: base/
    vmm/       the VMM (KVM, vCPUs, the VM, CLI, console): all of the above

A quoted #include that leaves its folder for one it may not use fails the check, with the
file, the line and the rule. Usage: check-includes.py [SOURCE_ROOT]
"""
import os
import re
import sys

ALLOWED = {
    "base": {"base"},
    "firmware": {"firmware", "base"},
    "devices": {"devices", "base"},
    "vmm": {"vmm", "devices", "firmware", "base"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    bad = checked = 0
    for layer, may in sorted(ALLOWED.items()):
        folder = os.path.join(root, layer)
        for name in sorted(os.listdir(folder)):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    checked += 1
                    target = os.path.normpath(os.path.join(folder, m.group(1)))
                    to = os.path.relpath(target, root).split(os.sep)[0]
                    if to not in may:
                        bad += 1
                        print(f"{layer}/{name}:{n}: includes {m.group(1)}: {layer}/ may use "
                              f"only {', '.join(sorted(may))}/")
    print(f"includes: {checked} checked, {bad} against the layers")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
