"""Start a terminal's app process on a pty: forked from a fork server that has the app
already imported (a few MiB per session instead of a whole interpreter), or spawned as
``python -m scanner_tui.serve.child`` when ``fork`` is off.

Both give the SSH side the same handle: the pid (its own session, the pty its controlling
terminal, so SIGHUP reaches it when the line drops) and a way to wait for its end.
"""

from __future__ import annotations

import asyncio
import fcntl
import multiprocessing
import os
import sys
import termios
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from multiprocessing import reduction

from scanner_tui.serve.child import command, main

# What the fork server imports, in order: the CLI first (multiprocessing runs the script that
# started ``serve`` again in every child: imported here, that costs the child nothing), then
# the app (``preload`` ends by freezing all of it for the garbage collector).
PRELOAD = ("scanner_tui.cli", "scanner_tui.serve.preload")


@dataclass
class Launched:
    pid: int
    wait: Callable[[], Awaitable[int]]


def _controlling_tty() -> None:  # in a spawned child, after setsid
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _forked(terminal: str, config_path: str | None, term: str, slave: object) -> None:
    """The forked child: the pty as its terminal and stdio, then the app."""
    fd = slave.detach()  # type: ignore[attr-defined]
    os.setsid()
    fcntl.ioctl(fd, termios.TIOCSCTTY, 0)
    for n in (0, 1, 2):
        os.dup2(fd, n)
    if fd > 2:
        os.close(fd)
    sys.stdin = sys.__stdin__ = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stdout = sys.__stdout__ = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stderr = sys.__stderr__ = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    for name in ("COLUMNS", "LINES", "TEXTUAL"):
        os.environ.pop(name, None)
    os.environ["TERM"] = term
    sys.exit(main(["--terminal", terminal, *(["--config", config_path] if config_path else [])]))


class Launcher:
    """Starts app processes for one ``serve``; ``fork``: through a preloaded fork server."""

    def __init__(self, config_path: str | None, *, fork: bool = True) -> None:
        self.config_path = config_path
        self.fork = fork
        self._ctx = None
        if fork:
            self._ctx = multiprocessing.get_context("forkserver")
            self._ctx.set_forkserver_preload(list(PRELOAD))

    def warm_up(self) -> None:
        """Start the fork server now (it imports the app once), not on the first device."""
        if self._ctx is not None:
            from multiprocessing import forkserver

            forkserver.ensure_running()

    async def start(self, terminal: str, term: str, slave: int) -> Launched:
        if self._ctx is None:
            return await self._spawn(terminal, term, slave)
        process = self._ctx.Process(
            target=_forked, args=(terminal, self.config_path, term, reduction.DupFd(slave)),
            name=f"scanner-tui {terminal}", daemon=False)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, process.start)

        async def wait() -> int:  # (no thread parked per session: the sentinel says when)
            ended = loop.create_future()
            loop.add_reader(process.sentinel, lambda: ended.done() or ended.set_result(None))
            try:
                await ended
            finally:
                loop.remove_reader(process.sentinel)
            process.join()
            return process.exitcode if process.exitcode is not None else 1

        return Launched(process.pid, wait)

    async def _spawn(self, terminal: str, term: str, slave: int) -> Launched:
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TEXTUAL")}
        env["TERM"] = term
        child = await asyncio.create_subprocess_exec(
            *command(terminal, self.config_path), stdin=slave, stdout=slave, stderr=slave,
            env=env, start_new_session=True, preexec_fn=_controlling_tty)
        return Launched(child.pid, child.wait)
