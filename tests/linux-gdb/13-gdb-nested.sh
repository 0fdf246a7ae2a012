# --gdb's single step on (nested) SVM, as tests/guest/gdb.sh checks it on kvm_pvm. On SVM the
# guest's code runs natively and KVM_GUESTDBG_SINGLESTEP (TF and the #DB intercept) traps
# after each instruction: 400 stepi from the entry, each checked by gdb's Python against
# the instruction's length (tests/guest/gdb-step.py, which the guest suite runs too).
# Debian's gdb, copied in with its libraries and its Python's runtime, against the -g guest
# as ELF32 (i386) and ELF64 (i386:x86-64).
# No breakpoint or watchpoint is checked here (hardware breakpoints are, on kvm_pvm; software
# ones and watchpoints on neither machine: docs/gdb.md). The test host's CPU is QEMU-TCG (Debian 12's 7.2), whose SVM checks INT3 against the
# software-interrupt intercept rather than the #BP exception intercept that
# KVM_GUESTDBG_USE_SW_BP sets (raise_interrupt2 with is_int=1), and arms no DR0-3
# breakpoint from the DR7 that VMRUN loads (hbreak and watch never fire: measured).
# testhost-timeout: 420
. /t/lib.sh; . /t/helpers.inc
# gdb's Python stdlib and data directory (tests/testhost/pack-gdb-runtime.sh), at their paths
tar -xf /t/gdb-runtime.tar -C / || fail "unpack gdb-runtime.tar"
# gdb_session GUEST OUT EX...: the VMM paused on a Unix socket, gdb -batch driving it
gdb_session() {
    _g=$1; _o=$2; shift 2
    rm -f /tmp/gdb.sock
    vmm --kernel "$_g" --gdb unix:/tmp/gdb.sock </dev/null >/tmp/gdb.vmm 2>&1 &
    _vp=$!
    for _i in $(seq 100); do [ -S /tmp/gdb.sock ] && break; sleep 0.1; done
    set -- -ex "target remote /tmp/gdb.sock" "$@"
    run_capture "$_o" 150 /t/gdb -batch -nx "$@" "$_g"
    # gdb gone, the VM must end too: a paused VMM left by a gdb that died would wait forever.
    for _i in $(seq 300); do kill -0 $_vp 2>/dev/null || break; sleep 0.1; done
    if kill -0 $_vp 2>/dev/null; then
        fail "$_g: the VMM still ran 30 s after gdb ended"
        kill -KILL $_vp
    fi
    wait $_vp
    _vst=$?
    sed 's/^/| vmm: /' /tmp/gdb.vmm
}
for g in /t/gdbguest.elf /t/gdbguest64.elf; do
    gdb_session "$g" /tmp/o -ex 'source /t/gdb-step.py' -ex 'set var gdb_verdict = 0' -ex continue
    grep '^STEP-BAD' /tmp/o | head -5
    expect_line /tmp/o '^STEPS 400 BAD 0$' "$g: 400 stepi, each one instruction on"
    expect_line /tmp/o 'exited with code 01' "$g: gdb saw the exit"
    expect_eq "$_vst" 1 "$g: the VMM's status (gdb_verdict written 0)"
done
finish
