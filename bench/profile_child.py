"""CPU of one served terminal's app process, per thread: idle, and per scan in Look-up.

Runs what ``scanner-tui serve`` runs for a terminal (``scanner_tui.serve.child``: the kept
app, Textual's real terminal driver) in a 40x16 pseudo-terminal against a demo SQLite store,
signs in, opens Look-up, then measures each thread's CPU (``/proc/PID/task/TID/schedstat``)
over ``--idle`` seconds doing nothing, and over ``--scans`` scans (bins and units
alternating, as in ``bench_serve.py``) sent as one write each at ``--pace``. Threads
are named in the child (``textual-input``, ``scan-pipeline``...), the UI thread is ``ui``.

    .venv/bin/python bench/profile_child.py [--idle 30] [--scans 60] [--pace 0.5] [--root DIR]
        [--profile OUT]

``--root DIR``: run the app code found in DIR (e.g. an older commit unpacked with
``git archive``), with this checkout's bench and interpreter.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODES = (b"A01-A-01", b"AT00000001", b"A01-B-02", b"AT00000002", b"A01-A-02", b"AT00000003")
TICK = "✔ ".encode()


def child(root: str, argv: list[str]) -> None:
    """In the app process: name every thread for /proc (``comm``), then run the app. With
    ``PROFILE_CHILD=OUT``, SIGUSR1 starts cProfile on the UI thread, SIGUSR2 writes OUT."""
    import ctypes

    sys.path.insert(0, root)
    if out := os.environ.get("PROFILE_CHILD"):
        import cProfile
        import signal

        profile = cProfile.Profile(time.thread_time)  # CPU, not time waiting for the GIL
        signal.signal(signal.SIGUSR1, lambda *_: profile.enable())
        signal.signal(signal.SIGUSR2, lambda *_: (profile.disable(), profile.dump_stats(out)))
    libc = ctypes.CDLL(None)
    libc.prctl(15, b"ui")  # PR_SET_NAME of the main thread
    start = threading.Thread._bootstrap_inner  # type: ignore[attr-defined]

    def named(self: threading.Thread) -> None:
        libc.prctl(15, self.name[:15].encode())
        start(self)

    threading.Thread._bootstrap_inner = named  # type: ignore[attr-defined]
    from scanner_tui.serve.child import main

    sys.exit(main(argv))


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds so far of each thread of ``pid``, by name (threads of one name added):
    the scheduler's run time (``schedstat``, nanoseconds; ``stat`` counts 10 ms ticks)."""
    out: dict[str, float] = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            name = Path(f"/proc/{pid}/task/{tid}/comm").read_text().strip()
            ran = int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[0])
        except OSError:
            continue
        out[name] = out.get(name, 0.0) + ran / 1e9
    return out


def less(after: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    return {k: v - before.get(k, 0.0) for k, v in after.items()}


class Pty:
    """The app on a 40x16 pseudo-terminal; what it wrote, kept whole."""

    def __init__(self, root: str, config: Path) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 16, 40, 0, 0))
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        env.update(TERM="xterm-256color", TEXTUAL_ANIMATIONS="none")
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--child", root, "--terminal", "T1", "--config",
             str(config)], stdin=slave, stdout=slave, stderr=slave, env=env,
            start_new_session=True, preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
        os.close(slave)
        self.master = master
        self.buf = bytearray()

    def pump(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if select.select([self.master], [], [], left)[0]:
                self.buf.extend(os.read(self.master, 65536))

    def wait(self, marker: bytes, since: int, timeout: float = 60.0) -> None:
        end = time.monotonic() + timeout
        while marker not in self.buf[since:]:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{marker!r} never came")
            if select.select([self.master], [], [], left)[0]:
                self.buf.extend(os.read(self.master, 65536))

    def send(self, data: bytes, marker: bytes, timeout: float = 60.0) -> float:
        """Write ``data`` in one go; seconds until ``marker`` showed."""
        at = len(self.buf)
        t = time.monotonic()
        os.write(self.master, data)
        self.wait(marker, at, timeout)
        return time.monotonic() - t

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self.master)


def report(title: str, cpu: dict[str, float], per: float, unit: str) -> None:
    total = sum(cpu.values())
    parts = "  ".join(f"{k} {v / per * 1000:.2f}" for k, v in sorted(cpu.items(),
                                                                   key=lambda kv: -kv[1]) if v)
    print(f"{title}: total {total / per * 1000:.2f} ms{unit}  ({parts})", flush=True)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=float, default=30.0, help="seconds measured idle")
    parser.add_argument("--scans", type=int, default=60)
    parser.add_argument("--pace", type=float, default=0.5, help="seconds between scans")
    parser.add_argument("--root", default=str(ROOT), help="where the app code is")
    parser.add_argument("--profile", metavar="OUT",
                        help="cProfile the UI thread over the scans into OUT")
    args = parser.parse_args()
    if args.profile:
        os.environ["PROFILE_CHILD"] = args.profile
    tmp = Path(tempfile.mkdtemp(prefix="profile-child-"))
    config = tmp / "host.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp / "store.db"}"\n')
    env = {**os.environ, "PYTHONPATH": args.root}
    subprocess.run([sys.executable, "-c", "from scanner_tui.cli import main; main()", "demo",
                    "--config", str(config)],
                   check=True, capture_output=True, env=env, cwd=args.root)
    app = Pty(args.root, config)
    try:
        app.wait(b"Scan your badge", 0, 120)
        app.send(b"OP-0001\r", b"scan a card")
        app.send(b"5", b"to look it up")
        for code in CODES * 2:  # warm: every code seen once, caches filled
            app.send(code + b"\r", TICK + code)
        app.pump(3.0)
        pid = app.proc.pid
        before = thread_cpu(pid)
        t0 = time.monotonic()
        app.pump(args.idle)
        idle = less(thread_cpu(pid), before)
        idle_wall = time.monotonic() - t0
        report(f"idle {idle_wall:.0f} s", idle, idle_wall, "/s")
        if args.profile:
            os.kill(pid, signal.SIGUSR1)
        before, t0, latencies = thread_cpu(pid), time.monotonic(), []
        for i in range(args.scans):
            code = CODES[i % len(CODES)]
            latencies.append(app.send(code + b"\r", TICK + code))
            app.pump(args.pace)
        busy, wall = less(thread_cpu(pid), before), time.monotonic() - t0
        if args.profile:
            os.kill(pid, signal.SIGUSR2)
            app.pump(1.0)
        report(f"{args.scans} scans", busy, args.scans, " a scan")
        rates = {k: idle.get(k, 0.0) / idle_wall * wall for k in busy}
        report("less idle", {k: max(0.0, v - rates[k]) for k, v in busy.items()}, args.scans,
               " a scan")
        latencies.sort()
        print(f"answer on screen: p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, "
              f"max {latencies[-1] * 1000:.1f} ms (load {os.getloadavg()[0]:.1f})")
    finally:
        app.close()


if __name__ == "__main__":
    main()
