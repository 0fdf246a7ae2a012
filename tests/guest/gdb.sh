#!/usr/bin/env bash
# --gdb with Debian's gdb in batch mode against the -g test guest (guest/baremetal/gdbguest.c),
# as a multiboot ELF32 (32-bit protected mode: gdb must pick i386 by itself and read the
# arguments off the stack) and a plain ELF64 (long mode: i386:x86-64, arguments in rdi/rsi).
# The test guest (guest/baremetal/testguest.c, action=hold: halted in HLT until a byte on COM1)
# is the idle guest: detach and a dropped connection while it sleeps, and the threads' names.
# usage: gdb.sh VMM GDBGUEST32 GDBGUEST64 TESTGUEST
# What kvm_pvm cannot do (its instruction emulator runs the guest's CPL0 code: it sees no data
# breakpoints and fails on int3) is skipped here by name (docs/gdb.md: the test host cannot
# either). Single steps run here and, on (nested) SVM, in tests/linux-gdb/.
set -u
VMM=$1
G32=$2
G64=$3
TG=$4
. "$(dirname "$0")/lib.sh"
scratch gdb
require_kvm
command -v gdb >/dev/null || { echo "Bail out! gdb is not installed (apt-get install gdb)"; exit 1; }
on_kvm_pvm() { [ -d /sys/module/kvm_pvm ]; }

# vmm_gdb GUEST [vmm args]: the VMM in the background, waiting on $T/sock; VPID its pid.
vmm_gdb() {
	local g=$1
	shift
	rm -f "$T/sock"
	timeout 60 "$VMM" --kernel "$g" --gdb "unix:$T/sock" "$@" >"$T/out" 2>"$T/err" </dev/null &
	VPID=$!
	for _ in $(seq 100); do [ -S "$T/sock" ] && return 0; sleep 0.05; done
	return 1
}
# gdb_run GUEST EX...: gdb -batch with each EX as -ex, after target remote; output in $T/gdb
gdb_run() {
	local g=$1 a=()
	shift
	for e in "$@"; do a+=(-ex "$e"); done
	timeout 60 gdb -batch -nx -ex "target remote $T/sock" "${a[@]}" "$g" >"$T/gdb" 2>&1 </dev/null
}
# vmm_status: wait for the VMM; its exit status in VST
vmm_status() { wait "$VPID"; VST=$?; }
# vmm_ends SECONDS: the VMM must end within SECONDS (else it is killed, VST=timeout)
vmm_ends() {
	for _ in $(seq $(($1 * 10))); do kill -0 "$VPID" 2>/dev/null || { vmm_status; return 0; }; sleep 0.1; done
	kill -KILL "$VPID"; wait "$VPID"; VST=timeout
	echo "# the VMM was still running after $1 s" >>"$T/err"
	return 1
}
# vmm_pid: the VMM's own pid (VPID is its timeout's)
vmm_pid() { local c; c=$(cat "/proc/$VPID/task/$VPID/children") && echo "${c%% *}"; }
# wait_for SECONDS PATTERN [FILE]: until $T/FILE (default out) has PATTERN
wait_for() { for _ in $(seq $(($1 * 10))); do has "$2" "${3:-out}" && return 0; sleep 0.1; done; return 1; }
ghas() { grep -q -- "$1" "$T/gdb"; }
not_ok_gdb() { sed 's/^/# gdb: /' "$T/gdb" | head -30; }
gcheck() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; not_ok_gdb; fi; }

