"""Helpers for the ledger tests: a seeded store on each engine, an approver's badge scan."""

from __future__ import annotations

import pytest

from scanner_tui.inventory import operations as ops
from scanner_tui.inventory.actor import Actor, Approval
from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.journal import record_scan
from scanner_tui.scanning.classify import classify
from scanner_tui.scanning.result import Scan
from tests.test_ops_store import seed

ENGINES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def store_url(request, tmp_path) -> str:
    """A new store's URL for ``request.param`` (ENGINES): a file, or a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("pg_url")


def mugs_store(request, tmp_path, mugs: int, scan_id: str):
    """The operations tests' seeded store holding ``mugs`` MUG-01 in A01-A-01."""
    engine = open_store(store_url(request, tmp_path))
    seed(engine)
    ops.receive(engine, actor=Actor("OP-0003", "T3"), scan_id=scan_id, bin="A01-A-01",
                sku="MUG-01", qty=mugs)
    return engine


def badge_scan(engine, badge: str, terminal: str, source: str = "wedge") -> Approval:
    """Journal a scan of ``badge`` at ``terminal`` (what the app does) and return its proof."""
    scan = Scan(badge + "\r", source)
    record_scan(engine, scan, classify(scan.payload), terminal=terminal)
    return Approval(scan.id)
