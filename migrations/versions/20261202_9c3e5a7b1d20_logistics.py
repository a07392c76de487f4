"""Logistics: couriers (a location only on duty and with consent) and the communities they work in,
and delivery tasks from orders and group deals.

Revision ID: 9c3e5a7b1d20
Revises: 7b2d4f6a8c10
Create Date: 2026-12-02 15:38:10.690325
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models

revision: str = '9c3e5a7b1d20'
down_revision: str | None = '7b2d4f6a8c10'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('couriers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('vehicle', sa.String(length=10), nullable=False),
    sa.Column('capacity', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('max_weight_grams', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('on_duty', sa.Boolean(), nullable=False),
    sa.Column('location_consent', sa.Boolean(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('located_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint("vehicle IN ('foot', 'bike', 'ebike')", name=op.f('ck_couriers_vehicle_known')),
    sa.CheckConstraint('(latitude IS NULL AND longitude IS NULL) OR (on_duty AND location_consent)', name=op.f('ck_couriers_location_only_on_duty_with_consent')),
    sa.CheckConstraint('capacity BETWEEN 1 AND 50', name=op.f('ck_couriers_capacity_range')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_couriers_store_id_stores'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_couriers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_couriers')),
    sa.UniqueConstraint('user_id', name=op.f('uq_couriers_user_id'))
    )
    op.create_table('courier_communities',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('courier_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('community_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_courier_communities_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['courier_id'], ['couriers.id'], name=op.f('fk_courier_communities_courier_id_couriers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_courier_communities')),
    sa.UniqueConstraint('courier_id', 'community_id', name=op.f('uq_courier_communities_courier_id_community_id'))
    )
    with op.batch_alter_table('courier_communities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_courier_communities_community_id'), ['community_id'], unique=False)

    op.create_table('delivery_tasks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('group_deal_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('order_ids', sa.JSON(), nullable=False),
    sa.Column('handover_code', sa.String(length=8), nullable=True),
    sa.Column('weight_grams', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('community_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('resident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('courier_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('pickup_latitude', sa.Float(), nullable=False),
    sa.Column('pickup_longitude', sa.Float(), nullable=False),
    sa.Column('drop_latitude', sa.Float(), nullable=False),
    sa.Column('drop_longitude', sa.Float(), nullable=False),
    sa.Column('drop_label', sa.String(length=120), nullable=False),
    sa.Column('fee', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('promised_by', core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('eta', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('route_position', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('offered_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('declined_by', sa.JSON(), nullable=False),
    sa.Column('failure_reason', sa.String(length=255), nullable=True),
    sa.Column('picked_up_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint("(kind = 'order' AND order_id IS NOT NULL) OR (kind = 'haul' AND group_deal_id IS NOT NULL)", name=op.f('ck_delivery_tasks_kind_has_its_goods')),
    sa.CheckConstraint("courier_id IS NOT NULL OR status IN ('open', 'cancelled')", name=op.f('ck_delivery_tasks_courier_when_assigned')),
    sa.CheckConstraint("status IN ('open', 'offered', 'accepted', 'picked_up', 'delivered', 'failed', 'cancelled')", name=op.f('ck_delivery_tasks_status_known')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_delivery_tasks_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['courier_id'], ['couriers.id'], name=op.f('fk_delivery_tasks_courier_id_couriers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_deal_id'], ['group_deals.id'], name=op.f('fk_delivery_tasks_group_deal_id_group_deals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_delivery_tasks_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resident_id'], ['users.id'], name=op.f('fk_delivery_tasks_resident_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_delivery_tasks_store_id_stores'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_tasks')),
    sa.UniqueConstraint('order_id', name=op.f('uq_delivery_tasks_order_id'))
    )
    with op.batch_alter_table('delivery_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_delivery_tasks_community_status', ['community_id', 'status'], unique=False)
        batch_op.create_index('ix_delivery_tasks_courier_status', ['courier_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_tasks_group_deal_id'), ['group_deal_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('delivery_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_tasks_group_deal_id'))
        batch_op.drop_index('ix_delivery_tasks_courier_status')
        batch_op.drop_index('ix_delivery_tasks_community_status')

    op.drop_table('delivery_tasks')
    with op.batch_alter_table('courier_communities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_courier_communities_community_id'))

    op.drop_table('courier_communities')
    op.drop_table('couriers')
