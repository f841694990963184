"""Start a terminal's app process: forked from a fork server that has the app already
imported (a few MiB per session instead of a whole interpreter), or spawned as
``python -m scanner_tui.serve.child`` when ``fork`` is off.

An SSH session's app runs on a pty (its controlling terminal, so SIGHUP reaches it when the
line drops); a browser tab's on three pipes (``start_piped``, textual-serve's protocol). Both
give the same handle: the pid (its own session) and a way to wait for its end.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import importlib
import multiprocessing
import os
import signal
import sys
import termios
from dataclasses import dataclass
from multiprocessing import reduction

from scanner_tui.serve.child import command, main

# What the fork server imports, in order: the CLI first (multiprocessing runs the script that
# started ``serve`` again in every child: imported here, that costs the child nothing), then
# the app (``preload`` ends by freezing all of it for the garbage collector).
PRELOAD = ("scanner_tui.cli", "scanner_tui.serve.preload")


# The fork server's terminal size and Textual settings, never a session's own
NOT_INHERITED = ("COLUMNS", "LINES", "TEXTUAL")
END_GRACE = 10.0  # seconds a hung-up app has to answer the scans it read and end


@dataclass(eq=False)
class Launched:
    """A running app process (its own session: ``pid`` is its process group too)."""

    pid: int
    ended: asyncio.Future[int]  # its exit code, once it has ended (and been reaped)

    async def wait(self) -> int:
        return await asyncio.shield(self.ended)

    async def end(self, grace: float = END_GRACE) -> int:
        """Hang the app up, as a dropped line would (it answers the scans it read, keeps its
        place and ends); kill it if it is still there after ``grace`` seconds."""
        if not self.ended.done():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGHUP)
        try:
            return await asyncio.wait_for(self.wait(), grace)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
            return await self.wait()


class _Passed:
    """A descriptor for the forked child. Pickled while ``Process.start`` writes its request,
    it becomes multiprocessing's ``DupFd`` of the fork server: sent with the request
    (SCM_RIGHTS). Made any earlier, a ``DupFd`` goes through multiprocessing's resource sharer
    instead (a thread in serve holding a copy until the child asks for it)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __reduce__(self) -> tuple:
        return _same, (reduction.DupFd(self.fd),)


def _same(dup: object) -> object:
    return dup


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
        for name in NOT_INHERITED:
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
        self.running: set[Launched] = set()
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
            env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
            return await self._spawn(terminal, (slave, slave, slave), {**env, "TERM": term},
                                     tty=True)
        return await self._fork(terminal, (slave, slave, slave), term, None)

    async def start_piped(self, terminal: str, env: dict[str, str],
                          stdio: tuple[int, int, int]) -> Launched:
        """``terminal``'s app with ``stdio`` (pipes) as fds 0-2 under ``env`` (a browser tab:
        textual-serve's packets over the pipes)."""
        if self._ctx is None:
            return await self._spawn(terminal, stdio, env, tty=False)
        return await self._fork(terminal, stdio, None, env)

    async def _fork(self, terminal: str, stdio: tuple[int, int, int], term: str | None,
                    env: dict[str, str] | None) -> Launched:
        assert self._ctx is not None, "fork is off"
        process = self._ctx.Process(
            target=_forked, name=f"scanner-tui {terminal}", daemon=False,
            args=(terminal, self.config_path, tuple(_Passed(fd) for fd in stdio), term, env))
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, process.start)
        ended: asyncio.Future[int] = loop.create_future()

        def reap() -> None:  # (no thread parked per session: the sentinel says when)
            loop.remove_reader(process.sentinel)
            process.join()  # (so multiprocessing does not wait for it at exit)
            ended.set_result(process.exitcode if process.exitcode is not None else 1)

        loop.add_reader(process.sentinel, reap)
        return self._track(Launched(process.pid, ended))

    async def _spawn(self, terminal: str, stdio: tuple[int, int, int], env: dict[str, str], *,
                     tty: bool) -> Launched:
        """A fresh Python (``fork`` off); ``tty``: stdio is a pty, its controlling terminal."""
        child = await asyncio.create_subprocess_exec(
            *command(terminal, self.config_path), stdin=stdio[0], stdout=stdio[1],
            stderr=stdio[2], env=env, start_new_session=True,
            preexec_fn=_controlling_tty if tty else None)
        return self._track(Launched(child.pid, asyncio.ensure_future(child.wait())))

    def _track(self, child: Launched) -> Launched:
        self.running.add(child)
        child.ended.add_done_callback(lambda _: self.running.discard(child))
        return child

    async def end_all(self, grace: float = END_GRACE) -> None:
        """End every app still running (``serve`` is stopping): all are hung up at once, each
        keeps its place; those still there after ``grace`` seconds are killed."""
        await asyncio.gather(*(child.end(grace) for child in list(self.running)))
