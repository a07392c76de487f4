"""Catalog index for the services tab (`kind=service`, newest first).

Revision ID: 48e309fd83f9
Revises: 9dc5754b0ee5
Create Date: 2026-11-25 04:50:12.831647
"""
from collections.abc import Sequence

from alembic import op


revision: str = '48e309fd83f9'
down_revision: str | None = '9dc5754b0ee5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index('ix_products_kind_id', ['kind', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index('ix_products_kind_id')
