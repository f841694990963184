"""bins mapped to GS1 place labels

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05

A GS1 location label, (414) GLN + (254) extension, names a place (issue 10). Where the site's
extensions are not its bin codes, the bins import maps them: ``gln`` and ``gln_extension`` on
the bin (empty: not mapped), looked up by one index.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('bin') as batch:
        batch.add_column(sa.Column('gln', sa.String(length=13), server_default='',
                                   nullable=False))
        batch.add_column(sa.Column('gln_extension', sa.String(length=20), server_default='',
                                   nullable=False))
    op.create_index('ix_bin_gln', 'bin', ['gln', 'gln_extension'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_bin_gln', table_name='bin')
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a rebuilt bin table would trip the foreign
    # keys of every row that refers to a bin.
    with op.batch_alter_table('bin', recreate='never') as batch:
        batch.drop_column('gln_extension')
        batch.drop_column('gln')