# 32-bit: the description, a hardware breakpoint, arguments, registers, a memory write
t_i386() {
	vmm_gdb "$G32" || return 1
	gdb_run "$G32" 'show architecture' 'p/x $eip' 'hbreak gdb_add' continue 'p a' 'p/x b' \
		'p $pc' 'p/x $esp' 'bt' 'info threads' 'set var gdb_verdict = 0' delete continue
	vmm_status
	ghas 'currently "i386"' && ghas '^\$1 = 0x100010$' &&
		ghas 'Breakpoint 1, gdb_add (a=4660, b=66) at .*gdbguest.c' &&
		ghas '^\$2 = 4660$' && ghas '^\$3 = 0x42$' && ghas '^\$4 = .* <gdb_add+[0-9]*>' &&
		ghas '^\$5 = 0x10[0-9a-f]\{4\}$' && ghas 'in mb_main (mi=0x' &&
		ghas 'Thread 1 .*vCPU 0, 32-bit protected mode' &&
		ghas 'exited with code 01' && [ "$VST" = 1 ] && has 'GDBGUEST-SUM 0x0*24ec'
}
gcheck "ELF32 multiboot guest: i386 without set architecture, hbreak, args off the stack, eip/esp, memory write, exit" t_i386

# 64-bit: the other description, the arguments in registers
t_amd64() {
	vmm_gdb "$G64" || return 1
	gdb_run "$G64" 'show architecture' 'hbreak gdb_add' continue 'p a' 'p/x $rdi' 'p/x $rsi' \
		'p $pc' 'info threads' 'set var gdb_verdict = 0' delete continue
	vmm_status
	ghas 'currently "i386:x86-64"' && ghas 'Breakpoint 1, gdb_add (a=4660, b=66)' &&
		ghas '^\$1 = 4660$' && ghas '^\$2 = 0x1234$' && ghas '^\$3 = 0x42$' &&
		ghas '^\$4 = .* <gdb_add+[0-9]*>' && ghas 'vCPU 0, 64-bit' &&
		ghas 'exited with code 01' && [ "$VST" = 1 ]
}
gcheck "ELF64 guest: i386:x86-64, hbreak, args in rdi/rsi, exit" t_amd64

# Two vCPUs, two threads; the AP waits for its SIPI while gdb looks at it
t_threads() {
	vmm_gdb "$G32" --cpus 2 || return 1
	gdb_run "$G32" 'info threads' 'thread 2' 'p/x $cs' 'thread 1' 'p/x $eip' detach
	vmm_status
	ghas 'Thread 1 .*vCPU 0' && ghas 'Thread 2 .*vCPU 1, real mode' &&
		ghas '^\$1 = 0xf000$' && ghas '^\$2 = 0x100010$' && [ "$VST" = 15 ]
}
gcheck "--cpus 2: a thread per vCPU, each one's registers; detach lets the guest run (status 15)" t_threads

t_kill() {
	vmm_gdb "$G32" || return 1
	gdb_run "$G32" 'hbreak gdb_add' continue kill
	vmm_status
	ghas 'killed' && [ "$VST" = 0 ] && has 'gdb: killed by the debugger' err
}
gcheck "kill ends the VM (status 0)" t_kill

