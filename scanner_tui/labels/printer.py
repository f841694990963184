"""Send a job to a network label printer's raw port (``tcp://HOST:9100``).

With ``status_check`` the printer is first asked for its host status (Zebra ``~HS``): a
printer that does not answer within the timeout, is out of paper or ribbon, paused or has its
head open gets a one-line error and receives nothing. Success means every byte was accepted
and the connection closed cleanly; anything less raises ``PrinterError``.
"""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from scanner_tui.labels.label import LabelError

DEFAULT_PORT = 9100
STATUS_QUERY = b"~HS\r\n"


class PrinterError(LabelError):
    """The printer could not be reached or refused the job; nothing was printed for sure."""


@dataclass(frozen=True, slots=True)
class PrinterAddress:
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def parse_printer_url(url: str) -> PrinterAddress:
    """``tcp://HOST[:PORT]`` (port 9100 by default) -> address; anything else is an error."""
    parts = urlsplit(url)
    if parts.scheme != "tcp" or not parts.hostname or parts.path not in ("", "/"):
        raise PrinterError(f"{url!r} is not a printer address: write tcp://HOST:9100")
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise PrinterError(f"{url!r} has a bad port number") from None
    return PrinterAddress(parts.hostname, port)


def parse_host_status(reply: bytes) -> list[str]:
    """Problems a Zebra ``~HS`` reply reports (empty: ready). Raises on a malformed reply."""
    frames = [f for f in reply.replace(b"\r", b"").replace(b"\n", b"").split(b"\x03") if f]
    fields = [frame.lstrip(b"\x02").decode("ascii", "replace").split(",") for frame in frames]
    if len(fields) < 2 or len(fields[0]) < 3 or len(fields[1]) < 4:
        raise PrinterError("the printer's status reply is not a Zebra ~HS answer")
    problems: list[str] = []
    if fields[0][1] == "1":
        problems.append("is out of paper")
    if fields[0][2] == "1":
        problems.append("is paused")
    if fields[1][2] == "1":
        problems.append("has its print head open")
    if fields[1][3] == "1":
        problems.append("is out of ribbon")
    return problems


def _read_status(sock: socket.socket, where: PrinterAddress) -> bytes:
    reply = b""
    while reply.count(b"\x03") < 3:
        try:
            chunk = sock.recv(1024)
        except TimeoutError:
            raise PrinterError(
                f"the printer at {where} does not answer its status query: check that it is "
                "on and ready (or set labels.printer_status_check = false for a non-Zebra printer)"
            ) from None
        if not chunk:
            break
        reply += chunk
    return reply


def send_raw(url: str, data: bytes, *, timeout: float = 5.0, status_check: bool = True) -> None:
    """Deliver ``data`` to the printer at ``url``; raise ``PrinterError`` on any failure."""
    where = parse_printer_url(url)
    try:
        sock = socket.create_connection((where.host, where.port), timeout=timeout)
    except TimeoutError:
        raise PrinterError(
            f"the printer at {where} does not answer (no connection after {timeout:g} s)"
        ) from None
    except OSError as exc:
        raise PrinterError(f"cannot reach the printer at {where}: {unreachable(exc)}") from None
    with sock:
        try:
            if status_check:
                sock.sendall(STATUS_QUERY)
                problems = parse_host_status(_read_status(sock, where))
                if problems:
                    raise PrinterError(f"the printer at {where} {' and '.join(problems)}")
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except TimeoutError:
            raise PrinterError(
                f"the printer at {where} stopped taking data (timed out after {timeout:g} s): "
                "check it, then print again"
            ) from None
        except OSError:
            raise PrinterError(f"the printer at {where} dropped the job (it closed the "
                               "connection): check it, then print again") from None


# why a printer cannot be reached, in the words of the person printing (not the OS's)
UNREACHABLE = {
    errno.ECONNREFUSED: "nothing there takes print jobs on that port; check the printer is "
                        "on and the port (9100 for most label printers)",
    errno.EHOSTUNREACH: "the network does not reach it; check the address and its cable",
    errno.ENETUNREACH: "the network does not reach it; check the address and its cable",
    errno.EHOSTDOWN: "it is switched off or off the network",
}


def unreachable(exc: OSError) -> str:
    """A sentence for why a connection to the printer failed."""
    if isinstance(exc, socket.gaierror):
        return "no printer of that name is known on the network; check the address"
    return UNREACHABLE.get(exc.errno or 0, "the network refused the connection; check the "
                                           "address and that the printer is on")
