"""Many terminals, one host: N simulated terminals against ``scanner-tui serve`` on PostgreSQL.

Each terminal is a real SSH client (asyncssh) with a 40x16 pty, signed in with its own badge,
in Look-up, sending scans as bursts (payload + CR in one write) at floor pace. Measured:
scans/s, p50/p99 from the last key of a scan to its answer ("✔ CODE") in that terminal's
output, memory per session (PSS and RSS of the app processes), CPU per scan (the host: serve
and its app processes; PostgreSQL separately), and lost/doubled scans (journal vs sent).

    .venv/bin/python bench/bench_serve.py --terminals 1 10 50 --scans 20 --pace 2.0
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncssh

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from benchlib import pct  # noqa: E402

from tests.postgres_server import PostgresServer  # noqa: E402
from tests.test_serve_ssh import free_port, wait_port  # noqa: E402

BIN = Path(sys.executable).parent / "scanner-tui"
TICK = "✔ ".encode()
CODES = [b"A01-A-01", b"AT00000001", b"A01-B-02", b"AT00000002", b"A01-A-02", b"AT00000003"]
CLK = os.sysconf("SC_CLK_TCK")


class BenchPostgres(PostgresServer):
    """The test server, with room for a connection pool per app process."""

    def start(self) -> str:
        if self.as_root:
            import shutil

            shutil.chown(self.root, "postgres", "postgres")
        self._run(self.initdb, "-D", str(self.data), "-U", "scanner", "--auth=trust", "-E",
                  "UTF8", "--no-sync")
        self._run(self.pg_ctl, "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-o",
                  f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
                  "-c max_connections=600 -c shared_buffers=64MB", "start")
        return self.url("postgres")


def proc_children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (the fork server's app processes are grandchildren)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def app_pids(serve_pid: int) -> list[int]:
    """The terminals' app processes: the fork server's children (or, with ``fork = false``,
    serve's own children), never the fork server or multiprocessing's resource tracker."""
    out = []
    for pid in proc_children(serve_pid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        if b"resource_tracker" in cmdline:
            continue
        if ppid == serve_pid and b"forkserver" in cmdline:
            continue  # the fork server itself
        out.append(pid)
    return out


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / CLK


def memory_kib(pid: int) -> tuple[int, int, int]:
    """(PSS, RSS, USS) of one process, KiB. USS: its private pages (what one more session
    costs); PSS adds its share of the pages it shares with the fork server and the others."""
    pss = rss = uss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
            elif line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith(("Private_Clean:", "Private_Dirty:")):
                uss += int(line.split()[1])
    except OSError:
        pass
    return pss, rss, uss


def memory_mib(pids: list[int]) -> dict[str, float]:
    """Mean PSS, RSS and USS of ``pids``, MiB (``memory_kib``)."""
    mem = [memory_kib(p) for p in pids]
    n = max(1, len(mem)) * 1024
    return {"pss_mib": sum(m[0] for m in mem) / n, "rss_mib": sum(m[1] for m in mem) / n,
            "uss_mib": sum(m[2] for m in mem) / n}


class Terminal:
    def __init__(self, n: int, port: int, key: str) -> None:
        self.n, self.port, self.key = n, port, key
        self.name = f"T{n:03d}"
        self.badge = f"OP-{1000 + n:04d}"
        self.buf = bytearray()
        self.sent: list[str] = []
        self.latencies: list[float] = []
        self.arrived = asyncio.Event()

    async def _read(self) -> None:
        while True:
            data = await self.proc.stdout.read(65536)
            if not data:
                return
            self.buf.extend(data)
            self.arrived.set()

    async def wait(self, marker: bytes, since: int, timeout: float = 60.0) -> None:
        end = time.monotonic() + timeout
        while marker not in self.buf[since:]:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{self.name}: {marker!r} never came")
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), left)
            except TimeoutError:
                pass

    async def open(self) -> None:
        self.conn = await asyncssh.connect(
            "127.0.0.1", self.port, username=self.name, client_keys=[self.key],
            known_hosts=None)
        self.proc = await self.conn.create_process(term_type="xterm-256color",
                                                   term_size=(40, 16), encoding=None)
        self.reader = asyncio.ensure_future(self._read())
        await self.wait(b"Scan your badge", 0, 120)
        at = len(self.buf)
        self.proc.stdin.write(self.badge.encode() + b"\r")
        self.sent.append(self.badge)
        await self.wait(b"scan a card", at, 120)
        at = len(self.buf)
        self.proc.stdin.write(b"5")  # Look-up
        await self.wait(b"to look it up", at, 120)

    async def work(self, scans: int, pace: float) -> None:
        rng = random.Random(self.n)
        await asyncio.sleep(rng.uniform(0, pace))
        for i in range(scans):
            code = CODES[(i + self.n) % len(CODES)]
            at = len(self.buf)
            self.proc.stdin.write(code + b"\r")  # a burst: one write, one packet
            t = time.monotonic()
            self.sent.append(code.decode())
            await self.wait(TICK + code, at)
            self.latencies.append(time.monotonic() - t)
            await asyncio.sleep(rng.uniform(0.5 * pace, 1.5 * pace))

    async def close(self) -> None:
        self.conn.close()


async def run_n(n: int, scans: int, pace: float, port: int, key: str, serve_pid: int,
                pg_pid: int) -> dict:
    terminals = [Terminal(i, port, key) for i in range(n)]
    for batch in range(0, n, 5):  # connect a few at a time, as a shift starts
        await asyncio.gather(*(t.open() for t in terminals[batch:batch + 5]))
    apps = app_pids(serve_pid)
    pg = [pg_pid, *proc_children(pg_pid)]
    host = [serve_pid, *proc_children(serve_pid)]  # the same processes before and after
    host_cpu0, pg_cpu0 = cpu_seconds(host), cpu_seconds(pg)
    t0 = time.monotonic()
    await asyncio.gather(*(t.work(scans, pace) for t in terminals))
    wall = time.monotonic() - t0
    load = os.getloadavg()[0]
    host_cpu = cpu_seconds(host) - host_cpu0
    pg_cpu = cpu_seconds([pg_pid, *proc_children(pg_pid)]) - pg_cpu0
    mem = memory_mib(apps)
    for t in terminals:
        await t.close()
    lat = [x * 1000 for t in terminals for x in t.latencies]
    total = len(lat)
    return {"n": n, "scans": total, "wall": wall, "rate": total / wall,
            "p50": pct(lat, 50), "p99": pct(lat, 99), "max": max(lat), **mem,
            "host_cpu_ms": host_cpu / total * 1000, "pg_cpu_ms": pg_cpu / total * 1000,
            "load": load, "sent": {t.name: t.sent for t in terminals}}


def check_journal(url: str, sent: dict[str, list[str]]) -> tuple[int, int]:
    """(lost, doubled): journal rows per terminal against what each terminal sent."""
    from scanner_tui.inventory.db import make_engine
    from scanner_tui.inventory.journal import read_journal

    engine = make_engine(url)
    rows = read_journal(engine)
    engine.dispose()
    got: dict[str, list[str]] = {}
    for r in rows:
        got.setdefault(r["terminal"], []).append(r["payload"].rstrip("\r"))
    lost = doubled = 0
    for name, payloads in sent.items():
        seen = got.get(name, [])
        lost += max(0, len(payloads) - len(seen))
        doubled += max(0, len(seen) - len(payloads))
        if seen != payloads and len(seen) == len(payloads):
            lost += 1  # reordered or changed
    return lost, doubled


def add_operators(url: str, count: int) -> None:
    import sqlalchemy as sa

    from scanner_tui.inventory.db import make_engine
    from scanner_tui.inventory.models import Operator

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.insert(Operator.__table__), [
            {"badge": f"OP-{1000 + i:04d}", "name": f"Bench {i}", "role": "picker",
             "active": True} for i in range(count)])
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--scans", type=int, default=20, help="scans per terminal")
    parser.add_argument("--pace", type=float, default=2.0, help="mean seconds between scans")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    pg = BenchPostgres()
    pg.start()
    pg_pid = int((pg.data / "postmaster.pid").read_text().split()[0])
    results = []
    try:
        for n in args.terminals:
            url = pg.create_database(f"serve_{n}")
            port = free_port()
            cfg = tmp / f"host_{n}.toml"
            cfg.write_text(f'[database]\nurl = "{url}"\n\n[serve]\nssh = "127.0.0.1:{port}"\n'
                           f'web = ""\nhost_key = "{tmp / "host_key"}"\n'
                           f'authorized_keys = "{tmp / "authorized_keys"}"\n')
            subprocess.run([str(BIN), "demo", "--config", str(cfg)], check=True,
                           capture_output=True)
            add_operators(url, n)
            key = tmp / "key"
            if not key.exists():
                subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)],
                               check=True)
                (tmp / "authorized_keys").write_text((tmp / "key.pub").read_text())
            serve = subprocess.Popen([str(BIN), "serve", "--config", str(cfg)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     env={**os.environ, "TEXTUAL_ANIMATIONS": "none"})
            try:
                wait_port(port)
                r = asyncio.run(run_n(n, args.scans, args.pace, port, str(key), serve.pid,
                                      pg_pid))
            finally:
                serve.send_signal(signal.SIGTERM)
                serve.wait(30)
            time.sleep(4)  # the app processes end (SIGHUP) and their last writes land
            r["lost"], r["doubled"] = check_journal(url, r.pop("sent"))
            results.append(r)
            print(f"N={n:>3}  {r['scans']:>5} scans  {r['rate']:6.1f} scans/s  "
                  f"p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms  max {r['max']:6.1f} ms  "
                  f"PSS {r['pss_mib']:5.1f} MiB  RSS {r['rss_mib']:5.1f} MiB  "
                  f"USS {r['uss_mib']:5.1f} MiB/session  "
                  f"CPU host {r['host_cpu_ms']:5.1f} ms + PG {r['pg_cpu_ms']:4.1f} ms/scan  "
                  f"lost {r['lost']} doubled {r['doubled']}  (load {r['load']:.1f})", flush=True)
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
