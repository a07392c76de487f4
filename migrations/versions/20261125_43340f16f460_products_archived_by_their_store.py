"""Products archived by their store (a deleted product stays for the orders that name it).

Revision ID: 43340f16f460
Revises: 48e309fd83f9
Create Date: 2026-11-25 05:12:58.426341
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models


revision: str = '43340f16f460'
down_revision: str | None = '48e309fd83f9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', core.models.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('archived_at')
