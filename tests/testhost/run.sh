#!/usr/bin/env bash
# run.sh - boot the L1 test host once (QEMU-TCG, emulated AMD SVM, Debian cloud kernel with
# kvm-amd) and run many scenarios in that one boot.
#
# usage: tests/testhost/run.sh [--vmm PATH] [--qemu] [--file PATH]... [--log FILE] [--quiet]
#                              SCENARIO_DIR_OR_FILE...
#   SCENARIO_DIR   every *.sh in it is a scenario (sorted by name); its other regular files
#                  are copied to /t/ as data
#   SCENARIO.sh    one scenario; its name is the file name without .sh (names must be unique)
#   --vmm PATH     the vmm binary, installed as /t/bin/vmm (on PATH) with its shared libraries
#                  (default: $TH_VMM if set)
#   --qemu         use the base image that carries qemu-system-x86_64 (firmware in /q/fw)
#   --file PATH    extra file for /t/ (binaries get their shared libraries too); repeatable
#   --log FILE     where the full console log goes (default tests/testhost/out/logs/run-*.log)
#   --quiet        do not echo the console; print only RESULT lines and the summary
#   --interactive  run the one SCENARIO.sh on the test host's console, wired to this
#                  terminal (a person at a shell), instead of the scenario runner
#
# Inside the test host each scenario runs as `sh SCENARIO` with cwd /t, stdin /dev/null,
# guest artifacts in /g/, /t/lib.sh available (`. /t/lib.sh`), and a timeout of
# $TH_SCENARIO_TIMEOUT s (default 300), or N from a "# testhost-timeout: N" line in the script.
# The console shows "[name] ..." output lines and per scenario exactly one
#   TESTHOST-RESULT <name> PASS|FAIL <exit code> <seconds>
# then "TESTHOST-DONE <p> passed, <f> failed". A test host whose console stays silent for
# TH_WEDGE s (its heartbeat is every 20 s) is wedged: run.sh logs its vCPUs' registers and
# kills it. A wedged test host, or one whose kernel died (QEMU exited without the DONE line),
# gets another boot for the scenarios that had not finished (the one that was running
# included), and a scenario that failed runs again in a fresh boot (TH_RETRIES times): each
# announced by "RETRY: ...", a pass on a retry reported as "FLAKY: ...". run.sh exits 0 only
# if every scenario's last run reported PASS and no boot lost /dev/kvm; otherwise it prints a
# one-line reason ("testhost: FAIL: ...") and exits 1 (2 for usage errors).
#
# Env: TH_TIMEOUT (900 s, whole run), TH_WEDGE (150 s), TH_SMP (2), TH_MEM (4G),
#      TH_SCENARIO_TIMEOUT (300), TH_RETRIES (2), TH_BOOTS (5, boots in all),
#      TH_VMM, TH_QEMU (the outer qemu-system-x86_64), TH_APPEND (extra L1 kernel args),
#      TH_TCG_THREAD (multi; single turns MTTCG off), TH_CPU (max), TH_NPT (0: the L1's KVM
#      uses shadow paging; 1 nested paging),
#      SKIP_APT_INSTALL, and build.sh's knobs.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2; exit 2; }

vmm="${TH_VMM:-}"; with_qemu=0; logfile=""; quiet=0; interactive=0
files=(); scen_args=()
while (($#)); do
    case "$1" in
        --vmm)   [[ $# -ge 2 ]] || usage; vmm=$2; shift 2 ;;
        --vmm=*) vmm=${1#--vmm=}; shift ;;
        --qemu)  with_qemu=1; shift ;;
        --file)  [[ $# -ge 2 ]] || usage; files+=("$2"); shift 2 ;;
        --log)   [[ $# -ge 2 ]] || usage; logfile=$2; shift 2 ;;
        --quiet) quiet=1; shift ;;
        --interactive) interactive=1; shift ;;
        -h|--help) usage ;;
        --) shift; scen_args+=("$@"); break ;;
        -*) echo "run.sh: unknown option $1" >&2; usage ;;
        *)  scen_args+=("$1"); shift ;;
    esac
