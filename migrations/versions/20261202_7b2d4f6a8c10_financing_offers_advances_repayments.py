"""Financing: offers made to stores from their score, the advances they accept (one open per store),
and every repayment with the ledger entry behind it.

Revision ID: 7b2d4f6a8c10
Revises: 5e1d7c2a9b40
Create Date: 2026-12-02 14:54:30.758479
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models

revision: str = '7b2d4f6a8c10'
down_revision: str | None = '5e1d7c2a9b40'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('financing_offers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('score_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('band', sa.String(length=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('monthly_sales', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('min_amount', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('max_amount', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('fee_bp', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('remittance_bp', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('min_repayment_bp', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('period_days', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('auto_limit', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('expires_at', core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint("status IN ('open', 'accepted', 'superseded', 'expired')", name=op.f('ck_financing_offers_status_known')),
    sa.CheckConstraint('min_amount > 0 AND max_amount >= min_amount', name=op.f('ck_financing_offers_amounts_positive')),
    sa.ForeignKeyConstraint(['score_id'], ['risk_store_scores.id'], name=op.f('fk_financing_offers_score_id_risk_store_scores'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_financing_offers_store_id_stores'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_financing_offers'))
    )
    with op.batch_alter_table('financing_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_financing_offers_store_id'), ['store_id'], unique=False)
        batch_op.create_index('uq_financing_offers_open', ['store_id'], unique=True, postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))

    op.create_table('financing_advances',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('community_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('offer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('score_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('requested_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('principal', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('fee', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('remittance_bp', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('min_repayment', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('period_days', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('human_review_requested', sa.Boolean(), nullable=False),
    sa.Column('merchant_note', sa.String(length=500), nullable=True),
    sa.Column('decided_by', sa.String(length=10), nullable=True),
    sa.Column('decided_by_user', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('decision_reason', sa.String(length=500), nullable=True),
    sa.Column('decided_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('disbursed_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('repaid', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('fee_earned', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('days_past_due', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('was_late', sa.Boolean(), nullable=False),
    sa.Column('withheld_through', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('closed_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint("status IN ('in_review', 'declined', 'active', 'late', 'defaulted', 'repaid', 'written_off')", name=op.f('ck_financing_advances_status_known')),
    sa.CheckConstraint('principal > 0 AND fee >= 0 AND repaid >= 0 AND repaid <= principal + fee AND fee_earned >= 0 AND fee_earned <= fee', name=op.f('ck_financing_advances_amounts_hold')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_financing_advances_community_id_communities'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['decided_by_user'], ['users.id'], name=op.f('fk_financing_advances_decided_by_user_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['offer_id'], ['financing_offers.id'], name=op.f('fk_financing_advances_offer_id_financing_offers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['requested_by'], ['users.id'], name=op.f('fk_financing_advances_requested_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['score_id'], ['risk_store_scores.id'], name=op.f('fk_financing_advances_score_id_risk_store_scores'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_financing_advances_store_id_stores'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_financing_advances'))
    )
    with op.batch_alter_table('financing_advances', schema=None) as batch_op:
        batch_op.create_index('ix_financing_advances_community_status', ['community_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_financing_advances_store_id'), ['store_id'], unique=False)
        batch_op.create_index('uq_financing_advances_open', ['store_id'], unique=True, postgresql_where=sa.text("status IN ('in_review', 'active', 'late', 'defaulted')"), sqlite_where=sa.text("status IN ('in_review', 'active', 'late', 'defaulted')"))

    op.create_table('financing_repayments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('advance_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('amount', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('fee_part', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_financing_repayments_amount_positive')),
    sa.ForeignKeyConstraint(['advance_id'], ['financing_advances.id'], name=op.f('fk_financing_repayments_advance_id_financing_advances'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], name=op.f('fk_financing_repayments_entry_id_journal_entries'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_financing_repayments'))
    )
    with op.batch_alter_table('financing_repayments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_financing_repayments_advance_id'), ['advance_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('financing_repayments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_financing_repayments_advance_id'))

    op.drop_table('financing_repayments')
    with op.batch_alter_table('financing_advances', schema=None) as batch_op:
        batch_op.drop_index('uq_financing_advances_open', postgresql_where=sa.text("status IN ('in_review', 'active', 'late', 'defaulted')"), sqlite_where=sa.text("status IN ('in_review', 'active', 'late', 'defaulted')"))
        batch_op.drop_index(batch_op.f('ix_financing_advances_store_id'))
        batch_op.drop_index('ix_financing_advances_community_status')

    op.drop_table('financing_advances')
    with op.batch_alter_table('financing_offers', schema=None) as batch_op:
        batch_op.drop_index('uq_financing_offers_open', postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))
        batch_op.drop_index(batch_op.f('ix_financing_offers_store_id'))

    op.drop_table('financing_offers')
