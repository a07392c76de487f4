"""What drift is measured against (each model version's training-sample bins) and shadow scores (a
challenger's scores stored beside the champion's, deciding nothing), indexed for the nightly rescore.

Revision ID: 7b3e5f1a2c68
Revises: a1d3f5b7c9e2
Create Date: 2026-12-02 15:28:16.647909
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '7b3e5f1a2c68'
down_revision: str | None = 'a1d3f5b7c9e2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('risk_model_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference', sa.JSON(), nullable=True))

    with op.batch_alter_table('risk_store_scores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shadow', sa.Boolean(), server_default=sa.text('false'), nullable=False))
        batch_op.create_index('ix_risk_store_scores_version_as_of', ['model_version_id', 'as_of'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('risk_store_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_risk_store_scores_version_as_of')
        batch_op.drop_column('shadow')

    with op.batch_alter_table('risk_model_versions', schema=None) as batch_op:
        batch_op.drop_column('reference')

