"""Test helpers for the label tests: a fake Zebra printer on loopback and a seeded store."""

from __future__ import annotations

import socket
import threading
from datetime import date

from sqlmodel import Session

from scanner_tui.inventory.models import (
    Asset,
    Barcode,
    Bin,
    ExpectedSerial,
    LedgerEntry,
    Operator,
    Receipt,
    ReceiptLine,
    Sku,
)

READY = (b"\x02030,0,0,0400,000,0,0,0,000,0,0,0\x03\r\n"
         b"\x02001,0,0,0,1,2,6,0,00000000,1,000\x03\r\n"
         b"\x021234,0\x03\r\n")
PAPER_OUT = READY.replace(b"\x02030,0,0,", b"\x02030,1,0,", 1)


class FakePrinter:
    """A raw-port printer in a thread. ``mode``: ready | paper_out | silent.

    ready/paper_out answer ``~HS`` like a Zebra; silent accepts the connection and reads but
    never answers. ``jobs`` holds the bytes of every connection after the status query.
    """

    def __init__(self, mode: str = "ready") -> None:
        self.mode = mode
        self._received: list[bytearray] = []  # one per connection, filled as bytes arrive
        self.status_queries = 0
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        self.url = f"tcp://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def jobs(self) -> list[bytes]:
        return [bytes(b) for b in self._received if b]

    def __enter__(self) -> FakePrinter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)
        self._server.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                buffer = bytearray()
                self._received.append(buffer)
                self._handle(conn, buffer)

    def _handle(self, conn: socket.socket, buffer: bytearray) -> None:
        try:
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buffer += chunk
                if buffer.startswith(b"~HS\r\n") and self.mode != "silent":
                    self.status_queries += 1
                    del buffer[:5]
                    conn.sendall(READY if self.mode == "ready" else PAPER_OUT)
        except (TimeoutError, OSError):
            return


def closed_port_url() -> str:
    """A loopback address where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"tcp://127.0.0.1:{port}"


def seed(engine) -> dict:  # noqa: ANN001
    """Bins, SKUs (with and without GTIN), operators, units and a receipt with an ASN."""
    with Session(engine, expire_on_commit=False) as s:
        bins = [Bin(code=c, zone=z) for c, z in
                [("A04-B-12", "A"), ("A04-B-13", "A"), ("C11-A-03", "C"), ("D01-A-01", "D")]]
        bins.append(Bin(code="A99-Z-99", zone="A", active=False))
        drill = Sku(code="DRILL-18V", description="Cordless drill 18V", tracking="serial")
        mug = Sku(code="MUG-BLUE", description="Mug, blue")
        ties = Sku(code="TIES-100", description="Cable ties x100")
        s.add_all([*bins, drill, mug, ties,
                   Operator(badge="OP-0001", name="Ana", role="receiver"),
                   Operator(badge="OP-0002", name="Ben", role="picker", active=False)])
        s.flush()
        s.add_all([Barcode(code="09501101020917", sku_id=drill.id),
                   Barcode(code="04006381333931", sku_id=mug.id)])
        unit = Asset(serial="SN0001", sku_id=drill.id, bin_id=bins[0].id, lot="L7")
        own = Asset(serial="AT00000007", sku_id=drill.id, bin_id=bins[0].id)
        s.add_all([unit, own])
        rec = Receipt(code="R-1001", supplier="Tools Inc")
        s.add(rec)
        s.flush()
        line = ReceiptLine(receipt_id=rec.id, line_no=1, sku_id=drill.id, qty_expected=3)
        s.add(line)
        s.flush()
        s.add_all([ExpectedSerial(receipt_id=rec.id, line_id=line.id, serial="SN0002"),
                   ExpectedSerial(receipt_id=rec.id, line_id=line.id, serial="SN0003")])
        s.add(LedgerEntry(action="receive", sku_id=drill.id, asset_id=unit.id, qty=1,
                          to_bin_id=bins[0].id, lot="L7", expiry=date(2030, 1, 31),
                          status_after="in_stock", doc_type="receipt", doc_code="R-1001",
                          doc_line=1, operator="OP-0001"))
        s.commit()
        return {"drill": drill.id, "unit": unit.id, "own": own.id}
