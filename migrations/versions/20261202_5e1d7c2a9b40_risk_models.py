"""Risk's model registry (every trained model version with its artifact, card and stage; one champion per
name) and the stores' scores, each with the version and inputs behind it.

Revision ID: 5e1d7c2a9b40
Revises: e8f1a2b3c4d5
Create Date: 2026-12-02 06:05:01
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models

revision: str = '5e1d7c2a9b40'
down_revision: str | None = 'e8f1a2b3c4d5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('risk_model_versions',
    sa.Column('id', ID, nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('version', ID, nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('artifact_format', sa.String(length=40), nullable=False),
    sa.Column('artifact', sa.LargeBinary(), nullable=False),
    sa.Column('features', sa.JSON(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('metrics', sa.JSON(), nullable=False),
    sa.Column('data_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('training_rows', ID, nullable=False),
    sa.Column('synthetic', sa.Boolean(), nullable=False),
    sa.Column('card', sa.Text(), nullable=False),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('promoted_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("stage IN ('challenger', 'champion', 'archived')", name=op.f('ck_risk_model_versions_stage_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_model_versions')),
    sa.UniqueConstraint('name', 'version', name=op.f('uq_risk_model_versions_name_version'))
    )
    with op.batch_alter_table('risk_model_versions', schema=None) as batch_op:
        batch_op.create_index('uq_risk_model_versions_champion', ['name'], unique=True, postgresql_where=sa.text("stage = 'champion'"), sqlite_where=sa.text("stage = 'champion'"))


    op.create_table('risk_store_scores',
    sa.Column('id', ID, nullable=False),
    sa.Column('store_id', ID, nullable=False),
    sa.Column('model_version_id', ID, nullable=False),
    sa.Column('as_of', core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('features', sa.JSON(), nullable=False),
    sa.Column('probability', sa.Float(), nullable=False),
    sa.Column('points', sa.Float(), nullable=False),
    sa.Column('band', sa.String(length=2), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['model_version_id'], ['risk_model_versions.id'], name=op.f('fk_risk_store_scores_model_version_id_risk_model_versions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_risk_store_scores_store_id_stores'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_store_scores'))
    )
    with op.batch_alter_table('risk_store_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_store_scores_model_version_id'), ['model_version_id'], unique=False)
        batch_op.create_index('ix_risk_store_scores_store_created', ['store_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('risk_store_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_risk_store_scores_store_created')
        batch_op.drop_index(batch_op.f('ix_risk_store_scores_model_version_id'))

    op.drop_table('risk_store_scores')
    with op.batch_alter_table('risk_model_versions', schema=None) as batch_op:
        batch_op.drop_index('uq_risk_model_versions_champion', postgresql_where=sa.text("stage = 'champion'"), sqlite_where=sa.text("stage = 'champion'"))

    op.drop_table('risk_model_versions')
