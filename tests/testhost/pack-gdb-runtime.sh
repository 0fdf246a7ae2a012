#!/usr/bin/env bash
# pack-gdb-runtime.sh OUT.tar - what Debian's gdb needs at run time beyond its shared
# libraries (run.sh --file copies those), for the test host, which has neither: the stdlib its
# embedded Python starts from (the files of libpython3.X-minimal; without them gdb aborts in
# Py_Initialize, "init_fs_encoding") and gdb's data directory (its `gdb` Python module).
# Packed at their own paths; the scenario unpacks the archive at /. About 6 MB.
set -euo pipefail
out=$1
ver=$(gdb -batch -nx -ex 'python import sys; print("%d.%d" % sys.version_info[:2])')
[[ $ver =~ ^3\.[0-9]+$ ]] || { echo "pack-gdb-runtime: gdb has no Python 3 ($ver)" >&2; exit 1; }
list=$(mktemp)
trap 'rm -f "$list"' EXIT
dpkg -L "libpython$ver-minimal" | while read -r f; do
    # C extension modules are left out: what gdb imports at start-up is pure Python.
    [[ -f $f && $f == "/usr/lib/python$ver/"* && $f != *.so ]] && echo "${f#/}"
done > "$list"
find /usr/share/gdb -type f | sed 's|^/||' >> "$list"
tar -C / -cf "$out.tmp" -T "$list"
mv "$out.tmp" "$out"
