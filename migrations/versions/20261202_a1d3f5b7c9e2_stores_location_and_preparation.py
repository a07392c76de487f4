"""Stores: where couriers collect (latitude, longitude) and how long an order takes to prepare.

Revision ID: a1d3f5b7c9e2
Revises: 9c3e5a7b1d20
Create Date: 2026-12-02 15:42:41.050593
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models

revision: str = 'a1d3f5b7c9e2'
down_revision: str | None = '9c3e5a7b1d20'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('stores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('longitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('preparation_minutes', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False,
                                      server_default=sa.text('15')))  # the stores there are
    with op.batch_alter_table('stores', schema=None) as batch_op:
        batch_op.alter_column('preparation_minutes', server_default=None)



def downgrade() -> None:
    with op.batch_alter_table('stores', schema=None) as batch_op:
        batch_op.drop_column('preparation_minutes')
        batch_op.drop_column('longitude')
        batch_op.drop_column('latitude')

