"""ledger hash chain and reversal key

Revision ID: 0005
Revises: 0003 (relinked after 0004 at merge)
Create Date: 2026-12-05

Issue 12, items 1 and 4: ``ledgerentry.chain_hash`` and the ``ledgerchain`` head row
(inventory/chain.py), computed here for the rows already in the store; ``reverses_id`` becomes
unique, so a row is reversed at most once whatever the engine. A store in which a row was
already reversed twice (the race this fixes) keeps those old rows: the unique index then
covers the rows after them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from scanner_tui.inventory import chain

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GUARD_SQLITE = """
CREATE TRIGGER ledger_no_{op} BEFORE {OP} ON ledgerentry
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: write a correcting row instead'); END
"""
GUARD_PG = """
CREATE TRIGGER ledger_no_update BEFORE UPDATE OR DELETE ON ledgerentry
FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
"""


def _drop_guard(postgres: bool) -> None:
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS ledger_no_update ON ledgerentry")
    else:
        op.execute("DROP TRIGGER IF EXISTS ledger_no_update")
        op.execute("DROP TRIGGER IF EXISTS ledger_no_delete")


def _restore_guard(postgres: bool) -> None:
    if postgres:
        op.execute(GUARD_PG)
    else:
        for name in ("update", "delete"):
            op.execute(GUARD_SQLITE.format(op=name, OP=name.upper()))


def _seal_existing_rows() -> tuple[int | None, str]:
    bind = op.get_bind()
    ledger = sa.table("ledgerentry", *(sa.column(n) for n in (*chain.CONTENT, "chain_hash")))
    ledger.c.at.type = sa.DateTime(timezone=True)
    ledger.c.expiry.type = sa.Date()
    prev, last_id, batch, after = chain.GENESIS, None, 5000, 0
    while True:
        rows = bind.execute(sa.select(*(ledger.c[n] for n in chain.CONTENT))
                            .where(ledger.c.id > after).order_by(ledger.c.id)
                            .limit(batch)).mappings().all()
        if not rows:
            return last_id, prev
        sealed = []
        for row in rows:
            prev = chain.link(prev, row)
            sealed.append({"rid": row["id"], "h": prev})
        bind.execute(sa.text("UPDATE ledgerentry SET chain_hash = :h WHERE id = :rid"), sealed)
        last_id = after = rows[-1]["id"]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table('ledgerchain',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('last_id', sa.Integer(), nullable=True),
        sa.Column('head_hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ledgerchain')))
    op.add_column('ledgerentry', sa.Column('chain_hash', sa.String(length=64), nullable=True))
    _drop_guard(postgres)
    last_id, head = _seal_existing_rows()
    _restore_guard(postgres)
    op.get_bind().execute(sa.text("INSERT INTO ledgerchain (id, last_id, head_hash) "
                                  "VALUES (:i, :last, :h)"),
                          {"i": chain.HEAD_ID, "last": last_id, "h": head})
    twice = op.get_bind().execute(sa.text(
        "SELECT MAX(id) FROM ledgerentry WHERE reverses_id IN (SELECT reverses_id FROM "
        "ledgerentry WHERE reverses_id IS NOT NULL GROUP BY reverses_id HAVING COUNT(*) > 1)"
    )).scalar()
    op.drop_index('ix_ledger_reverses', table_name='ledgerentry')
    where = None if twice is None else sa.text(f"id > {int(twice)}")
    op.create_index('uq_ledger_reverses', 'ledgerentry', ['reverses_id'], unique=True,
                    sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.drop_index('uq_ledger_reverses', table_name='ledgerentry')
    op.create_index('ix_ledger_reverses', 'ledgerentry', ['reverses_id'], unique=False)
    op.drop_table('ledgerchain')
    if postgres:
        op.drop_column('ledgerentry', 'chain_hash')
    else:
        _drop_guard(postgres)
        with op.batch_alter_table('ledgerentry') as batch_op:
            batch_op.drop_column('chain_hash')
        _restore_guard(postgres)
