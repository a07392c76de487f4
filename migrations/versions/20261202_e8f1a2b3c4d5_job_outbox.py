"""The job outbox: jobs a committed change asked for, relayed to RQ (or run in-process) after it;
and revoked logins, kept in the database so that a logout holds while Redis is down.

Revision ID: e8f1a2b3c4d5
Revises: 02efa43d73c2
Create Date: 2026-12-02 04:32:36.165244
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models


revision: str = 'e8f1a2b3c4d5'
down_revision: str | None = '02efa43d73c2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
WHEN = core.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'job_outbox',
        sa.Column('id', ID, nullable=False),
        sa.Column('func', sa.String(length=200), nullable=False),
        sa.Column('args', sa.JSON(), nullable=False),
        sa.Column('queue', sa.String(length=20), nullable=False),
        sa.Column('job_id', sa.String(length=100), nullable=False),
        sa.Column('timeout', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('due_at', WHEN, nullable=False),
        sa.Column('relayed_at', WHEN, nullable=True),
        sa.Column('done_at', WHEN, nullable=True),
        sa.Column('last_error', sa.String(length=2000), nullable=True),
        sa.Column('created_at', WHEN, server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
        sa.CheckConstraint("state IN ('pending', 'relayed', 'done', 'failed')", name=op.f('ck_job_outbox_state')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_job_outbox')),
    )
    with op.batch_alter_table('job_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_job_outbox_state_due_at', ['state', 'due_at'], unique=False)
    op.create_table(
        'revoked_logins',
        sa.Column('login_id', sa.String(length=32), nullable=False),
        sa.Column('revoked_at', WHEN, nullable=False),
        sa.Column('expires_at', WHEN, nullable=False),
        sa.PrimaryKeyConstraint('login_id', name=op.f('pk_revoked_logins')),
    )


def downgrade() -> None:
    op.drop_table('revoked_logins')
    with op.batch_alter_table('job_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_job_outbox_state_due_at')
    op.drop_table('job_outbox')
