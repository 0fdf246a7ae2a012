# NOT RUN IN CI YET: Debian's gdb copied into the test host cannot start its embedded
# Python there (no /usr/lib/python3.11), exits, and the paused VMM then waits for ever (a
# 300 s scenario timeout). Carry python3.11's stdlib in (or use a gdb built without Python)
# and bound the wait before wiring it into tests/linux/.
# --gdb where kvm_pvm cannot follow (tests/guest/gdb.sh skips these there by name): on real
# (nested) SVM the guest's code runs natively, so int3 software breakpoints (gdb's `break`,
# KVM_GUESTDBG_USE_SW_BP), single steps (KVM_GUESTDBG_SINGLESTEP; `next` is made of them) and
# data watchpoints (DR7 R/W=01) all trap. Debian's gdb, copied in with its libraries, against
# the -g guest as ELF32 (i386) and ELF64 (i386:x86-64).
. /t/lib.sh; . /t/helpers.inc
# gdb_session GUEST OUT EX...: the VMM paused on a Unix socket, gdb -batch driving it
gdb_session() {
    _g=$1; _o=$2; shift 2
    rm -f /tmp/gdb.sock
    vmm --kernel "$_g" --gdb unix:/tmp/gdb.sock </dev/null >/tmp/gdb.vmm 2>&1 &
    _vp=$!
    for _i in $(seq 100); do [ -S /tmp/gdb.sock ] && break; sleep 0.1; done
    set -- -ex "target remote /tmp/gdb.sock" "$@"
    run_capture "$_o" 120 /t/gdb -batch -nx "$@" "$_g"
    wait $_vp
    _vst=$?
}
for g in /t/gdbguest.elf /t/gdbguest64.elf; do
    gdb_session "$g" /tmp/o -ex 'break gdb_add' -ex continue -ex 'p a' -ex next -ex 'p sum' \
        -ex 'stepi' -ex 'stepi' -ex 'p $pc' -ex 'watch gdb_counter' -ex continue \
        -ex 'set var gdb_verdict = 0' -ex delete -ex continue
    expect_line /tmp/o '^Breakpoint 1, gdb_add \(a=4660, b=66\)' "$g: int3 breakpoint"
    expect_line /tmp/o '^\$1 = 4660$' "$g: argument a"
    expect_line /tmp/o '^\$2 = 4726$' "$g: next, then sum = a + b"
    expect_line /tmp/o '^\$3 = .* <gdb_add\+[0-9]+>$' "$g: two stepi, still in gdb_add"
    expect_line /tmp/o 'New value = 4726' "$g: watchpoint on gdb_counter"
    expect_line /tmp/o 'exited with code 01' "$g: gdb saw the exit"
    expect_eq "$_vst" 1 "$g: the VMM's status (gdb_verdict written 0)"
done
finish