done
((${#scen_args[@]})) || { echo "run.sh: no scenarios given" >&2; usage; }

TH_TIMEOUT="${TH_TIMEOUT:-900}"
TH_SMP="${TH_SMP:-2}"
TH_TCG_THREAD="${TH_TCG_THREAD:-multi}" # single: one host thread for all L1 vCPUs (MTTCG off)
TH_CPU="${TH_CPU:-max}"                 # the L1's CPU model (it needs svm)
# The L1's KVM pages its guests with shadow page tables, not nested paging: QEMU 7.2's TCG
# emulation of NPT is what killed guests and the L1 itself under disk load (README.md,
# "Known behaviour"). TH_NPT=1 puts nested paging back.
TH_NPT="${TH_NPT:-0}"
l1_args="kvm_amd.npt=$TH_NPT ${TH_APPEND:-}" # after run.sh's own, on every L1 command line
TH_MEM="${TH_MEM:-4G}"
TH_SCENARIO_TIMEOUT="${TH_SCENARIO_TIMEOUT:-300}"
TH_QEMU="${TH_QEMU:-qemu-system-x86_64}"
th_need qemu-system-x86:qemu-system-x86_64 cpio:cpio gzip:gzip file:file libc-bin:ldd

# 1. collect scenarios: name -> path
declare -A seen=()
scen_names=(); scen_paths=(); data_files=()
add_scenario() {
    local f=$1 name
    name=$(basename "$f"); name=${name%.sh}
    [[ $name =~ ^[A-Za-z0-9._+-]+$ ]] || th_die "bad scenario name '$name' (letters, digits, . _ + - only)"
    [[ -z ${seen[$name]:-} ]] || th_die "duplicate scenario name '$name' ($f and ${seen[$name]})"
    seen[$name]=$f
    scen_names+=("$name"); scen_paths+=("$f")
}
for a in "${scen_args[@]}"; do
    if [[ -d $a ]]; then
        n0=${#scen_names[@]}
        while IFS= read -r -d '' f; do
            case "$f" in *.sh) add_scenario "$f" ;; *) data_files+=("$f") ;; esac
        done < <(find "$a" -maxdepth 1 -type f -print0 | LC_ALL=C sort -z)
        ((${#scen_names[@]} > n0)) || th_die "no *.sh scenarios in $a"
    elif [[ -f $a ]]; then
        add_scenario "$a"
    else
        th_die "no such scenario file or directory: $a"
    fi
done
[[ -z $vmm || -x $vmm ]] || th_die "--vmm $vmm is not an executable file"

# 2. the cached base image (built on first use)
base=$(WITH_QEMU=$with_qemu "$TH_DIR/build.sh")
envf="${base%.cpio*}.env"
# shellcheck source=/dev/null
. "$envf"

# 3. the per-run archive: /t/lib.sh, /t/scenarios/, /t/bin/vmm (+ libs), extra files
work=$(mktemp -d /tmp/testhost-run.XXXXXX)
qpid=""
cleanup() { [[ -n $qpid ]] && kill "$qpid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
root="$work/root"
mkdir -p "$root/t/scenarios" "$root/t/bin"
install -m 0644 "$TH_DIR/lib.sh" "$root/t/lib.sh"
: > "$root/t/scenarios.list"
for i in "${!scen_names[@]}"; do
    name=${scen_names[$i]}; src=${scen_paths[$i]}
    tmo=$(sed -n 's/^# *testhost-timeout: *\([0-9][0-9]*\).*/\1/p' "$src" | head -1)
    install -m 0755 "$src" "$root/t/scenarios/$name.sh"
    echo "$name /t/scenarios/$name.sh ${tmo:-$TH_SCENARIO_TIMEOUT}" >> "$root/t/scenarios.list"
done
for f in ${data_files[@]+"${data_files[@]}"} ${files[@]+"${files[@]}"}; do
    [[ -f $f ]] || th_die "--file $f: no such file"
    cp -L "$f" "$root/t/"
    th_copy_libs "$root" "$f"
done
if [[ -n $vmm ]]; then
    install -m 0755 "$vmm" "$root/t/bin/vmm"
    th_copy_libs "$root" "$vmm"
fi
echo "TH_SCENARIO_TIMEOUT=$TH_SCENARIO_TIMEOUT" > "$root/t/run.conf"
if ((interactive)); then
    ((${#scen_paths[@]} == 1)) || th_die "--interactive takes exactly one script"
    install -m 0755 "${scen_paths[0]}" "$root/t/interactive.sh"
fi
th_cpio "$root" "$work/run.cpio.gz"
# The small per-run archive goes first: the kernel's LZ4 (legacy frame) decoder has no end
# marker and reads to the end of the initrd, so the LZ4 base must be the last archive.
cat "$work/run.cpio.gz" "$base" > "$work/initrd"

# 4a. interactive: the test host's console is this terminal; QEMU passes Ctrl-C on.
if ((interactive)); then
    "$TH_QEMU" -accel "tcg,thread=$TH_TCG_THREAD" -cpu "$TH_CPU" -smp "$TH_SMP" -m "$TH_MEM" -M pc \
        -nodefaults -no-user-config -display none -no-reboot \
        -chardev stdio,id=con,signal=off -serial chardev:con \
        -kernel "$VMLINUZ" -initrd "$work/initrd" \
        -append "console=ttyS0 panic=-1 quiet loglevel=1 $l1_args"
    exit 0
fi

# 4. boot it and follow the console
if [[ -z $logfile ]]; then
    mkdir -p "$TH_OUT/logs"
    logfile="$TH_OUT/logs/run-$(date +%Y%m%d-%H%M%S)-$$.log"
    # keep the 20 newest logs
    find "$TH_OUT/logs" -name 'run-*.log' -printf '%T@ %p\n' | sort -rn | tail -n +21 |
        cut -d' ' -f2- | xargs -r rm -f
fi
: > "$logfile"
nscen=${#scen_names[@]}
th_log "booting test host: $nscen scenario(s), base $(basename "$base"), smp $TH_SMP, mem $TH_MEM, timeout ${TH_TIMEOUT}s"
th_log "console log: $logfile"

ts() { echo "${EPOCHREALTIME}"; }
el() { awk -v a="$1" -v b="$(ts)" 'BEGIN { printf "%.1f", b - a }'; }
t_start=$(ts)
t_kvm=""; booted=0; kvm_ready=0; done_line=""; fatal=""; current=""
wedged=""; rc=0; text_base=""; boot=0
declare -A result=() tries=() firstfail=()   # per scenario: last result, runs, first FAIL's rc

# The test host prints TESTHOST-ALIVE every 20 s from a background loop, whatever the
# scenario does. If the console is silent for TH_WEDGE s (kernel warnings aside), the test host's own kernel is
# stuck (seen once: nested SVM under TCG spinning after a virtio-blk scenario): this
# watchdog dumps the vCPUs' registers into the log and kills QEMU, instead of waiting for
# TH_TIMEOUT. The next boot (th_syms=, offsets from the wedged boot's _text, which its init
# printed) names the functions the RIPs were in, from its /proc/kallsyms (Debian ships no
# System.map; KASLR moves the kernel every boot, hence offsets).
TH_WEDGE="${TH_WEDGE:-150}"
watchdog() {
    local qpid=$1 now last limit
    while kill -0 "$qpid" 2>/dev/null; do
        sleep 5
        # A kernel that has not reached its init after 60 s (it takes 5-10) is stuck too.
        limit=$TH_WEDGE; [[ -e $work/booted ]] || limit=60
        now=$(date +%s); last=$(stat -c %Y "$work/alive")
        ((now - last >= limit)) || continue
        {
            echo "TESTHOST-WEDGED no console output for ${limit}s; vCPU state:"
            python3 "$TH_DIR/monitor.py" "$work/monitor" || true
        } >> "$logfile" 2>&1
        : > "$work/wedged"
        kill "$qpid" 2>/dev/null
        return
    done
}

# boot_host ONLY [EXTRA_APPEND]: boot the test host once to run the scenarios named in ONLY
# (comma-separated, in list order; empty: all), follow the console.
# QEMU's stdout is the L1 serial console. timeout(1) bounds the whole run.
boot_host() {
    local left line show wpid
    left=$(awk -v a="$t_start" -v b="$(ts)" -v t="$TH_TIMEOUT" 'BEGIN { printf "%d", t - (b - a) }')
    ((left > 60)) || left=60
    rm -f "$work/wedged" "$work/monitor" "$work/booted"
    text_base=""; done_line=""; fatal=""; current=""; wedged=""
    boot=$((boot + 1))
    touch "$logfile" "$work/alive" # the watchdog's clock starts now
    exec {qfd}< <(exec timeout -k 10 "$left" "$TH_QEMU" \
        -accel "tcg,thread=$TH_TCG_THREAD" -cpu "$TH_CPU" -smp "$TH_SMP" -m "$TH_MEM" -M pc \
        -nodefaults -no-user-config -display none -serial stdio -no-reboot \
        -monitor "unix:$work/monitor,server=on,wait=off" \
        -kernel "$VMLINUZ" -initrd "$work/initrd" \
        -append "console=ttyS0 panic=-1 quiet th_boot=$boot ${1:+th_only=$1} ${2:-} $l1_args" \
        </dev/null 2>&1)
    qpid=$!
    watchdog "$qpid" & wpid=$!
    while IFS= read -r line <&"$qfd" || [[ -n $line ]]; do
        line=${line%$'\r'}
        printf '%s\n' "$line" >> "$logfile"
        # Alive is anything but the kernel's own complaints: a test host whose CPUs are
        # stuck (soft lockups, RCU stalls: the nested livelock of issue 12) keeps printing
        # those, and nothing else, not even its heartbeat.
        [[ $line =~ ^\[\ *[0-9]+\.[0-9]+\]\  ]] || : > "$work/alive"
        show=$((quiet == 0))
        case "$line" in
            TESTHOST-ALIVE*)     show=0 ;;
            TESTHOST-BOOTED*)    booted=1; : > "$work/booted" ;;
            TESTHOST-KVM-READY*) kvm_ready=1; t_kvm=$(el "$t_start")
                                 th_log "KVM ready $t_kvm s after launch (boot $boot)" ;;
            TESTHOST-START\ *)   current=${line#TESTHOST-START } ;;
            TESTHOST-RESULT\ *)
                read -r _ rname rres rrc _ <<<"$line"
                result[$rname]=$rres; tries[$rname]=$((${tries[$rname]:-0} + 1))
                [[ $rres == PASS || -n ${firstfail[$rname]:-} ]] || firstfail[$rname]=$rrc
                current=""
                ((quiet)) && printf '%s\n' "$line" ;;
            TESTHOST-DONE\ *)    done_line=$line; ((quiet)) && printf '%s\n' "$line" ;;
            TESTHOST-SYM\ *)     ((quiet)) && printf '%s\n' "$line" ;;
            TESTHOST-TEXT\ *)    text_base=${line#TESTHOST-TEXT } ;;
            TESTHOST-FATAL\ *)   fatal=${line#TESTHOST-FATAL }; ((quiet)) && printf '%s\n' "$line" ;;
        esac
        ((show)) && printf '%s\n' "$line"
    done
    exec {qfd}<&-
    rc=0; wait "$qpid" || rc=$?
    qpid=""
    kill "$wpid" 2>/dev/null || true; wait "$wpid" 2>/dev/null || true
    [[ ! -e $work/wedged ]] || wedged=${current:-"(between scenarios)"}
}

# syms_of_wedge: the wedged boot's RIPs as offsets from its kernel's _text (KASLR), if its
# init got to print it, for the next boot to name (th_syms=)
syms_of_wedge() {
    local syms="" rip
    [[ $text_base =~ ^[0-9a-f]{16}$ ]] || return 0
    for rip in $(tac "$logfile" | sed '/^TESTHOST-WEDGED/q' |
                 sed -n 's/^\[wedged\] RIP=\([0-9a-f]*\).*/\1/p' | sort -u); do
        syms+="${syms:+,}+$(printf '%x' $((16#$rip - 16#$text_base)))"
    done
    echo "${syms:+th_syms=$syms}"
}

# The nested test host fails on its own (issue 12: TCG's nested SVM livelocks or faults guests,
# QEMU's as well as ours, and a boot that starts failing keeps failing). So a test-host boot
# is not one verdict:
# - a test host that wedged, or whose own kernel died (QEMU exits: -no-reboot turns its panic
#   or triple fault into an exit), is booted again for the scenarios it had not finished;
# - a scenario that FAILed runs again in a fresh boot, TH_RETRIES (2) times at most.
# Each retry prints "RETRY: ..."; a scenario that passes only on a retry is reported FLAKY
# with its first failure, so a flaky test shows and a repeatable failure still fails.
# TH_BOOTS (5) boots in all, within TH_TIMEOUT.
TH_RETRIES="${TH_RETRIES:-2}"
TH_BOOTS="${TH_BOOTS:-5}"
boot_host ""
while ((boot < TH_BOOTS)); do
    ((rc != 124 && rc != 137)) || break                   # TH_TIMEOUT: no time for more
    [[ -z $fatal ]] || break                              # no /dev/kvm: not the flaky kind
    [[ -n $wedged || -n $done_line ]] || ((kvm_ready)) || break # never came up: not this
    again=(); unfinished=0; refail=()
    for n in "${scen_names[@]}"; do
        if [[ -z ${result[$n]:-} ]]; then again+=("$n"); unfinished=$((unfinished + 1))
        elif [[ ${result[$n]} == FAIL ]] && ((${tries[$n]} <= TH_RETRIES)); then
            again+=("$n"); refail+=("$n")
        fi
    done
    ((${#again[@]})) || break
    left=$(awk -v a="$t_start" -v b="$(ts)" -v t="$TH_TIMEOUT" 'BEGIN { printf "%d", t - (b - a) }')
    ((left > 120)) || { echo "RETRY: not enough of TH_TIMEOUT left (${left}s) to boot again"; break; }
    if ((unfinished)); then
        if [[ -n $wedged ]]; then how="wedged in scenario $wedged"
        else how="died (qemu exit $rc) in scenario ${current:-"(between scenarios)"}"; fi
        echo "RETRY: the test host $how (log: $logfile); booting it again for the" \
             "$unfinished unfinished scenario(s)"
    fi
    ((${#refail[@]})) && echo "RETRY: scenario(s) ${refail[*]} failed; running them again" \
        "in a fresh test-host boot (boot $((boot + 1)) of at most $TH_BOOTS)"
    syms=""; [[ -z $wedged ]] || syms=$(syms_of_wedge)
    boot_host "$(IFS=,; echo "${again[*]}")" "$syms"
done
total=$(el "$t_start")
npass=0; nfail=0; failed_names=()
for n in "${scen_names[@]}"; do
    case "${result[$n]:-}" in
        PASS) npass=$((npass + 1))
              [[ -z ${firstfail[$n]:-} ]] ||
                  echo "FLAKY: $n failed (rc=${firstfail[$n]}) and passed on run ${tries[$n]}" ;;
        FAIL) nfail=$((nfail + 1)); failed_names+=("$n(rc=${firstfail[$n]}, ${tries[$n]} run(s))") ;;
    esac
done

# 5. verdict: every scenario's last run passed, and no boot lost /dev/kvm
reason=""; again=""; ((boot == 1)) || again=" again"
missing=$((nscen - npass - nfail))
if [[ -n $fatal ]]; then
    reason="test host fatal: $fatal"
elif ((missing)); then
    if [[ -n $wedged ]]; then
        reason="test host wedged$again in scenario $wedged (no console output for ${TH_WEDGE}s)"
    elif ((rc == 124 || rc == 137)); then
        reason="timed out after ${TH_TIMEOUT}s (TH_TIMEOUT)${current:+ while running scenario $current}"
    elif ((!booted)); then
        reason="test host never reached its /init (qemu exit $rc; see $logfile)"
    elif ((!kvm_ready)); then
        reason="no TESTHOST-KVM-READY (kvm-amd / /dev/kvm missing)"
    elif [[ -z $done_line ]]; then
        reason="no TESTHOST-DONE line (test host died$again${current:+ in scenario $current}; qemu exit $rc)"
    else
        reason="expected $nscen results, got $((npass + nfail))"
    fi
elif ((nfail)); then
    reason="$nfail scenario(s) failed: ${failed_names[*]}"
fi
th_log "total ${total}s in $boot boot(s) (KVM ready at ${t_kvm:-never}s); log: $logfile"
echo "testhost: $npass passed, $nfail failed"
if [[ -n $reason ]]; then
    if ((quiet)); then
        # the checks that failed (and retries) first: the last lines may not reach them
        grep -E '^\[[^]]+\] (FAIL|RETRY|run_capture)' "$logfile" | head -n 40
        echo "--- last 30 console lines ($logfile) ---"
        tail -n 30 "$logfile"
        echo "---"
    fi
    echo "testhost: FAIL: $reason"
    exit 1
fi
echo "testhost: OK"
