"""Browser tabs on ``scanner-tui serve``: time to the first screen and memory per tab, with the
tab's app forked from the fork server (``fork = true``) or a fresh Python (``fork = false``).

Each tab is textual-serve's websocket (what the page speaks; no browser), at 40x16, against one
PostgreSQL store. Tabs open one after another; a tab's start is from the websocket request to
"Scan your badge" in its output; it then signs in with its own badge. With all tabs open:
PSS/RSS/USS of their app processes, as in ``bench_serve.py``.

    .venv/bin/python bench/bench_serve_web.py --tabs 10
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_serve import BIN, BenchPostgres, add_operators, app_pids, memory_mib  # noqa: E402
from benchlib import pct  # noqa: E402

from tests.test_serve_ssh import free_port, wait_port  # noqa: E402
from tests.test_serve_web_fork import Tab  # noqa: E402


def tab_apps(serve_pid: int) -> list[int]:
    """The tabs' app processes (not the shell textual-serve starts a fresh Python with)."""
    return [p for p in app_pids(serve_pid)
            if b"python" in Path(f"/proc/{p}/cmdline").read_bytes().split(b"\0")[0]]


async def open_tabs(port: int, count: int) -> tuple[list[float], aiohttp.ClientSession, list]:
    http = aiohttp.ClientSession()
    starts, sockets = [], []
    for n in range(count):
        url = f"http://127.0.0.1:{port}/ws?terminal=W{n:03d}&width=40&height=16"
        t0 = time.monotonic()
        ws = await http.ws_connect(url)
        tab = Tab(ws)
        await tab.until(b"Scan your badge", 120)
        starts.append((time.monotonic() - t0) * 1000)
        await tab.type(f"OP-{1000 + n:04d}\r")
        await tab.until(b"scan a card", 120)
        sockets.append(ws)
    return starts, http, sockets


def run(url: str, tmp: Path, fork: bool, count: int) -> dict:
    port = free_port()
    cfg = tmp / f"web_{fork}.toml"
    cfg.write_text(f'[database]\nurl = "{url}"\n\n[serve]\nssh = ""\n'
                   f'web = "127.0.0.1:{port}"\nfork = {str(fork).lower()}\n')
    serve = subprocess.Popen([str(BIN), "serve", "--config", str(cfg)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)

        async def measure() -> dict:
            starts, http, sockets = await open_tabs(port, count)
            await asyncio.sleep(2)  # settled
            apps = tab_apps(serve.pid)
            mem = {"tabs": len(apps), **memory_mib(apps)}
            for ws in sockets:
                await ws.close()
            await http.close()
            return {"starts": starts, "mem": mem}

        r = asyncio.run(measure())
    finally:
        serve.send_signal(signal.SIGTERM)
        t0 = time.monotonic()
        serve.wait(60)
        r["end_s"] = time.monotonic() - t0
    return r


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tabs", type=int, default=10)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-web-"))
    pg = BenchPostgres()
    pg.start()
    try:
        for fork in (True, False):
            url = pg.create_database(f"web_{str(fork).lower()}")
            cfg = tmp / "demo.toml"
            cfg.write_text(f'[database]\nurl = "{url}"\n')
            subprocess.run([str(BIN), "demo", "--config", str(cfg)], check=True,
                           capture_output=True)
            add_operators(url, args.tabs)
            r = run(url, tmp, fork, args.tabs)
            mem = r["mem"]
            print(f"fork={str(fork).lower():5}  {mem['tabs']:>3} tabs  first screen p50 "
                  f"{pct(r['starts'], 50):6.0f} ms  max {max(r['starts']):6.0f} ms  "
                  f"PSS {mem['pss_mib']:5.1f} MiB  RSS {mem['rss_mib']:5.1f} MiB  "
                  f"USS {mem['uss_mib']:5.1f} MiB/tab  serve ended in {r['end_s']:.1f} s",
                  flush=True)
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
