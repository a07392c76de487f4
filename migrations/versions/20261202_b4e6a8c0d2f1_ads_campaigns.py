"""Ads: stores' campaigns and each targeted community's review of them.

Revision ID: b4e6a8c0d2f1
Revises: 7b3e5f1a2c68
Create Date: 2026-12-02 16:40:04.231283
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models

revision: str = 'b4e6a8c0d2f1'
down_revision: str | None = '7b3e5f1a2c68'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ad_campaigns',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('objective', sa.String(length=20), nullable=False),
    sa.Column('pricing', sa.String(length=3), nullable=False),
    sa.Column('bid', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('daily_budget', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('total_budget', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('starts_at', core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('dayparts', sa.JSON(), nullable=False),
    sa.Column('creative', sa.JSON(), nullable=False),
    sa.Column('targeting', sa.JSON(), nullable=False),
    sa.Column('frequency_cap', sa.JSON(), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("pricing IN ('cpc', 'cpm')", name=op.f('ck_ad_campaigns_pricing_known')),
    sa.CheckConstraint('bid > 0 AND daily_budget >= bid', name=op.f('ck_ad_campaigns_bid_within_daily_budget')),
    sa.CheckConstraint('total_budget IS NULL OR total_budget >= daily_budget', name=op.f('ck_ad_campaigns_total_covers_a_day')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_ad_campaigns_store_id_stores'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ad_campaigns'))
    )
    with op.batch_alter_table('ad_campaigns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ad_campaigns_store_id'), ['store_id'], unique=False)

    op.create_table('ad_campaign_reviews',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('campaign_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('community_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=True),
    sa.Column('decided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('decided_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name=op.f('ck_ad_campaign_reviews_status_known')),
    sa.ForeignKeyConstraint(['campaign_id'], ['ad_campaigns.id'], name=op.f('fk_ad_campaign_reviews_campaign_id_ad_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_ad_campaign_reviews_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_ad_campaign_reviews_decided_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ad_campaign_reviews')),
    sa.UniqueConstraint('campaign_id', 'community_id', name=op.f('uq_ad_campaign_reviews_campaign_id_community_id'))
    )
    with op.batch_alter_table('ad_campaign_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ad_campaign_reviews_community_id'), ['community_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ad_campaign_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ad_campaign_reviews_community_id'))

    op.drop_table('ad_campaign_reviews')
    with op.batch_alter_table('ad_campaigns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ad_campaigns_store_id'))

    op.drop_table('ad_campaigns')
