"""Helpers for the ledger tests: an approver's badge scan, as the scan pipeline journals it."""

from __future__ import annotations

from scanner_tui.inventory.actor import Approval
from scanner_tui.inventory.journal import record_scan
from scanner_tui.scanning.classify import classify
from scanner_tui.scanning.result import Scan


def badge_scan(engine, badge: str, terminal: str, source: str = "wedge") -> Approval:
    """Journal a scan of ``badge`` at ``terminal`` (what the app does) and return its proof."""
    scan = Scan(badge + "\r", source)
    record_scan(engine, scan, classify(scan.payload), terminal=terminal)
    return Approval(scan.id)
