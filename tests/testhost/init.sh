#!/bin/sh
# /init of the L1 test host (busybox sh; baked into the cached base image by build.sh).
# Loads kvm + kvm-amd, checks /dev/kvm, then runs every scenario listed in /t/scenarios.list
# (one "name path timeout" per line, appended per run by run.sh) one by one, and reports:
#   [name] <scenario output line>                          for every output line
#   TESTHOST-RESULT <name> PASS|FAIL <exit code> <seconds>  exactly once per scenario
#   TESTHOST-DONE <passed> passed, <failed> failed          at the end, then powers off
# Other markers: TESTHOST-BOOTED <uptime>, TESTHOST-KVM-READY <uptime>, TESTHOST-START <name>,
# TESTHOST-FATAL <reason> (no DONE line follows), TESTHOST-ALIVE <uptime> every 20 s,
# TESTHOST-TEXT <address of the kernel's _text> (KASLR), TESTHOST-SYM <+offset>
# <symbol+offset> for each th_syms= entry.
/bin/busybox mount -t proc proc /proc
export PATH=/t/bin:/bin:/sbin:/usr/bin:/usr/sbin:/t
read -r up _ < /proc/uptime
echo "TESTHOST-BOOTED $up"
text=$(awk '$3 == "_text" { print $1; exit }' /proc/kallsyms)   # moved by KASLR every boot
echo "TESTHOST-TEXT $text"
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts 2>/dev/null
mount -t tmpfs tmpfs /dev/shm 2>/dev/null
ip link set lo up 2>/dev/null
hostname testhost

fatal() {
    echo "TESTHOST-FATAL $*"
    dmesg | grep -iE 'kvm|svm|bug|oops' | tail -20 | sed 's/^/[kmsg] /'
    sync; poweroff -f; sleep 10; reboot -f
}

# Module parameters from the kernel command line (run.sh's kvm_amd.npt=, TH_APPEND): modprobe would
# pass them on, busybox insmod does not, so we do.
for m in $(cat /kvm/order); do                # build.sh wrote it from modules.dep
    opts=$(tr ' ' '\n' </proc/cmdline | sed -n "s/^$(echo $m | tr - _)\.//p")
    out=$(insmod "/kvm/$m.ko" $opts 2>&1) || echo "TESTHOST-INSMOD-FAIL $m: $out"
done
[ -c /dev/kvm ] || fatal "no /dev/kvm after insmod kvm-amd (does the CPU model have svm?)"
read -r up _ < /proc/uptime
echo "TESTHOST-KVM-READY $up $(grep -c svm /proc/cpuinfo) cpus with svm, kvm_amd npt=$(cat /sys/module/kvm_amd/parameters/npt 2>/dev/null)"

# run.sh --interactive: one script on the console (a person typing), then power off.
if [ -f /t/interactive.sh ]; then
    echo "TESTHOST-INTERACTIVE"
    cd /t && setsid cttyhack sh /t/interactive.sh
    sync; poweroff -f; sleep 10; reboot -f
fi

# per-run settings from run.sh (TH_SCENARIO_TIMEOUT), then the scenario list
# shellcheck disable=SC1091
[ -f /t/run.conf ] && . /t/run.conf
[ -f /t/scenarios.list ] || fatal "no /t/scenarios.list (run.sh appends it)"

# Heartbeat: run.sh takes a console silent for minutes for a wedged test host.
(while :; do sleep 20; echo "TESTHOST-ALIVE $(cut -d' ' -f1 /proc/uptime)"; done) &

# From run.sh:
#   th_boot=N         the how-manieth boot of this run (1 first)
#   th_only=A,B,...   run only these scenarios (of the list, in its order): the ones a wedged
#                     or dead boot did not finish, or that failed in an earlier boot
#   th_syms=+OFF,...  name the kernel functions the stuck vCPUs were in; OFF is from _text
#                     of the wedged boot (TESTHOST-TEXT); KASLR moved this one, same kernel
only=; syms=
for a in $(cat /proc/cmdline); do
    case "$a" in
        th_only=*) only=",${a#th_only=}," ;;
        th_syms=*) syms=$(echo "${a#th_syms=}" | tr , ' ') ;;
    esac
done
for off in $syms; do
    rip=$(printf '%016x' $((0x$text + 0x${off#+})))
    awk -v a="$rip" '$2 ~ /^[tTwW]$/ && $1 <= a && $1 > b { b = $1; n = $3 }
        END { print b, n }' /proc/kallsyms | {
        read -r base name
        echo "TESTHOST-SYM $off ${name:-?}+0x$(printf '%x' $((0x$rip - 0x${base:-0})))"
    }
done

centis() { read -r u _ < /proc/uptime; echo "${u%.*}${u#*.}"; }   # uptime in 1/100 s

pass=0; fail=0
cd /t || fatal "no /t"
while read -r name path tmo; do
    [ -n "$name" ] || continue
    case "${only:-,$name,}" in *",$name,"*) ;; *) continue ;; esac
    echo "TESTHOST-START $name"
    s=$(centis)
    # setsid: the scenario and everything it starts form one process group, killed at the
    # end, so a timed-out scenario leaves no stray VMM behind. (busybox timeout execs the
    # program in place, so $! is the group's id.)
    (
        cd /t && setsid timeout -s TERM -k 5 "$tmo" sh "$path" </dev/null 2>&1 &
        p=$!
        wait "$p"; rc=$?
        kill -KILL -- "-$p" 2>/dev/null
        echo "$rc" > /tmp/.rc
    ) 2>&1 | sed "s|^|[$name] |"
    rc=$(cat /tmp/.rc 2>/dev/null || echo 255)
    rm -f /tmp/.rc
    e=$(centis)
    secs=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.2f", (e - s) / 100 }')
    if [ "$rc" -eq 0 ]; then
        res=PASS; pass=$((pass + 1))
    else
        res=FAIL; fail=$((fail + 1))
        [ "$rc" -eq 143 ] || [ "$rc" -eq 137 ] && echo "[$name] (timed out after ${tmo}s)"
    fi
    echo "TESTHOST-RESULT $name $res $rc $secs"
    [ -c /dev/kvm ] || fatal "lost /dev/kvm after scenario $name"
    cd /t || fatal "no /t"
done < /t/scenarios.list

echo "TESTHOST-DONE $pass passed, $fail failed"
sync
poweroff -f
sleep 10
reboot -f
