"""unit identity: a unit is its SKU plus its serial; tag rolls; authenticity events

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05

Two makers may use the same serial: ``asset.serial`` stops being unique on its own and
``(sku_id, serial)`` becomes the unit's key (own asset tags stay unique across the store: the
receive and import paths check it). ``sku.serial_pattern`` holds the regular expression a
product's manufacturer serials must match. ``tagroll`` records rolls of pre-printed own tags
registered as issued; ``authenticityevent`` keeps refusals that smell of counterfeit or
mislabelling. Existing stores keep every unit: their serials were unique, so they are unique per
SKU too. On PostgreSQL ``stock.qty`` and ``ledgerentry.qty`` become BIGINT: a stock line may
hold up to 2^53 - 1 (the operations refuse more), past INTEGER's 2^31 - 1.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":  # SQLite's INTEGER holds 64 bits already
        for table in ("stock", "ledgerentry"):
            op.alter_column(table, 'qty', type_=sa.BigInteger(), existing_nullable=False)
    with op.batch_alter_table('asset', schema=None) as batch_op:
        batch_op.drop_index('ix_asset_serial')
        batch_op.create_index('ix_asset_serial', ['serial'], unique=False)
        batch_op.create_index('uq_asset_sku_serial', ['sku_id', 'serial'], unique=True)
    with op.batch_alter_table('sku', schema=None) as batch_op:
        batch_op.add_column(sa.Column('serial_pattern', sa.String(length=200), nullable=False,
                                      server_default=''))
    op.create_table(
        'tagroll',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('first', sa.Integer(), nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.Column('registered_by', sa.String(length=32), nullable=False),
        sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tagroll')),
    )
    op.create_table(
        'authenticityevent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('scan_id', sa.String(length=64), nullable=False),
        sa.Column('terminal', sa.String(length=64), nullable=False),
        sa.Column('operator', sa.String(length=32), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('serial', sa.String(length=128), nullable=False),
        sa.Column('sku', sa.String(length=64), nullable=False),
        sa.Column('mismatch', sa.String(length=32), nullable=False),
        sa.Column('message', sa.String(length=400), nullable=False),
        sa.Column('refused', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_authenticityevent')),
    )
    with op.batch_alter_table('authenticityevent', schema=None) as batch_op:
        batch_op.create_index('ix_authenticityevent_at', ['at'], unique=False)
        batch_op.create_index('ix_authenticityevent_scan_id', ['scan_id'], unique=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("stock", "ledgerentry"):
            op.alter_column(table, 'qty', type_=sa.Integer(), existing_nullable=False)
    op.drop_table('authenticityevent')
    op.drop_table('tagroll')
    with op.batch_alter_table('sku', schema=None) as batch_op:
        batch_op.drop_column('serial_pattern')
    with op.batch_alter_table('asset', schema=None) as batch_op:
        batch_op.drop_index('uq_asset_sku_serial')
        batch_op.drop_index('ix_asset_serial')
        batch_op.create_index('ix_asset_serial', ['serial'], unique=True)
