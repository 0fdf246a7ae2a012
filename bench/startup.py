#!/usr/bin/env python3
"""Start-up benchmark: ours vs QEMU microvm on the same tiny PVH guest.

For each launch: time from exec to the first byte the guest writes to its
serial port, and peak RSS beyond the guest RAM the guest actually touched
(VmHWM minus the resident size of the guest-RAM mapping). Alternates the two
VMMs so both see the same machine state.

usage: startup.py VMM GUEST.elf [ROUNDS]
"""
import os, subprocess, sys, time

MEM_MB = 256
QEMU = ["qemu-system-x86_64", "-M", "microvm", "-accel", "kvm",
        "-cpu", "host,-arch-capabilities", "-m", f"{MEM_MB}M", "-smp", "1",
        "-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio",
        "-no-reboot"]


def guest_ram_rss_kb(pid):
    """Rss of the mapping that holds guest RAM: the anonymous one at least MEM_MB long."""
    best, cur_size = 0, 0
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            parts = line.split()
            if "-" in parts[0] and len(parts) >= 5:
                lo, hi = (int(x, 16) for x in parts[0].split("-"))
                cur_size = hi - lo
            elif parts[0] == "Rss:" and cur_size >= MEM_MB << 20:
                best = max(best, int(parts[1]))
    return best


def hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def launch(argv):
    t0 = time.perf_counter()
    # bufsize=0: a buffered read(1) could swallow the whole line we then wait for.
    p = subprocess.Popen(argv, bufsize=0, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL)
    first = p.stdout.read(1)
    t_first = time.perf_counter() - t0
    buf = first
    while b"GUEST-ECHO-READY" not in buf:  # the guest now waits for input: still alive
        chunk = os.read(p.stdout.fileno(), 4096)
        if not chunk:
            break
        buf += chunk
    extra = hwm_kb(p.pid) - guest_ram_rss_kb(p.pid)
    if p.poll() is not None:
        raise SystemExit("startup.py: the VMM exited before it could be measured")
    p.kill()
    p.wait()
    return t_first, extra


def main():
    vmm, guest = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    cmd = {"vmm": [vmm, "--kernel", guest, "--mem", f"{MEM_MB}M", "--cmdline", "action=echo"],
           "qemu": QEMU + ["-kernel", guest, "-append", "action=echo"]}
    res = {k: [] for k in cmd}
    for _ in range(rounds):
        for who in ("vmm", "qemu"):
            res[who].append(launch(cmd[who]))
            print(f"{who:5s} first-byte {res[who][-1][0]*1e3:8.2f} ms  "
                  f"rss-beyond-guest {res[who][-1][1]/1024:6.2f} MiB", flush=True)
    med = lambda xs: sorted(xs)[len(xs) // 2]
    v_t, q_t = med([r[0] for r in res["vmm"]]), med([r[0] for r in res["qemu"]])
    v_m, q_m = med([r[1] for r in res["vmm"]]), med([r[1] for r in res["qemu"]])
    print(f"RESULT first-byte: vmm {v_t*1e3:.2f} ms, qemu {q_t*1e3:.2f} ms, ratio {v_t/q_t:.3f}")
    print(f"RESULT rss-beyond-guest: vmm {v_m/1024:.2f} MiB, qemu {q_m/1024:.2f} MiB, "
          f"ratio {v_m/q_m:.3f} (goal: vmm < 3 MiB)")


if __name__ == "__main__":
    main()
