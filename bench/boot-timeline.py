#!/usr/bin/env python3
"""Two guests' printk timelines side by side (issue 11: where does the guest's time go).

usage: TIMELINE=1 bench/linux-boot.sh build/vmm | bench/boot-timeline.py [A [B]]
       bench/boot-timeline.py A B < saved-output

Reads the "timeline WHO ROUND: LINE" lines bench/linux-boot/boot-vs-qemu.sh prints with
TIMELINE=1 (WHO: ours, ours_linux, qemu, qemu_pvh; A and B default to ours and qemu). Each
kernel line "[  T] message" is keyed by its message with numbers and addresses masked (a
repeated message gets #2, #3...), /init's "GUEST-INIT-READY <uptime>" is the last key. A key's
time is its median over the rounds that printed it. Between two consecutive keys both guests
printed, each spent some time; the steps where the two differ most are printed, A's excess
first: the place to look for what makes the same kernel work longer on one platform. Each
guest's own longest steps come first; lines only one guest printed are listed last (what one
platform has that the other lacks).
"""
import collections
import re
import statistics
import sys

LINE = re.compile(r"timeline (\S+) (\d+): (.*)$")
KMSG = re.compile(r"^\[\s*(\d+\.\d+)\] (.*)$")
MASK = re.compile(r"0x[0-9a-fA-F]+|[0-9a-fA-F]{8,}|\d+")


def parse(stream):
    """{who: {round: [(key, t, text)]}} in print order."""
    boots = collections.defaultdict(lambda: collections.defaultdict(list))
    seen = collections.defaultdict(collections.Counter)
    nboot = collections.Counter()  # a test host booted again repeats the round numbers
    for raw in stream:
        m = LINE.search(raw.rstrip("\n"))
        if not m:
            continue
        who, rest = m.group(1), m.group(3)
        if rest.startswith("GUEST-INIT-READY "):  # a boot's first line: its log follows
            nboot[(who, m.group(2))] += 1
        rnd = (int(m.group(2)), nboot[(who, m.group(2))])
        k = KMSG.match(rest)
        if k:
            t, text = float(k.group(1)), k.group(2).strip()
        elif rest.startswith("GUEST-INIT-READY "):
            t, text = float(rest.split()[1]), "GUEST-INIT-READY"
        else:
            continue
        base = MASK.sub("N", text)
        seen[(who, rnd)][base] += 1
        n = seen[(who, rnd)][base]
        boots[who][rnd].append((base if n == 1 else f"{base} #{n}", t, text))
    return boots


def medians(rounds):
    """(ordered keys, {key: median t}, {key: text}) over the rounds of one guest."""
    times, text, order = collections.defaultdict(list), {}, []
    for rnd in sorted(rounds):
        for key, t, txt in rounds[rnd]:
            if key not in text:
                text[key] = txt
                order.append(key)
            times[key].append(t)
    med = {k: statistics.median(v) for k, v in times.items()}
    order.sort(key=lambda k: med[k])
    return order, med, text


def aligned(oa, ob):
    """The longest run of keys both guests printed in the same order (their longest common
    subsequence): CPUs and asynchronous initcalls reorder some lines from boot to boot, and
    a step is only measured between lines both printed in this order."""
    ib = {k: i for i, k in enumerate(ob)}
    seq = [ib[k] for k in oa if k in ib]  # B's positions, in A's order: keep the longest rise
    tails, prev, at = [], [-1] * len(seq), []
    for i, v in enumerate(seq):
        lo, hi = 0, len(tails)
        while lo < hi:
            mid = (lo + hi) // 2
            if seq[tails[mid]] < v:
                lo = mid + 1
            else:
                hi = mid
        prev[i] = tails[lo - 1] if lo else -1
        if lo == len(tails):
            tails.append(i)
        else:
            tails[lo] = i
    i = tails[-1] if tails else -1
    while i >= 0:
        at.append(ob[seq[i]])
        i = prev[i]
    return at[::-1]


def main():
    a = sys.argv[1] if len(sys.argv) > 1 else "ours"
    b = sys.argv[2] if len(sys.argv) > 2 else "qemu"
    boots = parse(sys.stdin)
    for who in (a, b):
        if who not in boots:
            sys.exit(f"boot-timeline: no timeline lines of {who!r} (have: {sorted(boots)})")
    oa, ma, ta = medians(boots[a])
    ob, mb, tb = medians(boots[b])
    common = aligned(oa, ob)
    print(f"{a}: {len(boots[a])} boots, {len(oa)} lines; {b}: {len(boots[b])} boots, "
          f"{len(ob)} lines; {len(common)} in both, in the same order")
    for who, m in ((a, ma), (b, mb)):
        if "GUEST-INIT-READY" in m:
            print(f"{who}: guest uptime at /init {m['GUEST-INIT-READY']:.3f} s")
    for who, order, m, text in ((a, oa, ma, ta), (b, ob, mb, tb)):
        # where one guest's time goes, on its own: its longest gaps between consecutive lines
        gaps = sorted(((m[k] - m[p], p, k) for p, k in zip(order, order[1:])), reverse=True)
        print(f"\n{who}'s longest steps (s; from a line to its next line, medians):")
        for gap, prev, key in gaps[:15]:
            print(f"  {gap:7.3f}  {text[prev][:70]}")
            print(f"  {'':7}-> {text[key][:90]}")
    steps = []
    for prev, key in zip(common, common[1:]):
        da, db = ma[key] - ma[prev], mb[key] - mb[prev]
        steps.append((da - db, da, db, prev, key))
    longer_a = [s for s in sorted(steps, reverse=True) if s[0] > 0]
    longer_b = [s for s in sorted(steps) if s[0] < 0]
    for who, rows in ((a, longer_a), (b, longer_b)):
        print(f"\nsteps where {who} spends longer (s: {a}, {b}, difference; from a line to the next"
              " line both printed):")
        for diff, da, db, prev, key in rows[:12]:
            print(f"  {da:7.3f} {db:7.3f} {diff:+7.3f}  {ta[prev][:70]}")
            print(f"  {'':25}-> {ta[key][:90]}")
    for who, order, other, text, m in ((a, oa, mb, ta, ma), (b, ob, ma, tb, mb)):
        only = [k for k in order if k not in other]
        print(f"\nonly {who} printed ({len(only)}):")
        for k in only[:40]:
            print(f"  {m[k]:8.3f}  {text[k][:100]}")


if __name__ == "__main__":
    main()
