"""The SSH side of ``scanner-tui serve`` (asyncssh): a process per channel, in a pty.

Textual has no SSH server of its own and one process hosting many Textual apps is not
reliable, so every SSH channel runs the floor app as its own process in a pseudo-terminal at
the client's size (what OpenSSH's ForceCommand would give). Bytes pass both ways untouched
(``encoding=None``: a stray non-UTF-8 byte must not drop the session) and window-size changes
are forwarded to the child's pty. The SSH user name is the terminal id.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import hmac
import logging
import os
import struct
import termios
from pathlib import Path

import asyncssh

from scanner_tui.serve.child import valid_terminal_id
from scanner_tui.serve.launch import Launcher

log = logging.getLogger(__name__)


def ensure_host_key(path: Path) -> asyncssh.SSHKey:
    """The host key at ``path``, made (ed25519, mode 600) on the first start."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = asyncssh.generate_private_key("ssh-ed25519", comment="scanner-tui host key")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key.export_private_key())
        log.info("made a new SSH host key at %s", path)
    return asyncssh.read_private_key(str(path))


# -- per-device passwords: "TERMINAL-ID scrypt$N$r$p$salt$hash" lines -------------------------
def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    n, r, p = 2**14, 8, 1
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p)
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r),
                             p=int(p))
    except ValueError:
        return False
    return hmac.compare_digest(got.hex(), digest)


def read_pairs(path: str) -> dict[str, str]:
    """``KEY VALUE`` lines of a file (``#`` comments), or {} when the file is not there."""
    pairs: dict[str, str] = {}
    if not path or not Path(path).exists():
        return pairs
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2 and not line.lstrip().startswith("#"):
            pairs[parts[0]] = parts[1]
    return pairs


class FloorSSHServer(asyncssh.SSHServer):
    """Authenticates a device: its key in ``authorized_keys`` (re-read per connection, so a
    new device needs no restart), or its own password; the user name must be a terminal id."""

    def __init__(self, authorized_keys: str, passwords: str) -> None:
        self.authorized_keys = authorized_keys
        self.passwords = passwords
        self.conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn

    def begin_auth(self, username: str) -> bool:
        if valid_terminal_id(username) and Path(self.authorized_keys).exists():
            assert self.conn is not None
            self.conn.set_authorized_keys(self.authorized_keys)
        return True

    def password_auth_supported(self) -> bool:
        return bool(read_pairs(self.passwords))

    def validate_password(self, username: str, password: str) -> bool:
        stored = read_pairs(self.passwords).get(username)
        return bool(stored) and valid_terminal_id(username) and check_password(password, stored)


def _set_size(fd: int, width: int, height: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))


async def run_channel(process: asyncssh.SSHServerProcess, launcher: Launcher) -> None:
    """One SSH channel: the floor app in a pty at the client's size until either side ends."""
    terminal = process.get_extra_info("username") or ""
    term = process.get_terminal_type()
    if not term:
        process.stderr.write(b"scanner-tui: this needs a terminal (ssh -t)\r\n")
        process.exit(1)
        return
    width, height = process.get_terminal_size()[:2]
    master, slave = os.openpty()
    _set_size(master, width or 80, height or 24)
    try:
        child = await launcher.start(terminal, term, slave)
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)
    loop = asyncio.get_running_loop()
    output_done = loop.create_future()

    def on_output() -> None:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b""
        if data:
            process.stdout.write(data)
            return
        loop.remove_reader(master)
        if not output_done.done():
            output_done.set_result(None)

    loop.add_reader(master, on_output)
    pump = asyncio.ensure_future(_pump_input(process, master))
    try:
        await asyncio.wait([pump, output_done], return_when=asyncio.FIRST_COMPLETED)
        # the client went: hang its app up (killed if it lingers); else the app ended
        code = await (child.wait() if output_done.done() else child.end())
    finally:  # (also when serve ends while the channel is open: the pty is never left open)
        pump.cancel()
        loop.remove_reader(master)
        os.close(master)
    try:
        process.exit(code if code >= 0 else 1)
    except (OSError, asyncssh.Error):
        pass


async def _pump_input(process: asyncssh.SSHServerProcess, master: int) -> None:
    while True:
        try:
            data = await process.stdin.read(65536)
        except asyncssh.TerminalSizeChanged as change:
            _set_size(master, change.width, change.height)
            continue
        except (asyncssh.Error, OSError, BrokenPipeError):
            return
        if not data:
            return
        view = memoryview(data)
        while view:
            try:
                written = os.write(master, view)
            except BlockingIOError:
                await asyncio.sleep(0.005)
                continue
            except OSError:
                return
            view = view[written:]


async def start_ssh(listen: str, host_key: Path, authorized_keys: str, passwords: str,
                    launcher: Launcher) -> asyncssh.SSHAcceptor:
    """Listen for terminals on ``HOST:PORT``."""
    host, _, port = listen.rpartition(":")
    key = ensure_host_key(host_key)
    return await asyncssh.create_server(
        lambda: FloorSSHServer(authorized_keys, passwords), host, int(port),
        server_host_keys=[key], process_factory=lambda p: run_channel(p, launcher),
        encoding=None, line_editor=False, allow_scp=False, agent_forwarding=False,
        x11_forwarding=False, allow_pty=True, keepalive_interval=15, keepalive_count_max=4,
    )
