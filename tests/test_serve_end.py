"""``scanner-tui serve`` ends promptly on SIGTERM with terminals still connected: every app is
hung up at once (each keeps its place) and nothing is left running (before, a session open at
the stop kept its app, and so serve, waiting for ever); an app that does not answer its
hang-up is killed after the grace."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
from pathlib import Path

import asyncssh
import pytest

from scanner_tui.serve.launch import Launched
from tests.test_serve_ssh import Host, host  # noqa: F401  (the fixture)
from tests.test_serve_web import parent_of
from tests.tmux_driver import cli

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


async def signed_in(port: int, key: Path, terminal: str, badge: str | None):
    """An SSH terminal at 40x16 on its first screen (signed in with ``badge``)."""
    conn = await asyncssh.connect("127.0.0.1", port, username=terminal,
                                  client_keys=[str(key)], known_hosts=None)
    proc = await conn.create_process(term_type="xterm", term_size=(40, 16), encoding=None)
    seen = bytearray()

    async def until(marker: bytes) -> None:
        while marker not in seen:
            data = await asyncio.wait_for(proc.stdout.read(65536), 60)
            assert data, f"{terminal}: the session ended before {marker!r}"
            seen.extend(data)

    await until(b"Scan your badge")
    if badge:
        proc.stdin.write(badge.encode() + b"\r")
        await until(b"scan a card")
    return conn


def apps_of(fork_server: int) -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and _child_of(int(p), fork_server)]


def _child_of(pid: int, parent: int) -> bool:
    try:
        return parent_of(pid) == parent
    except (OSError, IndexError):
        return False


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "fresh-python"])
def test_serve_ends_its_connected_sessions_on_sigterm(host: Host, fork: bool):  # noqa: F811
    if not fork:
        host.kill()
        host.cfg.write_text(host.cfg.read_text() + "fork = false\n")
        host.start()

    async def connect() -> list:
        return [await signed_in(host.port, host.key, "DOCK-1", "OP-0001"),
                await signed_in(host.port, host.key, "DOCK-2", None),
                await signed_in(host.port, host.key, "DOCK-3", None)]

    loop = asyncio.new_event_loop()
    conns = loop.run_until_complete(connect())
    try:
        started = {p: Path(f"/proc/{p}/cmdline").read_bytes() for p in apps_of(host.proc.pid)}
        if fork:
            apps = apps_of(next(p for p, cmd in started.items() if b"forkserver" in cmd))
        else:
            apps = [p for p, cmd in started.items() if b"scanner_tui.serve.child" in cmd]
        assert len(apps) == 3
        host.proc.send_signal(signal.SIGTERM)
        try:
            host.proc.wait(30)
        except subprocess.TimeoutExpired:
            pytest.fail("serve did not end with its terminals connected")
        assert [p for p in apps if Path(f"/proc/{p}").exists()] == []
    finally:
        for conn in conns:
            conn.close()
        loop.close()
    rows = [json.loads(line) for line in cli(host.cfg, "terminals", "--json").stdout.splitlines()]
    assert ("DOCK-1", "OP-0001") in [(r["terminal"], r["badge"]) for r in rows]  # place kept


async def test_an_app_that_does_not_answer_its_hang_up_is_killed_after_the_grace():
    stuck = await asyncio.create_subprocess_exec(
        "sh", "-c", "trap '' HUP; sleep 60", start_new_session=True)
    child = Launched(stuck.pid, asyncio.ensure_future(stuck.wait()))
    await asyncio.sleep(0.2)  # (the trap is set)
    assert await child.end(grace=0.5) == -signal.SIGKILL


async def test_an_app_that_answers_its_hang_up_is_not_killed():
    app = await asyncio.create_subprocess_exec(
        "sh", "-c", "trap 'exit 0' HUP; sleep 60 & wait", start_new_session=True)
    child = Launched(app.pid, asyncio.ensure_future(app.wait()))
    await asyncio.sleep(0.2)
    assert await child.end(grace=10) == 0
