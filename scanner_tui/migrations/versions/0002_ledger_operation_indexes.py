"""ledger indexes for the stock operations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

undo_last finds an operator's newest rows (operator, id) and rows already compensated
(reverses_id); quantity returns and history read a document's rows (doc_type, doc_code,
doc_line). Without them these are full scans of the ledger.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ledgerentry', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_operator_id', ['operator', 'id'], unique=False)
        batch_op.create_index('ix_ledger_reverses', ['reverses_id'], unique=False)
        batch_op.create_index('ix_ledger_doc', ['doc_type', 'doc_code', 'doc_line'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ledgerentry', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_doc')
        batch_op.drop_index('ix_ledger_reverses')
        batch_op.drop_index('ix_ledger_operator_id')
