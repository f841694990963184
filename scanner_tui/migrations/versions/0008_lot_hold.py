"""lots on hold (recall)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05

``scanner-tui recall LOT --hold`` puts a lot on hold (issue 11 item 7): a row per held lot
(optionally of one SKU), looked up by lot. Nothing existing changes; a store upgraded holds
nothing.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'lothold',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('lot', sa.String(length=64), nullable=False),
        sa.Column('sku_id', sa.Integer(), nullable=True),
        sa.Column('held_by', sa.String(length=32), server_default='', nullable=False),
        sa.Column('held_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reason', sa.String(length=200), server_default='', nullable=False),
        sa.ForeignKeyConstraint(['sku_id'], ['sku.id'], name=op.f('fk_lothold_sku_id_sku')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lothold')),
    )
    op.create_index('ix_lothold_lot', 'lothold', ['lot'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_lothold_lot', table_name='lothold')
    op.drop_table('lothold')
