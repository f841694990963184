"""terminal sessions and claims

Revision ID: 0006
Revises: 0003
Create Date: 2026-12-05

Many terminals, one host (issue 13): where each terminal is in its task (so a dropped link or
a restarted host costs nothing), and claims (a badge on one terminal at a time, a document
worked by one person at a time), unique on (kind, code) so two terminals cannot both win.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'terminalsession',
        sa.Column('terminal', sa.String(length=64), nullable=False),
        sa.Column('badge', sa.String(length=32), server_default='', nullable=False),
        sa.Column('task', sa.String(length=64), server_default='', nullable=False),
        sa.Column('state', sa.Text(), server_default='{}', nullable=False),
        sa.Column('signed_in_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_scan', sa.String(length=64), server_default='', nullable=False),
        sa.Column('last_scan_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('terminal', name=op.f('pk_terminalsession')),
    )
    op.create_table(
        'claim',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('terminal', sa.String(length=64), nullable=False),
        sa.Column('badge', sa.String(length=32), nullable=False),
        sa.Column('since', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_claim')),
        sa.UniqueConstraint('kind', 'code', name='uq_claim_kind_code'),
    )
    op.create_index('ix_claim_terminal', 'claim', ['terminal'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_claim_terminal', table_name='claim')
    op.drop_table('claim')
    op.drop_table('terminalsession')
