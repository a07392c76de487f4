"""Archived products may lose their category: removing a category no longer waits on them.

Revision ID: c67b208a98e0
Revises: 191459eac52a
Create Date: 2026-11-25 06:41:27.418348
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'c67b208a98e0'
down_revision: str | None = '191459eac52a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.alter_column('category_id', existing_type=ID, nullable=True)
        batch_op.create_check_constraint(op.f('ck_products_live_products_have_a_category'),
                                         'category_id IS NOT NULL OR archived_at IS NOT NULL')


def downgrade() -> None:
    # The older schema has no place for a product without a category: refuse rather than invent one.
    orphans = op.get_bind().scalar(sa.text('SELECT count(*) FROM products WHERE category_id IS NULL'))
    if orphans:
        raise RuntimeError(f'{orphans} archived products have no category; give them one before downgrading')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_products_live_products_have_a_category'), type_='check')
        batch_op.alter_column('category_id', existing_type=ID, nullable=False)