# The protocol by hand, over TCP: $data#checksum
pkt() {
	local s=$1 sum=0 i c
	for ((i = 0; i < ${#s}; i++)); do printf -v c '%d' "'${s:i:1}"; sum=$(((sum + c) % 256)); done
	printf '$%s#%02x' "$s" "$sum"
}
# reply: the next packet's data from fd 3 (acks and the checksum dropped) in R
reply() { local x; IFS= read -r -t 10 -d '#' x <&3 || return 1; R=${x##*\$}; read -r -t 2 -n 2 x <&3; }
spin_addr() { nm "$G32" | sed -n 's/^0*\([0-9a-f]*\) [BbDd] gdb_spin$/\1/p'; }

# Hostile peers: garbage, bad checksums, an overlong packet, bad fields, a connection closed
# mid-packet. Between them one good M packet sets gdb_spin and c lets the guest spin; a
# Ctrl-C (0x03) stops it with T02 in gdb_guest; the connection drops (the guest runs on,
# spinning). A real gdb then connects to the running VMM, which stops for it.
t_malformed() {
	local port=$((20000 + RANDOM % 20000)) i a
	a=$(spin_addr)
	[ -n "$a" ] || return 1
	timeout 60 "$VMM" --kernel "$G32" --gdb "tcp:$port" >"$T/out" 2>"$T/err" </dev/null &
	VPID=$!
	for i in $(seq 100); do { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null && break; sleep 0.05; done
	printf '%s' 'xx$g#00$g#zz+-}$' >&3
	head -c 40000 /dev/zero | tr '\0' 'm' >&3
	printf '#00$m0,ffffffffffffffffff#00$Z1,zz#00$mzz#f9$Hgffff#00' >&3
	printf '$qXfer:features:read:target.xml:ffffffffff,1#00' >&3
	pkt "M$a,4:01000000" >&3
	reply && [ "$R" = OK ] || { echo "# M: $R" >>"$T/err"; return 1; }
	pkt "m$a,4" >&3
	reply && [ "$R" = 01000000 ] || return 1
	pkt c >&3
	sleep 0.5
	printf '\x03' >&3
	reply && [ "${R:0:13}" = "T02thread:1;" ] || { echo "# Ctrl-C: $R" >>"$T/err"; return 1; }
	pkt "p8" >&3 # eip, in gdb_guest's spin loop
	reply && echo "# eip after Ctrl-C: $R" >>"$T/err"
	pkt c >&3
	printf '$m0,1' >&3 # cut off
	exec 3>&-
	sleep 0.3
	kill -0 "$VPID" || return 1
	timeout 60 gdb -batch -nx -ex "target remote 127.0.0.1:$port" -ex 'p $pc' \
		-ex 'p gdb_spin' -ex 'hbreak gdb_add' -ex 'set var gdb_spin = 0' -ex continue \
		-ex 'p a' -ex 'set var gdb_verdict = 0' -ex delete -ex continue "$G32" >"$T/gdb" 2>&1 </dev/null
	vmm_status
	ghas '^\$1 = .* <gdb_guest+[0-9]*>' && ghas '^\$2 = 1$' && ghas '^\$3 = 4660$' &&
		ghas 'exited with code 01' && [ "$VST" = 1 ] && has 'malformed packets ignored' err
}
gcheck "malformed packets, Ctrl-C (T02), a dropped connection: the guest runs on; the next gdb stops it" t_malformed

# The test guest halted in HLT until a byte on COM1 (action=hold) under --gdb tcp:$PORT: fd 8
# writes its COM1, fd 3 is a raw connection (hold_connect); extra VMM args after.
vmm_hold() {
	PORT=$((20000 + RANDOM % 20000))
	rm -f "$T/hold" && mkfifo "$T/hold"
	timeout 60 "$VMM" --kernel "$TG" --debug-exit on --cmdline action=hold --gdb "tcp:$PORT" "$@" \
		<"$T/hold" >"$T/out" 2>"$T/err" &
	VPID=$!
	exec 8>"$T/hold"
	wait_for 5 'waiting for a debugger' err
}
hold_connect() {
	for _ in $(seq 100); do { exec 3<>"/dev/tcp/127.0.0.1/$PORT"; } 2>/dev/null && return 0; sleep 0.05; done
	return 1
}
# The guest let go (c), then asleep in HLT: its vCPU is inside KVM_RUN until COM1 wakes it.
hold_running() { pkt c >&3 && wait_for 10 GUEST-HOLD && sleep 0.3; }
# A byte on COM1: the guest wakes and exits through isa-debug-exit with 0 (status 1).
hold_release() { printf x >&8 && exec 8>&- && vmm_ends 10 && [ "$VST" = 1 ] && has GUEST-RELEASED; }

# D while the guest sleeps: the stub stops the machine to take its debugging out (a vCPU
# ioctl on a vCPU inside KVM_RUN would wait for it forever), answers OK, and the VM runs on.
t_detach_idle() {
	vmm_hold && hold_connect && hold_running || return 1
	pkt D >&3
	reply && [ "$R" = OK ] || { echo "# D: no OK (${R:-})" >>"$T/err"; exec 3>&-; return 1; }
	exec 3>&-
	wait_for 5 'gdb: disconnected' err && kill -0 "$VPID" && hold_release
}
gcheck "detach while the guest sleeps in HLT: OK at once, the VM runs on and ends normally (status 1)" t_detach_idle

# gdb killed while the guest sleeps: the dropped connection is a detach, which must finish
# (the stub is free again: a second gdb connects and sees the vCPU), and the VM runs on.
t_drop_idle() {
	local gpid
	vmm_hold || return 1
	gdb -batch -nx -ex "target remote 127.0.0.1:$PORT" -ex continue >"$T/gdb" 2>&1 </dev/null &
	gpid=$! # gdb itself, to be killed
	wait_for 10 GUEST-HOLD && sleep 0.3 || { kill "$gpid"; return 1; }
	kill -KILL "$gpid"
	wait "$gpid" 2>/dev/null
	wait_for 5 'gdb: disconnected' err || return 1
	timeout 20 gdb -batch -nx -ex "target remote 127.0.0.1:$PORT" -ex 'info threads' -ex detach \
		>"$T/gdb" 2>&1 </dev/null
	ghas 'Thread 1 .*vCPU 0' && ghas 'Remote target) detached' && hold_release
}
gcheck "gdb killed while the guest sleeps in HLT: the stub detaches, serves the next gdb; the VM ends normally" t_drop_idle

# SIGTERM while gdb holds the machine at a breakpoint: gdb hears the end (X0f), the VMM
# exits at once with SIGTERM's status.
t_sigterm_stopped() {
	local p
	vmm_gdb "$G32" || return 1
	gdb_run "$G32" 'hbreak gdb_add' continue "shell kill -TERM $(vmm_pid)" \
		'shell sleep 1' 'p $pc' &
	p=$!
	vmm_ends 10 || { kill "$p"; return 1; }
	wait "$p"
	[ "$VST" = 143 ] && ghas 'Breakpoint 1, gdb_add' && has 'gdb: disconnected' err || return 1
	# the same by hand, stopped as a debugger connects: the one packet that comes is X0f
	vmm_hold && hold_connect && wait_for 5 'machine is stopped' err || return 1
	kill -TERM "$(vmm_pid)"
	reply && [ "$R" = X0f ] || { echo "# after SIGTERM: ${R:-nothing}" >>"$T/err"; return 1; }
	exec 3>&- 8>&-
	vmm_ends 10 && [ "$VST" = 143 ]
}
gcheck "SIGTERM while stopped at a breakpoint: the VMM ends at once (status 143), gdb is told" t_sigterm_stopped

# A non-loopback address is said once; loopback is not.
# paused_at HOST: the VMM waiting for a debugger on HOST:a port, then SIGTERM
paused_at() {
	timeout 60 "$VMM" --kernel "$G32" --gdb "tcp:$1:$((20000 + RANDOM % 20000))" >"$T/out" \
		2>"$T/err" </dev/null &
	VPID=$!
	wait_for 5 'waiting for a debugger' err && kill -TERM "$(vmm_pid)" && vmm_ends 10 &&
		[ "$VST" = 143 ]
}
t_exposed() {
	paused_at 0.0.0.0 && [ "$(grep -c 'not loopback' "$T/err")" = 1 ] &&
		paused_at 127.0.0.2 && ! has 'not loopback' err
}
gcheck "--gdb tcp:0.0.0.0:PORT warns once that anyone can reach guest memory; 127.0.0.2 does not" t_exposed

# Every thread of the VMM has a name of its own (pthread_setname_np): only the main thread
# is still called as the program ("vmm", which an unnamed thread inherits). A run with all of
# them: 2 vCPUs, --pit user, the RTC, a disk, a serial output queue, debugcon, the stub.
t_thread_names() {
	local p names main
	truncate -s 1M "$T/disk.img"
	vmm_hold --cpus 2 --pit user --disk "$T/disk.img" --debugcon "file:$T/dcon" || return 1
	p=$(vmm_pid)
	for _ in $(seq 50); do [ -n "$(grep -lx vcpu1 /proc/"$p"/task/*/comm 2>/dev/null)" ] && break; sleep 0.1; done
	names=$(for c in /proc/"$p"/task/*/comm; do [ "$c" = "/proc/$p/task/$p/comm" ] || cat "$c"; done | sort | tr '\n' ' ')
	main=$(cat "/proc/$p/comm")
	echo "# threads: $names (main: $main)" >>"$T/err"
	kill -TERM "$p" && vmm_ends 10 && [ "$VST" = 143 ] || return 1
	for want in vcpu0 vcpu1 pit rtc virtio-blk ttyS0-out debugcon-out gdb; do
		case " $names" in *" $want "*) ;; *) echo "# no thread $want" >>"$T/err"; return 1 ;; esac
	done
	case " $names" in *" $main "*) echo "# a thread is still $main" >>"$T/err"; return 1 ;; esac
}
check "every thread is named (vcpuN, pit, rtc, virtio-blk, ttyS0-out, debugcon-out, gdb): none is still vmm" t_thread_names

# A single step, three times from the breakpoint: each stops at the next instruction.
t_stepi() {
	vmm_gdb "$G32" || return 1
	gdb_run "$G32" 'hbreak gdb_add' continue 'p $pc' stepi 'p $pc' stepi 'p $pc' stepi 'p $pc' \
		'set var gdb_verdict = 0' delete continue
	vmm_status
	local pcs
	pcs=$(sed -n 's/^\$[1-4] = .* <gdb_add+\([0-9]*\)>$/\1/p' "$T/gdb" | tr '\n' ' ')
	echo "# stepi: gdb_add+ $pcs" >>"$T/err"
	[ "$(echo $pcs | wc -w)" = 4 ] && ghas 'exited with code 01' && [ "$VST" = 1 ]
}
# watch: the one write to gdb_counter stops the guest with old and new values
t_watch() {
	vmm_gdb "$G32" || return 1
	gdb_run "$G32" 'watch gdb_counter' continue 'p $pc' 'set var gdb_verdict = 0' delete continue
	vmm_status
	ghas 'Hardware watchpoint 1: gdb_counter' && ghas 'Old value = 0' &&
		ghas 'New value = 4726' && ghas 'gdb_add (a=4660, b=66)' && [ "$VST" = 1 ]
}
# 400 single steps from the entry, each one instruction on (gdb-step.py), then to the end
t_step_walk() {
	vmm_gdb "$1" || return 1
	gdb_run "$1" "source $(dirname "$0")/gdb-step.py" 'set var gdb_verdict = 0' continue
	vmm_status
	grep '^STEP-BAD' "$T/gdb" | head -5 | sed 's/^/# /' >>"$T/err"
	ghas '^STEPS 400 BAD 0$' && ghas 'exited with code 01' && [ "$VST" = 1 ]
}
# next: a line at a time, made of single steps (line 23 to 25 of gdbguest.c)
t_next() {
	vmm_gdb "$G64" || return 1
	gdb_run "$G64" 'hbreak gdb_add' continue next 'p sum' next 'p gdb_counter' \
		'set var gdb_verdict = 0' delete continue
	vmm_status
	ghas '^\$1 = 4726$' && ghas '^\$2 = 4726$' && ghas 'exited with code 01' && [ "$VST" = 1 ]
}
gcheck "stepi x3 from a breakpoint: three instructions of gdb_add" t_stepi
gcheck "ELF32: 400 stepi from the entry, each one instruction on" t_step_walk "$G32"
gcheck "ELF64: 400 stepi from the entry, each one instruction on" t_step_walk "$G64"
gcheck "next twice from gdb_add's breakpoint: sum, then gdb_counter, 4726" t_next
if on_kvm_pvm; then
	n=$((n + 1)); echo "ok $n - hardware watchpoint # SKIP kvm_pvm's emulator checks no data breakpoints (docs/gdb.md)"
else
	gcheck "hardware watchpoint on gdb_counter: old 0, new 4726, in gdb_add" t_watch
fi
finish
