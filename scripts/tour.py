#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The guided tour's outputs: runs the commands of docs/trap-and-emulate.md and rewrites
(--update) or checks (--check) what the page shows they print.

The page holds two kinds of marked block, each a marker line and then a fenced block:

  <!-- source: guest/demos/serial.c -->     the file, without its SPDX line
  <!-- demo: serial -->                     lines "$ COMMAND", each followed by its output
  <!-- demo: virtio may=REGEX -->           the same; output lines matching REGEX may be
                                            there or not (an event KVM makes only sometimes)

A demo's commands run in one bash, in a scratch directory holding `build` (a link to the
build directory) with `vmm` first on PATH, so the page's commands are what a reader types
from the source tree. stdout and stderr are one stream, as on a terminal.

--check compares after normalising what varies from run to run: times (trace timestamps,
ns=, ms, means, shares, the boot timeline), kernel thread ids (tidN), KVM's total exit count
and its halt time (on kvm_pvm a host interrupt during emulated guest code is one exit more).
Lines of one thread (a trace line's THREAD) are compared in order; lines of different
threads may interleave differently, since no order between threads is promised. On a host
whose KVM is not the one the page was made on (<!-- tour: kvm=NAME -->) KVM's own counters
are masked too: they describe that KVM, not this VMM.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

SOURCE = re.compile(r"^<!-- source: (\S+) -->$")
DEMO = re.compile(r"^<!-- demo: (\S+)(?: may=(.*?))? -->$")
KVM_MARK = re.compile(r"^<!-- tour: kvm=(\S+) -->$")
TRACE_THREAD = re.compile(r"^vmm: trace \S+ (\S+) ")

# What varies from run to run, whatever the host: (pattern, replacement).
VARIES = [
    (re.compile(r"^(vmm: trace )\d+\.\d{9}"), r"\1T"),
    (re.compile(r"\bns=\d+"), "ns=N"),
    (re.compile(r"\b\d+\.\d+ ms\b"), "N ms"),
    (re.compile(r"\bmean \d+ ns\b"), "mean N ns"),
    (re.compile(r"\b\d+\.\d%"), "N%"),
    (re.compile(r"\btid\d+\b"), "tidN"),
    (re.compile(r"\bhalt_wait_ns=\d+"), "halt_wait_ns=N"),
    (re.compile(r"(KVM counters: exits=)\d+"), r"\1N"),
    (re.compile(r"of KVM's \d+ exits (\d+) reached the VMM, \d+ KVM"),
     r"of KVM's N exits \1 reached the VMM, N KVM"),
]
TIMELINE = re.compile(r"^vmm: timeline")
# KVM's own counters, masked on another KVM.
KVM_OWN = [
    (re.compile(r"(KVM counters: .*)"), lambda m: re.sub(r"=\d+", "=N", m.group(1))),
    (re.compile(r"of KVM's .*"), "of KVM's ..."),
]


def kvm_flavour():
    for name in ("kvm_pvm", "kvm_intel", "kvm_amd"):
        if os.path.isdir("/sys/module/" + name):
            return name
    return "unknown"


class Block:
    """A marker, its fenced block's opening line, and the lines between the fences."""

    def __init__(self, kind, arg, may, fence, body, start, end):
        self.kind, self.arg, self.may, self.fence = kind, arg, may, fence
        self.body, self.start, self.end = body, start, end


def parse(lines):
    blocks = []
    i = 0
    while i < len(lines):
        m_src, m_demo = SOURCE.match(lines[i]), DEMO.match(lines[i])
        if not (m_src or m_demo):
            i += 1
            continue
        if i + 1 >= len(lines) or not lines[i + 1].startswith("```"):
            sys.exit(f"tour: line {i + 1}: a marker wants a fenced block on the next line")
        j = i + 2
        while j < len(lines) and lines[j] != "```":
            j += 1
        if j == len(lines):
            sys.exit(f"tour: line {i + 2}: the fenced block does not end")
        if m_src:
            blocks.append(Block("source", m_src.group(1), None, lines[i + 1], lines[i + 2:j],
                                i + 2, j))
        else:
            blocks.append(Block("demo", m_demo.group(1), m_demo.group(2), lines[i + 1],
                                lines[i + 2:j], i + 2, j))
        i = j + 1
    return blocks


def source_text(root, path):
    with open(os.path.join(root, path)) as f:
        text = f.read().splitlines()
    return [l for l in text if "SPDX-License-Identifier" not in l]


def commands(block):
    cmds = [l[2:] for l in block.body if l.startswith("$ ")]
    if not cmds:
        sys.exit(f"tour: demo {block.arg}: no '$ ' command in its block")
    return cmds


def run_demo(block, vmm, build, timeout):
    """The block's commands run in order; their output as a terminal would show it."""
    with tempfile.TemporaryDirectory(prefix="tour-") as tmp:
        bindir = os.path.join(tmp, ".bin")
        os.mkdir(bindir)
        os.symlink(os.path.abspath(vmm), os.path.join(bindir, "vmm"))
        os.symlink(os.path.abspath(build), os.path.join(tmp, "build"))
        # each command sees the status of the one before it ($?), not the printf's
        script = ["exec 2>&1", "st_=0"]
        for c in commands(block):
            script.append("printf '%s\\n' " + sh_quote("$ " + c))
            script.append("(exit $st_)")
            script.append(c)
            script.append("st_=$?")
        env = dict(os.environ, PATH=bindir + ":" + os.environ.get("PATH", ""))
        try:
            out = subprocess.run(["bash", "-c", "\n".join(script)], cwd=tmp, env=env,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 timeout=timeout).stdout
        except subprocess.TimeoutExpired:
            sys.exit(f"tour: demo {block.arg}: did not finish in {timeout} s")
    return out.decode(errors="replace").splitlines()


def sh_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def normalise(line, other_kvm):
    if TIMELINE.match(line):
        line = re.sub(r"\b\d+\.\d+\b", "N", line)
    for pat, rep in VARIES:
        line = pat.sub(rep, line)
    if other_kvm:
        for pat, rep in KVM_OWN:
            line = pat.sub(rep, line)
    return line.rstrip()


def streams(lines, may, other_kvm):
    """Each command's lines by thread, normalised, without the lines that may be missing."""
    out, cmd = {}, 0
    for l in lines:
        if l.startswith("$ "):
            cmd += 1
        if may and re.search(may, l):
            continue
        m = TRACE_THREAD.match(l)
        key = (cmd, normalise(m.group(1), False) if m else "-")
        out.setdefault(key, []).append(normalise(l, other_kvm))
    return out


def first_difference(want, got):
    for key in sorted(set(want) | set(got)):
        w, g = want.get(key, []), got.get(key, [])
        for k in range(max(len(w), len(g))):
            a = w[k] if k < len(w) else "(nothing)"
            b = g[k] if k < len(g) else "(nothing)"
            if a != b:
                return (f"command {key[0]}, thread {key[1]}, its line {k + 1}:\n"
                        f"  page: {a}\n  now:  {b}")
    return None


def check_block(root, b, a, other_kvm):
    """None if the block shows what the tree holds and the VMM prints now, else why not."""
    if b.kind == "source":
        return None if source_text(root, b.arg) == b.body else f"{b.arg} is not what the page shows"
    now = run_demo(b, a.vmm, a.build, a.timeout)
    return first_difference(streams(b.body, b.may, other_kvm), streams(now, b.may, other_kvm))


def kvm_usable():
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR))
        return True
    except OSError:
        return False


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vmm", required=True)
    ap.add_argument("--build", required=True, help="the build directory (the demo guests)")
    ap.add_argument("--page", default=os.path.join(root, "docs", "trap-and-emulate.md"))
    ap.add_argument("--only", help="only the demo of this name (and no sources)")
    ap.add_argument("--timeout", type=int, default=60)
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--update", action="store_true")
    mode.add_argument("--check", action="store_true")
    a = ap.parse_args()

    if not kvm_usable():
        if os.environ.get("VMM_TEST_ALLOW_NO_KVM") == "1":
            print("1..0 # SKIP /dev/kvm cannot be opened")
            return 0
        sys.exit("tour: /dev/kvm cannot be opened (VMM_TEST_ALLOW_NO_KVM=1 skips)")
    with open(a.page) as f:
        lines = f.read().split("\n")
    page_kvm = next((m.group(1) for m in map(KVM_MARK.match, lines) if m), None)
    if page_kvm is None:
        sys.exit(f"tour: {a.page} has no '<!-- tour: kvm=NAME -->' line")
    blocks = [b for b in parse(lines)
              if not a.only or (b.kind == "demo" and b.arg == a.only)]
    if a.update:
        for b in reversed(blocks):  # from the end: the line numbers before stay valid
            lines[b.start:b.end] = (source_text(root, b.arg) if b.kind == "source" else
                                    run_demo(b, a.vmm, a.build, a.timeout))
        lines = [KVM_MARK.sub(f"<!-- tour: kvm={kvm_flavour()} -->", l) for l in lines]
        with open(a.page, "w") as f:
            f.write("\n".join(lines))
        return 0

    # --check, as TAP: one test a block
    other_kvm = page_kvm != kvm_flavour()
    failed = 0
    print(f"1..{len(blocks)}")
    if other_kvm:
        print(f"# the page was made on {page_kvm}, this host has {kvm_flavour()}: "
              "KVM's own counters not compared")
    for n, b in enumerate(blocks, 1):
        why = check_block(root, b, a, other_kvm)
        print(f"{'not ok' if why else 'ok'} {n} - {b.kind} {b.arg}")
        if why:
            failed += 1
            print("# " + why.replace("\n", "\n# "))
    if failed:
        print(f"# {failed} of {len(blocks)} blocks differ: scripts/tour.py --update rewrites "
              "them (then read what changed)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
