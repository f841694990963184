"""Tables of the terminals a host serves (migration 0006): where each terminal is in its task,
and who holds what (a badge, an order, a receipt, a count bin).

Kept apart from ``models.py``: no stock lives here, and nothing in the ledger refers to them.
"""

from __future__ import annotations

import sqlalchemy as sa

from scanner_tui.inventory.models import metadata

terminal_session = sa.Table(
    "terminalsession", metadata,
    sa.Column("terminal", sa.String(64), primary_key=True),
    sa.Column("badge", sa.String(32), nullable=False, server_default=""),
    sa.Column("task", sa.String(64), nullable=False, server_default=""),
    sa.Column("state", sa.Text(), nullable=False, server_default="{}"),
    sa.Column("signed_in_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_scan", sa.String(64), nullable=False, server_default=""),
    sa.Column("last_scan_at", sa.DateTime(timezone=True), nullable=True),
)

claim = sa.Table(
    "claim", metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # badge | order | receipt | count-bin
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("terminal", sa.String(64), nullable=False),
    sa.Column("badge", sa.String(32), nullable=False),
    sa.Column("since", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("kind", "code", name="uq_claim_kind_code"),
    sa.Index("ix_claim_terminal", "terminal"),
)
