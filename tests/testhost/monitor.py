#!/usr/bin/env python3
"""monitor.py SOCKET: print every vCPU's main registers from a QEMU human monitor listening
on a unix socket. run.sh calls it when the test host stops talking, to record where the
test host's kernel is stuck (the next boot turns the RIPs into symbols: see init.sh)."""
import re
import socket
import sys
import time


def monitor(path, command):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(3)
    s.connect(path)
    s.sendall(command.encode() + b"\n")
    out, end = b"", time.time() + 5
    while time.time() < end:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        out += chunk
    s.close()
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", out.decode(errors="replace"))


def main():
    try:
        text = monitor(sys.argv[1], "info registers -a")
    except OSError as e:
        print(f"[wedged] monitor: {e}")
        return 1
    for line in text.splitlines():
        if line.startswith(("CPU#", "RAX", "RSI", "R8 ", "R12", "RIP", "CS ", "CR0")):
            print(f"[wedged] {line.rstrip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
