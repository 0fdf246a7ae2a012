#!/usr/bin/env python3
"""The gdb stub's single-step round trip: ours against QEMU's, same guest, same run.

usage: gdb-step.py VMM GUEST QEMU [ROUNDS] [STEPS]

Each round starts our VMM (--gdb unix:PATH) and QEMU as its users start it for a debugger
(-enable-kvm -S -gdb unix:PATH: paused, KVM, its defaults otherwise), alternating, and
times STEPS `s` packets on one raw connection from the packet's first byte to the last
byte of its stop reply (`T05...`): what gdb's `stepi` waits for, without gdb's own work.
qSupported and QStartNoAckMode first, as gdb sends them (acks if a stub refuses it). Every round's figures
are printed, then the medians of the rounds and their ratio. Steps run the guest's first
instructions: ours from the ELF's entry, QEMU's from its firmware's reset vector (it boots
SeaBIOS before the multiboot kernel); on kvm_pvm both are CPL0 code, emulated instruction
by instruction, so both pay the same per step.
"""
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def packet(body):
    return b'$%s#%02x' % (body, sum(body) & 0xff)


def read_packet(sock, buf):
    """One $...#xx packet's body from sock (acks and other noise before it skipped)."""
    while True:
        start = buf.find(b'$')
        end = buf.find(b'#', start + 1) if start >= 0 else -1
        if start >= 0 and end >= 0 and len(buf) >= end + 3:
            body = bytes(buf[start + 1:end])
            del buf[:end + 3]
            return body
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError('the stub closed the connection')
        buf += chunk


def connect(path, timeout=30.0):
    until = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            s.settimeout(30)
            return s
        except OSError:
            s.close()
            if time.monotonic() > until:
                raise
            time.sleep(0.05)


def time_steps(path, steps):
    """Microseconds of each of `steps` single-step round trips on the stub at path."""
    s = connect(path)
    buf = bytearray()
    s.sendall(packet(b'qSupported:multiprocess+;swbreak+;hwbreak+;vContSupported+'))
    read_packet(s, buf)
    s.sendall(b'+' + packet(b'QStartNoAckMode'))
    ack = b'' if read_packet(s, buf) == b'OK' else b'+'  # else acks, as gdb then sends
    s.sendall(b'+' + packet(b'?'))
    read_packet(s, buf)
    s.sendall(ack)
    out = []
    for _ in range(steps):
        t0 = time.perf_counter_ns()
        s.sendall(packet(b's'))
        reply = read_packet(s, buf)
        out.append((time.perf_counter_ns() - t0) / 1000.0)
        if ack:
            s.sendall(ack)
        if not reply.startswith((b'T', b'S')):
            raise RuntimeError('step answered %r' % reply)
    s.sendall(packet(b'k'))
    s.close()
    return out


def run(cmd, path, steps):
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        return time_steps(path, steps)
    finally:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    vmm, guest, qemu = sys.argv[1:4]
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    steps = int(sys.argv[5]) if len(sys.argv) > 5 else 2000
    d = tempfile.mkdtemp(prefix='gdb-step.')
    sock = os.path.join(d, 'sock')
    who = {
        'vmm': [vmm, '--kernel', guest, '--gdb', 'unix:' + sock],
        'qemu': [qemu, '-enable-kvm', '-nographic', '-nodefaults', '-m', '64',
                 '-kernel', guest, '-S', '-gdb', 'unix:%s,server=on,wait=on' % sock],
    }
    med = {k: [] for k in who}
    for r in range(1, rounds + 1):
        line = []
        for name, cmd in who.items():
            if os.path.exists(sock):
                os.unlink(sock)
            us = run(cmd, sock, steps)
            m = statistics.median(us)
            med[name].append(m)
            line.append('%s median %.1f us mean %.1f p99 %.1f' %
                        (name, m, statistics.fmean(us), sorted(us)[int(len(us) * 0.99)]))
        print('round %d (%d steps each): %s' % (r, steps, '; '.join(line)), flush=True)
    v, q = statistics.median(med['vmm']), statistics.median(med['qemu'])
    print('RESULT gdb single-step round trip: ours %.1f us, QEMU %.1f us (medians of %d '
          'rounds); ours/QEMU %.3f' % (v, q, rounds, v / q))
    os.rmdir(d) if not os.listdir(d) else None


if __name__ == '__main__':
    main()
