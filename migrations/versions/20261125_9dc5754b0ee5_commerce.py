"""commerce: stores, catalog, carts, coupons, orders, reviews, group deals

Revision ID: 9dc5754b0ee5
Revises: 3192b9ba9508
Create Date: 2026-11-25 02:01:23.275606
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models


revision: str = '9dc5754b0ee5'
down_revision: str | None = '3192b9ba9508'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Product search matches n-gram tokens with LIKE, answered by a trigram GIN index.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table('commerce_categories',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('name_en', sa.String(length=60), nullable=False),
    sa.Column('parent_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['commerce_categories.id'], name=op.f('fk_commerce_categories_parent_id_commerce_categories'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commerce_categories')),
    sa.UniqueConstraint('slug', name=op.f('uq_commerce_categories_slug'))
    )
    with op.batch_alter_table('commerce_categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commerce_categories_parent_id'), ['parent_id'], unique=False)

    op.create_table('pickup_points',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('community_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('location', sa.String(length=255), nullable=False),
    sa.Column('host_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('commission_bps', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('commission_bps >= 0 AND commission_bps <= 5000', name=op.f('ck_pickup_points_commission_range')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_pickup_points_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['host_user_id'], ['users.id'], name=op.f('fk_pickup_points_host_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pickup_points'))
    )
    with op.batch_alter_table('pickup_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pickup_points_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pickup_points_host_user_id'), ['host_user_id'], unique=False)

    op.create_table('stores',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('licence_number', sa.String(length=40), nullable=False),
    sa.Column('contact_name', sa.String(length=60), nullable=False),
    sa.Column('contact_phone', sa.String(length=20), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=True),
    sa.Column('address', sa.String(length=255), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('fulfilment', sa.String(length=10), nullable=False),
    sa.Column('delivery_fee', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('min_order', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('suspended_reason', sa.String(length=255), nullable=True),
    sa.Column('rating_total', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('rating_count', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('delivery_fee >= 0 AND min_order >= 0', name=op.f('ck_stores_fees_not_negative')),
    sa.CheckConstraint('rating_count >= 0 AND rating_total >= 0', name=op.f('ck_stores_ratings_not_negative')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_stores_created_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stores'))
    )
    op.create_table('carts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('community_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', core.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_carts_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_carts_store_id_stores'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_carts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_carts')),
    sa.UniqueConstraint('user_id', 'store_id', 'community_id', name=op.f('uq_carts_user_id_store_id_community_id'))
    )
    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_carts_store_id'), ['store_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_carts_user_id'), ['user_id'], unique=False)

    op.create_table('coupons',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('value', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('min_spend', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('per_resident_limit', sa.Integer(), nullable=True),
    sa.Column('total_limit', sa.Integer(), nullable=True),
    sa.Column('redeemed', sa.Integer(), nullable=False),
    sa.Column('starts_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ends_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('product_ids', sa.JSON(), nullable=False),
    sa.Column('category_ids', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('redeemed >= 0 AND (total_limit IS NULL OR redeemed <= total_limit)', name=op.f('ck_coupons_redeemed_within_limit')),
    sa.CheckConstraint('value > 0', name=op.f('ck_coupons_value_positive')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_coupons_store_id_stores'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coupons')),
    sa.UniqueConstraint('store_id', 'code', name=op.f('uq_coupons_store_id_code'))
    )
    with op.batch_alter_table('coupons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coupons_store_id'), ['store_id'], unique=False)

    op.create_table('products',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('category_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.String(length=2000), nullable=True),
    sa.Column('images', sa.JSON(), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('price_from', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name_text', sa.Text(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('rating_total', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('rating_count', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', core.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('rating_count >= 0 AND rating_total >= 0', name=op.f('ck_products_ratings_not_negative')),
    sa.ForeignKeyConstraint(['category_id'], ['commerce_categories.id'], name=op.f('fk_products_category_id_commerce_categories'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_products_store_id_stores'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products'))
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index('ix_products_category_id_price_from', ['category_id', 'price_from'], unique=False)
        batch_op.create_index('ix_products_price_from_id', ['price_from', 'id'], unique=False)
        batch_op.create_index('ix_products_search_text_trgm', ['search_text'], unique=False, postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})
        batch_op.create_index('ix_products_store_id_published', ['store_id', 'published'], unique=False)

    op.create_table('store_communities',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('community_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=True),
    sa.Column('reason', sa.String(length=255), nullable=True),
    sa.Column('decided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('decided_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_store_communities_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_store_communities_decided_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_store_communities_store_id_stores'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_store_communities'))
    )
    with op.batch_alter_table('store_communities', schema=None) as batch_op:
        batch_op.create_index('ix_store_communities_community_status', ['community_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_store_communities_store_id'), ['store_id'], unique=False)
        batch_op.create_index('uq_store_communities_live', ['store_id', 'community_id'], unique=True, postgresql_where=sa.text("status IN ('pending', 'approved', 'suspended')"), sqlite_where=sa.text("status IN ('pending', 'approved', 'suspended')"))

    op.create_table('store_hours',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('weekday', sa.SmallInteger(), nullable=False),
    sa.Column('opens_minute', sa.SmallInteger(), nullable=False),
    sa.Column('closes_minute', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_store_hours_store_id_stores'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_store_hours'))
    )
    with op.batch_alter_table('store_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_store_hours_store_id'), ['store_id'], unique=False)

    op.create_table('store_staff',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('added_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['added_by'], ['users.id'], name=op.f('fk_store_staff_added_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_store_staff_store_id_stores'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_store_staff_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_store_staff')),
    sa.UniqueConstraint('store_id', 'user_id', name=op.f('uq_store_staff_store_id_user_id'))
    )
    with op.batch_alter_table('store_staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_store_staff_store_id'), ['store_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_store_staff_user_id'), ['user_id'], unique=False)

    op.create_table('product_variants',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('price', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('stock', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('price >= 0', name=op.f('ck_product_variants_price_not_negative')),
    sa.CheckConstraint('stock >= 0', name=op.f('ck_product_variants_stock_not_negative')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_variants_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_product_variants_store_id_stores'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_variants')),
    sa.UniqueConstraint('store_id', 'sku', name=op.f('uq_product_variants_store_id_sku'))
    )
    with op.batch_alter_table('product_variants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_variants_product_id'), ['product_id'], unique=False)

    op.create_table('service_slots',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('starts_at', core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('booked', sa.Integer(), nullable=False),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('booked >= 0 AND booked <= capacity', name=op.f('ck_service_slots_booked_within_capacity')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_service_slots_ends_after_start')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_service_slots_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_service_slots_store_id_stores'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_slots')),
    sa.UniqueConstraint('product_id', 'starts_at', name=op.f('uq_service_slots_product_id_starts_at'))
    )
    with op.batch_alter_table('service_slots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_slots_store_id'), ['store_id'], unique=False)

    op.create_table('cart_lines',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('cart_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('variant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('slot_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_cart_lines_quantity_positive')),
    sa.ForeignKeyConstraint(['cart_id'], ['carts.id'], name=op.f('fk_cart_lines_cart_id_carts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['slot_id'], ['service_slots.id'], name=op.f('fk_cart_lines_slot_id_service_slots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['variant_id'], ['product_variants.id'], name=op.f('fk_cart_lines_variant_id_product_variants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cart_lines'))
    )
    with op.batch_alter_table('cart_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cart_lines_cart_id'), ['cart_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cart_lines_variant_id'), ['variant_id'], unique=False)

    op.create_table('group_deals',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('community_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('variant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('pickup_point_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('price', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('min_participants', sa.Integer(), nullable=False),
    sa.Column('max_quantity_per_resident', sa.Integer(), nullable=False),
    sa.Column('cut_off_at', core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('closed_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('min_participants >= 1', name=op.f('ck_group_deals_min_participants_positive')),
    sa.CheckConstraint('price > 0', name=op.f('ck_group_deals_price_positive')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_group_deals_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pickup_point_id'], ['pickup_points.id'], name=op.f('fk_group_deals_pickup_point_id_pickup_points'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_group_deals_product_id_products'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_group_deals_store_id_stores'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['variant_id'], ['product_variants.id'], name=op.f('fk_group_deals_variant_id_product_variants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_deals'))
    )
    with op.batch_alter_table('group_deals', schema=None) as batch_op:
        batch_op.create_index('ix_group_deals_community_id_status', ['community_id', 'status'], unique=False)
        batch_op.create_index('ix_group_deals_status_cut_off_at', ['status', 'cut_off_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_group_deals_store_id'), ['store_id'], unique=False)

    op.create_table('orders',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('community_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('fulfilment', sa.String(length=10), nullable=False),
    sa.Column('recipient_name', sa.String(length=80), nullable=False),
    sa.Column('recipient_phone', sa.String(length=20), nullable=True),
    sa.Column('delivery_address', sa.String(length=255), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('subtotal', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('discount', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('delivery_fee', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('total', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('refunded', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('coupon_code', sa.String(length=32), nullable=True),
    sa.Column('payment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('reserved_until', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('pickup_code', sa.String(length=8), nullable=True),
    sa.Column('group_deal_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('pickup_point_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('host_commission', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('pickup_host_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('cancel_reason', sa.String(length=255), nullable=True),
    sa.Column('paid_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', core.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('refunded >= 0 AND refunded <= total', name=op.f('ck_orders_refunded_within_total')),
    sa.CheckConstraint('subtotal >= 0 AND discount >= 0 AND delivery_fee >= 0 AND total >= 0', name=op.f('ck_orders_amounts')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_orders_community_id_communities'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['group_deal_id'], ['group_deals.id'], name=op.f('fk_orders_group_deal_id_group_deals'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['pickup_host_id'], ['users.id'], name=op.f('fk_orders_pickup_host_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pickup_point_id'], ['pickup_points.id'], name=op.f('fk_orders_pickup_point_id_pickup_points'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_orders_store_id_stores'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_orders_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_orders_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_group_deal_id'), ['group_deal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index('ix_orders_status_delivered_at', ['status', 'delivered_at'], unique=False)
        batch_op.create_index('ix_orders_status_reserved_until', ['status', 'reserved_until'], unique=False)
        batch_op.create_index('ix_orders_store_id_status', ['store_id', 'status'], unique=False)
        batch_op.create_index('ix_orders_user_id_created_at', ['user_id', 'created_at'], unique=False)

    op.create_table('coupon_redemptions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('coupon_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('discount', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('released_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['coupon_id'], ['coupons.id'], name=op.f('fk_coupon_redemptions_coupon_id_coupons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_coupon_redemptions_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_coupon_redemptions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coupon_redemptions')),
    sa.UniqueConstraint('order_id', name=op.f('uq_coupon_redemptions_order_id'))
    )
    with op.batch_alter_table('coupon_redemptions', schema=None) as batch_op:
        batch_op.create_index('ix_coupon_redemptions_coupon_id_user_id', ['coupon_id', 'user_id'], unique=False)

    op.create_table('group_joins',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('deal_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('payment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_group_joins_quantity_positive')),
    sa.ForeignKeyConstraint(['deal_id'], ['group_deals.id'], name=op.f('fk_group_joins_deal_id_group_deals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_group_joins_order_id_orders'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_group_joins_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_joins'))
    )
    with op.batch_alter_table('group_joins', schema=None) as batch_op:
        batch_op.create_index('ix_group_joins_deal_id_status', ['deal_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_group_joins_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_group_joins_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_group_joins_live', ['deal_id', 'user_id'], unique=True, postgresql_where=sa.text("status IN ('pending', 'authorized', 'captured')"), sqlite_where=sa.text("status IN ('pending', 'authorized', 'captured')"))

    op.create_table('order_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('actor_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('note', sa.String(length=255), nullable=True),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_order_events_actor_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_events_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_events'))
    )
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_events_order_id'), ['order_id'], unique=False)

    op.create_table('order_lines',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('variant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('slot_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('slot_starts_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('product_name', sa.String(length=120), nullable=False),
    sa.Column('variant_name', sa.String(length=80), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('unit_price', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('discount', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('refunded_quantity', sa.Integer(), nullable=False),
    sa.Column('refunded', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_order_lines_quantity_positive')),
    sa.CheckConstraint('refunded_quantity >= 0 AND refunded_quantity <= quantity', name=op.f('ck_order_lines_refunded_within_quantity')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_lines_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_order_lines_product_id_products'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['slot_id'], ['service_slots.id'], name=op.f('fk_order_lines_slot_id_service_slots'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['variant_id'], ['product_variants.id'], name=op.f('fk_order_lines_variant_id_product_variants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_lines'))
    )
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_lines_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_lines_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_lines_slot_id'), ['slot_id'], unique=False)

    op.create_table('order_refunds',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('amount', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('payment_refund_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_order_refunds_amount_positive')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_order_refunds_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_refunds_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_refunds'))
    )
    with op.batch_alter_table('order_refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_refunds_order_id'), ['order_id'], unique=False)

    op.create_table('product_reviews',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=1000), nullable=True),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_product_reviews_rating_range')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_product_reviews_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_reviews_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_product_reviews_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_reviews')),
    sa.UniqueConstraint('order_id', 'product_id', name=op.f('uq_product_reviews_order_id_product_id'))
    )
    with op.batch_alter_table('product_reviews', schema=None) as batch_op:
        batch_op.create_index('ix_product_reviews_product_id_created_at', ['product_id', 'created_at'], unique=False)

    op.create_table('store_reviews',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=1000), nullable=True),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_store_reviews_rating_range')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_store_reviews_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_store_reviews_store_id_stores'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_store_reviews_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_store_reviews')),
    sa.UniqueConstraint('order_id', name=op.f('uq_store_reviews_order_id'))
    )
    with op.batch_alter_table('store_reviews', schema=None) as batch_op:
        batch_op.create_index('ix_store_reviews_store_id_created_at', ['store_id', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('store_reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_store_reviews_store_id_created_at')

    op.drop_table('store_reviews')
    with op.batch_alter_table('product_reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_product_reviews_product_id_created_at')

    op.drop_table('product_reviews')
    with op.batch_alter_table('order_refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_refunds_order_id'))

    op.drop_table('order_refunds')
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_lines_slot_id'))
        batch_op.drop_index(batch_op.f('ix_order_lines_product_id'))
        batch_op.drop_index(batch_op.f('ix_order_lines_order_id'))

    op.drop_table('order_lines')
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_events_order_id'))

    op.drop_table('order_events')
    with op.batch_alter_table('group_joins', schema=None) as batch_op:
        batch_op.drop_index('uq_group_joins_live', postgresql_where=sa.text("status IN ('pending', 'authorized', 'captured')"), sqlite_where=sa.text("status IN ('pending', 'authorized', 'captured')"))
        batch_op.drop_index(batch_op.f('ix_group_joins_user_id'))
        batch_op.drop_index(batch_op.f('ix_group_joins_payment_id'))
        batch_op.drop_index('ix_group_joins_deal_id_status')

    op.drop_table('group_joins')
    with op.batch_alter_table('coupon_redemptions', schema=None) as batch_op:
        batch_op.drop_index('ix_coupon_redemptions_coupon_id_user_id')

    op.drop_table('coupon_redemptions')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_user_id_created_at')
        batch_op.drop_index('ix_orders_store_id_status')
        batch_op.drop_index('ix_orders_status_reserved_until')
        batch_op.drop_index('ix_orders_status_delivered_at')
        batch_op.drop_index(batch_op.f('ix_orders_payment_id'))
        batch_op.drop_index(batch_op.f('ix_orders_group_deal_id'))
        batch_op.drop_index(batch_op.f('ix_orders_community_id'))

    op.drop_table('orders')
    with op.batch_alter_table('group_deals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_deals_store_id'))
        batch_op.drop_index('ix_group_deals_status_cut_off_at')
        batch_op.drop_index('ix_group_deals_community_id_status')

    op.drop_table('group_deals')
    with op.batch_alter_table('cart_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cart_lines_variant_id'))
        batch_op.drop_index(batch_op.f('ix_cart_lines_cart_id'))

    op.drop_table('cart_lines')
    with op.batch_alter_table('service_slots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_slots_store_id'))

    op.drop_table('service_slots')
    with op.batch_alter_table('product_variants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_variants_product_id'))

    op.drop_table('product_variants')
    with op.batch_alter_table('store_staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_store_staff_user_id'))
        batch_op.drop_index(batch_op.f('ix_store_staff_store_id'))

    op.drop_table('store_staff')
    with op.batch_alter_table('store_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_store_hours_store_id'))

    op.drop_table('store_hours')
    with op.batch_alter_table('store_communities', schema=None) as batch_op:
        batch_op.drop_index('uq_store_communities_live', postgresql_where=sa.text("status IN ('pending', 'approved', 'suspended')"), sqlite_where=sa.text("status IN ('pending', 'approved', 'suspended')"))
        batch_op.drop_index(batch_op.f('ix_store_communities_store_id'))
        batch_op.drop_index('ix_store_communities_community_status')

    op.drop_table('store_communities')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index('ix_products_store_id_published')
        batch_op.drop_index('ix_products_search_text_trgm', postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})
        batch_op.drop_index('ix_products_price_from_id')
        batch_op.drop_index('ix_products_category_id_price_from')

    op.drop_table('products')
    with op.batch_alter_table('coupons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coupons_store_id'))

    op.drop_table('coupons')
    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_carts_user_id'))
        batch_op.drop_index(batch_op.f('ix_carts_store_id'))

    op.drop_table('carts')
    op.drop_table('stores')
    with op.batch_alter_table('pickup_points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pickup_points_host_user_id'))
        batch_op.drop_index(batch_op.f('ix_pickup_points_community_id'))

    op.drop_table('pickup_points')
    with op.batch_alter_table('commerce_categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commerce_categories_parent_id'))

    op.drop_table('commerce_categories')
