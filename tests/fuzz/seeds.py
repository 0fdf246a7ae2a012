#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpora of the fuzz targets added with the shared harness (fuzz_guest.h)
and of fuzz_loader and fuzz_unpack: tests/fuzz/corpus_<target>/<seed>. Run it from
anywhere; the files it writes are checked in, so the fuzz suite needs no Python. lz4 and
zstd come from their command-line tools (Debian's lz4 and zstd packages).

A register-access seed is the harness's input: le64 clock start, then 8-byte steps
(u8 op, u8 width code, le16 offset, le32 value); see fuzz_guest.h."""
import gzip
import lzma
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
READ, WRITE, POKE, TIME, RESET, HOST = range(6)
WIDTH = {1: 0, 2: 1, 4: 2, 8: 3}
NS = 10**9


def steps(clock, *ops):
    out = struct.pack('<Q', clock)
    for op, width, off, val in ops:
        out += struct.pack('<BBHI', op, WIDTH[width], off, val & 0xffffffff)
    return out


def w(off, val, width=1):
    return (WRITE, width, off, val)


def r(off, width=1):
    return (READ, width, off, 0)


def t(ns):
    return (TIME, 1, 0, ns)


def host(val=0):
    return (HOST, 1, 0, val)


def poke(gpa, val):
    return (POKE, 4, gpa // 4, val)


def write(target, name, data):
    d = os.path.join(HERE, 'corpus_' + target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def serial():
    # Linux's 8250 probe and set-up: scratch, DLAB and the divisor, FIFOs, interrupts.
    probe = [w(7, 0x55), r(7), w(3, 0x80), w(0, 1), w(1, 0), w(3, 0x03), w(2, 0xc7),
             r(2), w(4, 0x0b), w(1, 0x0f), r(2), r(5), r(6)]
    probe += [w(0, c) for c in b'hello\n'] + [r(2), r(5), w(1, 0x01), (RESET, 1, 0, 0), r(2)]
    write('serial', 'linux-probe', steps(0, *probe))
    # The host types more than the 16-byte FIFO holds: overrun, then the guest drains it.
    rx = [w(1, 0x05), w(2, 0x01)] + [host(0xc0414243)] * 6 + [r(5), r(2)]
    rx += [r(0)] * 18 + [r(5), r(2), w(0, 0x41, 2), r(0, 4)]
    write('serial', 'rx-overrun', steps(0, *rx))


def rtc():
    def reg(i, v):
        return [w(0, i), w(1, v)]

    def get(i):
        return [w(0, i), r(1)]

    read = []
    for i in (0x0a, 0, 2, 4, 6, 7, 8, 9, 0x32, 0x0b, 0x0d, 0x10, 0x34, 0x35):
        read += get(i)
    write('rtc', 'linux-read', steps(1700000000 * NS, *(read + [t(NS), host()] + read)))
    # 1024 Hz periodic, the alarm every second ("don't care" bytes), update interrupts.
    per = reg(0x0a, 0x26) + reg(0x0b, 0x72) + reg(1, 0xff) + reg(3, 0xff) + reg(5, 0xff)
    for _ in range(4):
        per += [t(600000000), host()] + get(0x0c)
    per += reg(0x0a, 0x20) + reg(0x0b, 0x72) + [(RESET, 1, 0, 0)] + get(0x0c)
    write('rtc', 'periodic-alarm', steps(4102444799 * NS, *per))
    # The guest sets 1800-01-01 while the host clock says 2100: the offset between them is
    # more than an int64 of nanoseconds holds (the bug this seed was made for).
    old = reg(0x0b, 0x82) + reg(0x32, 0x18) + reg(9, 0x00) + reg(8, 0x01) + reg(7, 0x01)
    old += reg(4, 0) + reg(2, 0) + reg(0, 0) + reg(0x0b, 0x12) + reg(0x0a, 0x26)
    old += [t(NS), host()] + get(0) + get(0x32) + get(0x0c)
    write('rtc', 'year-1800-host-2100', steps(4102444800 * NS, *old))


def pit():
    # Linux's PIT calibration on channel 2 (gate through port 0x61), then HZ on channel 0.
    cal = [w(0x21, 0x01), w(3, 0xb0), w(2, 0xff), w(2, 0xff), r(0x21)]
    for _ in range(4):
        cal += [t(20000000), r(0x21), w(3, 0x80), r(2), r(2)]
    cal += [w(3, 0x34), w(0, 0x9b), w(0, 0x2e)]
    for _ in range(4):
        cal += [t(10000000), host(), w(3, 0x00), r(0), r(0)]
    cal += [w(3, 0xe2), r(0), r(0), r(0), r(0x21, 2)]
    write('pit', 'linux-calibrate', steps(123456789, *cal))
    # Every mode on channel 0 with count 1 (the minimum period), BCD, read-back, LSB only.
    modes = []
    for mode in range(8):
        modes += [w(3, 0x30 | mode << 1), w(0, 1), w(0, 0), t(100000), host(), r(0)]
    modes += [w(3, 0x11), w(0, 0x99), w(3, 0xd2), r(0), r(0), w(3, 0x36), w(0, 0, 2),
              t(300000), host(), (RESET, 1, 0, 0), host(), r(0, 4)]
    write('pit', 'modes', steps(1 << 40, *modes))


def power():
    # ACPI's poweroff and reset as Linux writes them, and the wake status cleared.
    off = [r(0), r(1), host(0x80), r(1), w(1, 0x80), r(1), w(0, 0x14), w(0, 0x34),
           w(4, 0x02), w(4, 0x01), r(4), r(0, 2)]
    write('power', 'poweroff', steps(0, *off))
    # 16-bit accesses to the pair: SLP_EN with S5 in the low byte, status cleared in the high.
    word = [host(0x80), r(0, 2), w(0, 0x8000, 2), r(0, 2), host(0x80), w(0, 0x8034, 2),
            r(0, 2), w(4, 0x0101, 2), r(4, 4)]
    write('power', 'word-writes', steps(0, *word))


def virtio_mmio():
    # A virtio-blk driver: probe, negotiate VERSION_1, queue 0 in RAM, one 512-byte read.
    desc, avail, used = 0x1000, 0x2000, 0x3000
    ops = [r(0, 4), r(4, 4), r(8, 4), r(0xc, 4), w(0x70, 0, 4), w(0x70, 1, 4), w(0x70, 3, 4),
           w(0x14, 0, 4), r(0x10, 4), w(0x14, 1, 4), r(0x10, 4), w(0x24, 1, 4), w(0x20, 1, 4),
           w(0x24, 0, 4), w(0x20, 0, 4), w(0x70, 0xb, 4), r(0x70, 4), w(0x30, 0, 4),
           r(0x34, 4), w(0x38, 8, 4), w(0x80, desc, 4), w(0x84, 0, 4), w(0x90, avail, 4),
           w(0x94, 0, 4), w(0xa0, used, 4), w(0xa4, 0, 4), w(0x44, 1, 4), r(0x44, 4),
           w(0x70, 0xf, 4), r(0x100, 8), r(0x108, 4), r(0xfc, 4)]
    # desc 0: the 16-byte header (an IN at sector 0), 1: 512 bytes in, 2: the status byte
    for i, (addr, ln, flags, nxt) in enumerate([(0x4000, 16, 1, 1), (0x5000, 512, 3, 2),
                                                (0x6000, 1, 2, 0)]):
        base = desc + 16 * i
        ops += [poke(base, addr), poke(base + 4, 0), poke(base + 8, ln),
                poke(base + 12, flags | nxt << 16)]
    ops += [poke(avail, 1 << 16), poke(avail + 4, 0), w(0x50, 0, 4), t(1000000), r(0x60, 4),
            w(0x64, 1, 4), host(0), r(0x60, 4), w(0x64, 3, 4), host(1), r(0xfc, 4),
            w(0x70, 0, 4), r(0x70, 4)]
    write('virtio_mmio', 'blk-read', steps(0, *ops))


def bzimage(payload, setup_sects=1, extra=None):
    """A bzImage of boot protocol 2.15: setup_sects + 1 sectors, then payload."""
    setup = bytearray(512 * (setup_sects + 1))
    struct.pack_into('<B', setup, 0x1f1, setup_sects)
    struct.pack_into('<H', setup, 0x1fe, 0xaa55)
    setup[0x200:0x202] = b'\xeb\x6a'  # the jump over the header, to 0x26c
    setup[0x202:0x206] = b'HdrS'
    struct.pack_into('<H', setup, 0x206, 0x20f)
    struct.pack_into('<B', setup, 0x211, 0x01)  # LOADED_HIGH
    struct.pack_into('<I', setup, 0x22c, 0x7fffffff)  # initrd_addr_max
    struct.pack_into('<I', setup, 0x230, 0x200000)  # kernel_alignment
    struct.pack_into('<H', setup, 0x236, 0x03)  # XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G
    struct.pack_into('<I', setup, 0x238, 2047)  # cmdline_size
    struct.pack_into('<Q', setup, 0x258, 0x1000000)  # pref_address
    struct.pack_into('<I', setup, 0x260, 0x20000)  # init_size
    for off, fmt, v in extra or []:
        struct.pack_into(fmt, setup, off, v)
    return bytes(setup) + payload


def pvh_elf():
    """An ELF32 with one PT_LOAD at 1 MiB and the Xen PHYS32_ENTRY note."""
    note = struct.pack('<III', 4, 4, 18) + b'Xen\0' + struct.pack('<I', 0x100000)
    code = b'\xb0\x00\xe6\xf4\xf4' + b'\0' * 11  # mov al,0; out 0xf4,al; hlt
    ehsize, phsize = 52, 32
    code_off = ehsize + 2 * phsize
    note_off = code_off + len(code)
    eh = b'\x7fELF\x01\x01\x01' + b'\0' * 9
    eh += struct.pack('<HHIIIIIHHHHHH', 2, 3, 1, 0x100000, ehsize, 0, 0, ehsize, phsize, 2,
                      0, 0, 0)
    load = struct.pack('<IIIIIIII', 1, code_off, 0x100000, 0x100000, len(code), 0x2000, 5,
                       0x1000)
    pnote = struct.pack('<IIIIIIII', 4, note_off, 0, 0, len(note), len(note), 4, 4)
    return eh + load + pnote + code + note


def loader():
    rd = bytes(range(64))
    write('loader', 'bzimage-initrd', struct.pack('<H', len(rd)) +
          bzimage(b'\x90' * 512) + rd)
    write('loader', 'pvh-initrd', struct.pack('<H', len(rd)) + pvh_elf() + rd)


def tool(cmd, data):
    return subprocess.run(cmd, input=data, stdout=subprocess.PIPE, check=True).stdout


def unpack():
    # The vmlinux: an ELF magic and 8 KiB that compress, as unpack.c's callers expect.
    elf = b'\x7fELF' + bytes((i // 64) & 0xff for i in range(8192 - 4))
    streams = {
        'gzip': gzip.compress(elf, 1, mtime=0),
        'xz': lzma.compress(elf, lzma.FORMAT_XZ, check=lzma.CHECK_CRC32, preset=1),
        'lzma': lzma.compress(elf, lzma.FORMAT_ALONE, preset=1),
        'lz4': tool(['lz4', '-l', '-c', '-1'], elf),
        'zstd': tool(['zstd', '-c', '-1', '-q'], elf),
    }
    for name, s in streams.items():
        payload = b'\0' * 0x40 + s + struct.pack('<I', len(elf))  # size_append
        write('unpack', name, bzimage(payload, extra=[(0x248, '<I', 0x40),
                                                      (0x24c, '<I', len(s) + 4)]))


if __name__ == '__main__':
    for gen in (serial, rtc, pit, power, virtio_mmio, loader, unpack):
        gen()
    sys.exit(0)
