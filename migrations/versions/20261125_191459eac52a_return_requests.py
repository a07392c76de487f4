"""Return requests (售后) on delivered orders, with their history.

Revision ID: 191459eac52a
Revises: 43340f16f460
Create Date: 2026-11-25 05:17:08.205813
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models


revision: str = '191459eac52a'
down_revision: str | None = '43340f16f460'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('return_requests',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('community_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('photos', sa.JSON(), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('amount', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('decision_note', sa.String(length=200), nullable=True),
    sa.Column('restocked', sa.Boolean(), nullable=False),
    sa.Column('order_refund_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('decided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('decided_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', core.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_return_requests_amount_positive')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_return_requests_community_id_communities'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_return_requests_decided_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_return_requests_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_refund_id'], ['order_refunds.id'], name=op.f('fk_return_requests_order_refund_id_order_refunds'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_return_requests_store_id_stores'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_return_requests_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_requests'))
    )
    with op.batch_alter_table('return_requests', schema=None) as batch_op:
        batch_op.create_index('ix_return_requests_store_id_status', ['store_id', 'status'], unique=False)
        batch_op.create_index('ix_return_requests_user_id_community_id', ['user_id', 'community_id'], unique=False)
        batch_op.create_index('uq_return_requests_open_per_order', ['order_id'], unique=True, postgresql_where=sa.text("status = 'requested'"), sqlite_where=sa.text("status = 'requested'"))

    op.create_table('return_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('return_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('from_status', sa.String(length=12), nullable=True),
    sa.Column('to_status', sa.String(length=12), nullable=False),
    sa.Column('actor_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('note', sa.String(length=255), nullable=True),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_return_events_actor_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['return_id'], ['return_requests.id'], name=op.f('fk_return_events_return_id_return_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_events'))
    )
    with op.batch_alter_table('return_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_return_events_return_id'), ['return_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('return_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_return_events_return_id'))

    op.drop_table('return_events')
    with op.batch_alter_table('return_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_return_requests_open_per_order', postgresql_where=sa.text("status = 'requested'"), sqlite_where=sa.text("status = 'requested'"))
        batch_op.drop_index('ix_return_requests_user_id_community_id')
        batch_op.drop_index('ix_return_requests_store_id_status')

    op.drop_table('return_requests')