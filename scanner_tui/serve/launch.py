"""Start a terminal's app process: forked from a fork server that has the app already
imported (a few MiB per session instead of a whole interpreter), or spawned as
``python -m scanner_tui.serve.child`` when ``fork`` is off.

An SSH session's app runs on a pty (its controlling terminal, so SIGHUP reaches it when the
line drops); a browser tab's on three pipes (``start_piped``, textual-serve's protocol). Both
give the same handle: the pid (its own session) and a way to wait for its end.
"""

from __future__ import annotations

import asyncio
import fcntl
import importlib
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


def _forked(terminal: str, config_path: str | None, stdio: tuple, term: str | None,
            env: dict[str, str] | None) -> None:
    """The forked child: its own session, ``stdio`` (three descriptors) as fds 0-2, then the
    app. ``term``: stdio is a pty, made the controlling terminal. ``env``: the whole
    environment to run under (textual-serve's, for a browser tab)."""
    fds = [dup.detach() for dup in stdio]
    os.setsid()
    if term is not None:
        fcntl.ioctl(fds[0], termios.TIOCSCTTY, 0)
    for n, fd in enumerate(fds):
        os.dup2(fd, n)
    for fd in set(fds) - {0, 1, 2}:
        os.close(fd)
    sys.stdin = sys.__stdin__ = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stdout = sys.__stdout__ = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stderr = sys.__stderr__ = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    if env is None:
        for name in ("COLUMNS", "LINES", "TEXTUAL"):
            os.environ.pop(name, None)
        os.environ["TERM"] = term or "xterm"
    else:
        os.environ.clear()
        os.environ.update(env)
        import textual.constants

        # Textual read its settings (the driver, colours, frame rate) from the fork server's
        # environment when it was imported there: read them again from this one
        importlib.reload(textual.constants)
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
        """``terminal``'s app on the pty whose slave end is ``slave`` (SSH)."""
        if self._ctx is None:
            return await self._spawn(terminal, term, slave)
        return await self._fork(terminal, (slave, slave, slave), term, None)

    async def start_piped(self, terminal: str, env: dict[str, str],
                          stdio: tuple[int, int, int]) -> Launched:
        """``terminal``'s app forked with ``stdio`` (pipes) as fds 0-2 under ``env`` (a browser
        tab: textual-serve's packets over the pipes). Needs the fork server."""
        return await self._fork(terminal, stdio, None, env)

    async def _fork(self, terminal: str, stdio: tuple[int, int, int], term: str | None,
                    env: dict[str, str] | None) -> Launched:
        assert self._ctx is not None, "fork is off"
        process = self._ctx.Process(
            target=_forked, name=f"scanner-tui {terminal}", daemon=False,
            args=(terminal, self.config_path, tuple(reduction.DupFd(fd) for fd in stdio), term,
                  env))
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
