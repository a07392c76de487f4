"""Refunds are booked before Stripe is asked: a lease says who is asking (payments/refunds.py).

Revision ID: f3a9c1d2e4b5
Revises: c67b208a98e0
Create Date: 2026-12-02 05:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models

revision: str = 'f3a9c1d2e4b5'
down_revision: str | None = 'c67b208a98e0'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('payment_refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sending_until', core.models.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('payment_refunds', schema=None) as batch_op:
        batch_op.drop_column('sending_until')
